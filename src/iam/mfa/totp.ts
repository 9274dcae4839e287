import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { PciqError } from '../../core/index.ts';

/**
 * RFC 6238 TOTP as authenticator apps and AWS virtual MFA devices use it: HMAC-SHA1, 6 digits, 30-second
 * steps counted from the Unix epoch. The caller keeps the secret sealed at rest and, per device, the last
 * accepted step (PCI DSS 8.5.1: a code is good once).
 */
export const totpStepSec = 30;
export const totpDigits = 6;
/** RFC 4226 section 4 recommends 160 bits, the HMAC-SHA1 output size. */
export const totpSecretBytes = 20;

export type HotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

/** RFC 4226 HOTP value for `counter`, zero-padded to `digits`. */
export function hotp(
  secret: Uint8Array,
  counter: number,
  digits = totpDigits,
  algorithm: HotpAlgorithm = 'sha1',
): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The TOTP time step containing `nowMs`. */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / totpStepSec);
}

/** The code an authenticator app shows at `nowMs`. */
export function totpCode(secret: Uint8Array, nowMs: number): string {
  return hotp(secret, totpStep(nowMs));
}

/** A new device secret from the CSPRNG. */
export function generateTotpSecret(): Buffer {
  return randomBytes(totpSecretBytes);
}

export type TotpVerification =
  /** `ok`: persist `step` as the device's `lastUsedStep`. */
  { outcome: 'ok'; step: number } | { outcome: 'replayed' } | { outcome: 'invalid' };

/** RFC 6238 section 6: one step either side covers clock drift and the time it takes to type a code. */
const driftSteps = 1;

/** Codes people type may carry spaces ("123 456"); anything but six digits after that is not a code. */
function normalizedCode(code: string): Buffer | undefined {
  const digits = code.replace(/\s/g, '');
  return /^\d{6}$/.test(digits) ? Buffer.from(digits) : undefined;
}

/** Steps around `centre` whose code equals `code`; every candidate is computed and compared in full. */
function matchingSteps(secret: Uint8Array, code: Buffer, centre: number): number[] {
  const matches: number[] = [];
  for (let step = centre - driftSteps; step <= centre + driftSteps; step++) {
    if (timingSafeEqual(Buffer.from(hotp(secret, step)), code)) matches.push(step);
  }
  return matches;
}

/**
 * Checks a code typed at `nowMs`, allowing one step of drift either way. A code whose step is at or before
 * `lastUsedStep` is refused as `replayed` (8.5.1), even inside its window; after an accepted code, the
 * caller must persist the returned step, in the same transaction that acts on the sign-in.
 */
export function verifyTotp(
  secret: Uint8Array,
  code: string,
  nowMs: number,
  lastUsedStep: number | null,
): TotpVerification {
  const typed = normalizedCode(code);
  if (!typed) return { outcome: 'invalid' };
  const matches = matchingSteps(secret, typed, totpStep(nowMs));
  const fresh = matches.find((step) => lastUsedStep === null || step > lastUsedStep);
  if (fresh !== undefined) return { outcome: 'ok', step: fresh };
  return matches.length > 0 ? { outcome: 'replayed' } : { outcome: 'invalid' };
}

/**
 * AWS EnableMFADevice proves that a person's app holds the secret with two consecutive codes
 * (AuthenticationCode1, AuthenticationCode2): the second must be one step after the first, and within the
 * drift window of `nowMs`. Returns the second code's step to persist as `lastUsedStep`, so neither code
 * can be used to sign in; throws `InvalidAuthenticationCode` otherwise, as IAM does.
 */
export function verifyTwoConsecutiveCodes(
  secret: Uint8Array,
  code1: string,
  code2: string,
  nowMs: number,
): { step: number } {
  const first = normalizedCode(code1);
  const second = normalizedCode(code2);
  if (first && second) {
    const steps = matchingSteps(secret, second, totpStep(nowMs));
    for (const step of steps) {
      if (timingSafeEqual(Buffer.from(hotp(secret, step - 1)), first)) return { step };
    }
  }
  throw new PciqError(
    'InvalidAuthenticationCode',
    'Authentication code for device is not valid: enter two consecutive codes from the authenticator app, ' +
      'waiting for the code to change after the first, and check that the device clock is right.',
  );
}
