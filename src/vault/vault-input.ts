import { PciqError } from '../core/index.ts';
import type { TokenFormat } from './token-format.ts';

/** The checks of what callers hand the vault, and the errors it answers with (never echoing a PAN). */

export interface TokenizeOptions {
  format?: TokenFormat;
  /** Convergent tokenization: the same PAN in the same scope gets the same token. Random tokens without. */
  scope?: string;
  ttlSec?: number;
  /** The card's expiry (MM/YY), kept sealed with the token's metadata. */
  expiryMonth?: string;
  reason?: string;
}

const maxScopeLength = 128;
const scopePattern = /^[A-Za-z0-9_.:/=+@-]+$/;
const maxTtlSec = 10 * 366 * 86_400;
const expiryPattern = /^(0[1-9]|1[0-2])\/\d{2}$/;
/** Longest reason a caller may give, for the audit trail. */
export const maxReasonLength = 256;

export function validation(message: string): PciqError {
  return new PciqError('ValidationException', message);
}

export function tokenNotFound(): PciqError {
  // One answer for unknown, expired and deleted tokens: the answer must not tell them apart.
  return new PciqError('ResourceNotFoundException', 'The token does not exist, has expired or was deleted.');
}

export function checkReason(reason: string | undefined): void {
  if (reason !== undefined && (reason.length === 0 || reason.length > maxReasonLength))
    throw validation(`Reason must be 1 to ${maxReasonLength} characters.`);
}

export function checkTokenizeOptions(options: TokenizeOptions): void {
  if (
    options.scope !== undefined &&
    (options.scope.length === 0 || options.scope.length > maxScopeLength || !scopePattern.test(options.scope))
  ) {
    throw validation(`Scope must be 1 to ${maxScopeLength} letters, digits or _ . : / = + @ -.`);
  }
  if (
    options.ttlSec !== undefined &&
    (!Number.isInteger(options.ttlSec) || options.ttlSec < 1 || options.ttlSec > maxTtlSec)
  ) {
    throw validation(`TtlSeconds must be a whole number from 1 to ${maxTtlSec}.`);
  }
  if (options.expiryMonth !== undefined && !expiryPattern.test(options.expiryMonth))
    throw validation('ExpiryMonth must be MM/YY.');
  checkReason(options.reason);
}
