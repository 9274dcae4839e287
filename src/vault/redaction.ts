import type { KeySession } from '../keys/index.ts';
import type { VaultTokenRow } from '../storage/index.ts';
import { brandOf } from './card-brands.ts';
import { openCard, openMeta } from './token-seals.ts';

/** How much of the card number a detokenization hands back (Skyflow's redaction levels). */
export const redactions = ['plain', 'masked', 'redacted'] as const;
export type Redaction = (typeof redactions)[number];

export const redactedValue = '[REDACTED]';

export interface DetokenizeResult {
  /** The PAN (plain), BIN and last four (masked) or a fixed placeholder (redacted). */
  value: string;
  redaction: Redaction;
  brand: string;
  /** Absent when redacted. */
  last4?: string;
  /** Present with plain values only. */
  expiryMonth?: string;
}

/** What a detokenization at `redaction` answers for `row`, opening only the ciphertext it needs. */
export function revealRow(
  session: KeySession,
  arn: string,
  row: VaultTokenRow,
  redaction: Redaction,
): DetokenizeResult {
  if (redaction === 'plain') {
    // The card's own ciphertext alone: the metadata is derived from it.
    const card = openCard(session, arn, row);
    const result: DetokenizeResult = {
      value: card.digits,
      redaction,
      brand: brandOf(card.digits) ?? 'unknown',
      last4: card.digits.slice(-4),
    };
    if (card.expiryMonth !== undefined) result.expiryMonth = card.expiryMonth;
    return result;
  }
  // Masked and redacted answers come from the metadata: the PAN's ciphertext is not opened for them.
  const meta = openMeta(session, arn, row);
  if (redaction === 'redacted') return { value: redactedValue, redaction, brand: meta.brand };
  const value = `${meta.bin}${'*'.repeat(meta.length - 10)}${meta.last4}`;
  return { value, redaction, brand: meta.brand, last4: meta.last4 };
}
