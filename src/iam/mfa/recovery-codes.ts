import { randomBytes } from 'node:crypto';
import { findMatchingSecret, hashSecretsWithSharedSalt } from '../passwords/index.ts';
import { encodeBase32 } from './base32.ts';

/**
 * Single-use codes that replace a TOTP code when the person's device is lost. Each is 10 base32 characters
 * (50 random bits), shown once as `ABCDE-FGHJK` and stored only as a scrypt hash, so a stolen table costs
 * ~80 ms per guess per set; an online guesser meets sign-in's lockout first.
 */
export interface StoredRecoveryCode {
  hash: string;
  usedAtMs: number | null;
}

export interface NewRecoveryCodes {
  /** To show the person once, then forget. */
  codes: string[];
  /** To store with the user. */
  stored: StoredRecoveryCode[];
}

export const recoveryCodeCount = 10;
const codeLength = 10;

/** Case, spaces and hyphens as people type them do not matter. */
function normalizedCode(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase();
}

export async function generateRecoveryCodes(count = recoveryCodeCount): Promise<NewRecoveryCodes> {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(encodeBase32(randomBytes(7)).slice(0, codeLength));
  const plain = [...codes];
  const hashes = await hashSecretsWithSharedSalt(plain);
  return {
    codes: plain.map((code) => `${code.slice(0, 5)}-${code.slice(5)}`),
    stored: hashes.map((hash) => ({ hash, usedAtMs: null })),
  };
}

export interface RecoveryCodeRedemption {
  outcome: 'ok' | 'invalid';
  /** Persist: the redeemed code is marked used. */
  stored: StoredRecoveryCode[];
  remaining: number;
}

/**
 * Redeems `code` if it is one of the unused codes. The typed code is compared with every stored hash,
 * used ones included, so the time taken says nothing about which matched or whether it had been used.
 */
export async function redeemRecoveryCode(
  stored: readonly StoredRecoveryCode[],
  code: string,
  nowMs: number,
): Promise<RecoveryCodeRedemption> {
  const remaining = (codes: readonly StoredRecoveryCode[]) => codes.filter((c) => c.usedAtMs === null).length;
  const typed = normalizedCode(code);
  const hashes = stored.map((c) => c.hash);
  const index = typed.length === codeLength && /^[A-Z2-7]+$/.test(typed) ? await findMatchingSecret(typed, hashes) : -1;
  if (index === -1 || stored[index]!.usedAtMs !== null) {
    return { outcome: 'invalid', stored: [...stored], remaining: remaining(stored) };
  }
  const updated = stored.map((c, i) => (i === index ? { ...c, usedAtMs: nowMs } : c));
  return { outcome: 'ok', stored: updated, remaining: remaining(updated) };
}
