import { randomInt, randomUUID } from 'node:crypto';
import { randomFromPool } from './random-pool.ts';

/** SQS message ids are UUIDs. */
export function newMessageId(): string {
  return randomUUID();
}

/**
 * Request ids appear in responses and audit records. They are time-ordered UUIDs (version 7, RFC 9562:
 * 48 bits of milliseconds, then random bits): the audit trail indexes them, and ids that grow with time
 * are appended to the index rather than inserted at random places, which keeps recording a request cheap.
 */
export function newRequestId(): string {
  const bytes = randomFromPool(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An opaque random token, base64url, `bytes` of entropy. */
export function randomToken(bytes: number): string {
  return randomFromPool(bytes).toString('base64url');
}

/** AWS account ids are 12 decimal digits; ours are random and never start with 0 to survive number parsing. */
export function newAccountId(): string {
  let id = String(randomInt(1, 10));
  for (let i = 0; i < 11; i++) id += String(randomInt(0, 10));
  return id;
}
