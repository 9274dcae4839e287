import type { KeySession } from '../keys/index.ts';
import type { SealedTokenPart } from '../storage/index.ts';
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

/**
 * The one ciphertext a detokenization at `redaction` needs: plain ones the card's (the metadata is derived
 * from it), masked and redacted ones the metadata's, so they never open, nor even read, the PAN's.
 */
export function sealedPartFor(redaction: Redaction): SealedTokenPart {
  return redaction === 'plain' ? 'pan' : 'meta';
}

/** What a detokenization at `redaction` answers from the ciphertext `sealedPartFor(redaction)` names. */
export function revealSealed(
  session: KeySession,
  arn: string,
  tokenRef: string,
  sealed: Uint8Array,
  redaction: Redaction,
): DetokenizeResult {
  if (redaction === 'plain') {
    const card = openCard(session, arn, tokenRef, sealed);
    const result: DetokenizeResult = {
      value: card.digits,
      redaction,
      brand: brandOf(card.digits) ?? 'unknown',
      last4: card.digits.slice(-4),
    };
    if (card.expiryMonth !== undefined) result.expiryMonth = card.expiryMonth;
    return result;
  }
  const meta = openMeta(session, arn, tokenRef, sealed);
  if (redaction === 'redacted') return { value: redactedValue, redaction, brand: meta.brand };
  const value = `${meta.bin}${'*'.repeat(meta.length - 10)}${meta.last4}`;
  return { value, redaction, brand: meta.brand, last4: meta.last4 };
}
