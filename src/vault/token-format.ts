import { randomFromPool } from '../core/index.ts';
import { passesLuhn } from './pan.ts';

/**
 * The shapes a token can take. None is computed from the PAN: every token is random and the vault is the
 * only way back (PCI SSC tokenization guidelines: no mathematical relationship to the PAN).
 * - `opaque`: `tok_`, ten letters that order tokens by creation (the millisecond, 40 bits, in letters a–p) and
 *   24 base32 characters (120 random bits); cannot be mistaken for any number. The ordered prefix makes the
 *   vault's index grow at its end instead of at random places: writes of new tokens stay cheap as the vault
 *   grows. It tells when a token was made, which the message carrying it tells anyway; never anything of
 *   the card.
 * - `format-preserving`: as many digits as the PAN, the last four kept, for systems that expect a card-shaped
 *   field; `-bin6` / `-bin8` also keep the first six or eight (PCI DSS 3.4.1 allows at most BIN and last
 *   four to show; the eight-digit BIN only on PANs of 16 digits or more, shorter ones keep six). A
 *   format-preserving token always fails the Luhn check, so it is never taken for a PAN, by pciq's own guard
 *   or by anyone else's.
 */
export const tokenFormats = [
  'opaque',
  'format-preserving',
  'format-preserving-bin6',
  'format-preserving-bin8',
] as const;
export type TokenFormat = (typeof tokenFormats)[number];

export function isTokenFormat(value: string): value is TokenFormat {
  return (tokenFormats as readonly string[]).includes(value);
}

const base32Alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
/** Sixteen letters in ASCII order: a time written with them sorts as the time does. */
const orderedAlphabet = 'abcdefghijklmnop';
const orderedChars = 10;
const opaqueRandomBytes = 15;
const opaquePattern = /^tok_[a-p]{10}[a-z2-7]{24}$/;
/** Length of every opaque token. */
export const opaqueTokenLength = 4 + orderedChars + 24;
const formatPreservingPattern = /^\d{13,19}$/;

/** Whether `token` has the shape of a token of some format (a cheap check before any lookup). */
export function isTokenShaped(token: string): boolean {
  return opaquePattern.test(token) || formatPreservingPattern.test(token);
}

/** The part of an opaque token that orders it (its first ten letters after `tok_`), or '' for other tokens. */
export function orderingPrefixOf(token: string): string {
  return token.startsWith('tok_') ? token.slice(4, 4 + orderedChars) : '';
}

/** The ordered part of the last token's millisecond: the tokens of one commit mostly share it. */
let lastOrdered = { ms: -1, text: '' };

/** 40 bits of milliseconds (34 years before they wrap), four bits per letter, most significant first. */
function orderedPart(nowMs: number): string {
  const ms = Math.floor(nowMs);
  if (ms === lastOrdered.ms) return lastOrdered.text;
  let time = ms % 2 ** 40;
  let text = '';
  for (let i = 0; i < orderedChars; i++) {
    text = orderedAlphabet[time % 16] + text;
    time = Math.floor(time / 16);
  }
  lastOrdered = { ms, text };
  return text;
}

function opaqueToken(nowMs: number): string {
  let out = `tok_${orderedPart(nowMs)}`;
  const bytes = randomFromPool(opaqueRandomBytes);
  // 15 bytes = 120 bits = 24 characters of 5 bits.
  for (let bit = 0; bit < opaqueRandomBytes * 8; bit += 5) {
    const byte = bit >> 3;
    const offset = bit & 7;
    const pair = (bytes[byte]! << 8) | (bytes[byte + 1] ?? 0);
    out += base32Alphabet[(pair >> (11 - offset)) & 31];
  }
  return out;
}

/** Leading digits a format-preserving token keeps of a PAN of `length` digits. */
export function keptLeadingDigits(format: TokenFormat, length: number): number {
  if (format === 'format-preserving-bin8') return length >= 16 ? 8 : 6;
  if (format === 'format-preserving-bin6') return 6;
  return 0;
}

function randomDigits(count: number): string {
  // One byte per digit, rejecting 250–255 so that every digit is equally likely.
  let out = '';
  while (out.length < count) {
    for (const byte of randomFromPool(count * 2)) {
      if (byte < 250 && out.length < count) out += String(byte % 10);
    }
  }
  return out;
}

/**
 * A new random token of `format` for the PAN `digits`. The caller checks it is not in use yet (a
 * format-preserving token has only the middle digits to vary) and asks again if it is.
 */
export function newToken(format: TokenFormat, digits: string, nowMs: number): string {
  if (format === 'opaque') return opaqueToken(nowMs);
  const kept = keptLeadingDigits(format, digits.length);
  const middle = randomDigits(digits.length - kept - 4);
  let token = digits.slice(0, kept) + middle + digits.slice(-4);
  if (passesLuhn(token)) {
    // Changing one digit always changes the Luhn sum (each position maps digits to distinct values), so the
    // token fails the check afterwards.
    // (Every PAN leaves at least three middle digits: 13 − 6 − 4, or 16 − 8 − 4.)
    const position = kept + (randomFromPool(1)[0]! % middle.length);
    const changed = String((token.charCodeAt(position) - 47) % 10);
    token = token.slice(0, position) + changed + token.slice(position + 1);
  }
  return token;
}
