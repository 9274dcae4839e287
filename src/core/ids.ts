import { randomInt, randomUUID } from 'node:crypto';
import { randomFromPool } from './random-pool.ts';

/** SQS message ids are UUIDs. */
export function newMessageId(): string {
  return randomUUID();
}

/** Request ids appear in responses and (later) audit records. */
export function newRequestId(): string {
  return randomUUID();
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
