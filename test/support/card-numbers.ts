import { randomInt } from 'node:crypto';
import { knownBrandRanges, passesLuhn } from '../../src/vault/index.ts';

/** The Luhn check digit that completes `partial`. */
export function checkDigitFor(partial: string): string {
  for (let digit = 0; digit <= 9; digit++) if (passesLuhn(partial + digit)) return String(digit);
  throw new Error('unreachable');
}

function randomDigits(count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String(randomInt(0, 10));
  return out;
}

/** A random valid PAN of `length` digits starting with a prefix in [from, to]. */
export function panIn(from: string, to: string, length: number): string {
  const prefix = String(randomInt(Number(from), Number(to) + 1)).padStart(from.length, '0');
  const body = prefix + randomDigits(length - prefix.length - 1);
  return body + checkDigitFor(body);
}

/** A random valid PAN for every brand range and length pciq knows, `perRange` times each. */
export function brandCorpus(perRange: number): Array<{ brand: string; pan: string }> {
  const corpus: Array<{ brand: string; pan: string }> = [];
  for (const range of knownBrandRanges())
    for (const length of range.lengths)
      for (let i = 0; i < perRange; i++) corpus.push({ brand: range.brand, pan: panIn(range.from, range.to, length) });
  return corpus;
}

/** The ways people write card numbers. */
export const spacings: ReadonlyArray<{ name: string; write: (pan: string) => string }> = [
  { name: 'plain', write: (pan) => pan },
  { name: 'spaces of four', write: (pan) => pan.replace(/(\d{4})(?=\d)/g, '$1 ') },
  { name: 'dashes of four', write: (pan) => pan.replace(/(\d{4})(?=\d)/g, '$1-') },
  {
    name: 'amex-style 4-6-rest',
    write: (pan) => `${pan.slice(0, 4)} ${pan.slice(4, 10)} ${pan.slice(10)}`,
  },
  { name: 'mixed separators', write: (pan) => `${pan.slice(0, 4)}-${pan.slice(4, 8)} ${pan.slice(8)}` },
  { name: 'dots of four', write: (pan) => pan.replace(/(\d{4})(?=\d)/g, '$1.') },
  { name: 'double spaces', write: (pan) => pan.replace(/(\d{4})(?=\d)/g, '$1  ') },
  { name: 'spaced dashes', write: (pan) => pan.replace(/(\d{4})(?=\d)/g, '$1 - ') },
  { name: 'no-break spaces (copied text)', write: (pan) => pan.replace(/(\d{4})(?=\d)/g, '$1\u00a0') },
  { name: 'form-encoded spaces', write: (pan) => pan.replace(/(\d{4})(?=\d)/g, '$1+') },
  { name: 'URL-encoded spaces', write: (pan) => pan.replace(/(\d{4})(?=\d)/g, '$1%20') },
  { name: 'URL-encoded dashes', write: (pan) => pan.replace(/(\d{4})(?=\d)/g, '$1%2D') },
  { name: 'en dashes (word processors)', write: (pan) => pan.replace(/(\d{4})(?=\d)/g, '$1 \u2013 ') },
  { name: 'HTML no-break spaces (e-mail)', write: (pan) => pan.replace(/(\d{4})(?=\d)/g, '$1&nbsp;') },
  { name: 'ideographic spaces', write: (pan) => pan.replace(/(\d{4})(?=\d)/g, '$1\u3000') },
  { name: 'full-width dashes', write: (pan) => pan.replace(/(\d{4})(?=\d)/g, '$1\uff0d') },
  { name: 'tabs (spreadsheet cells)', write: (pan) => pan.replace(/(\d{4})(?=\d)/g, '$1\t') },
  { name: 'slashes', write: (pan) => pan.replace(/(\d{4})(?=\d)/g, '$1/') },
  { name: 'underscores (identifiers)', write: (pan) => pan.replace(/(\d{4})(?=\d)/g, '$1_') },
  {
    name: 'full-width digits and ideographic spaces (CJK input)',
    write: (pan) => otherDigits(pan.replace(/(\d{4})(?=\d)/g, '$1\u3000'), 0xff10),
  },
  { name: 'Arabic-Indic digits', write: (pan) => otherDigits(pan.replace(/(\d{4})(?=\d)/g, '$1 '), 0x660) },
];

/** `text` with its ASCII digits written in the script whose zero is `zero`. */
function otherDigits(text: string, zero: number): string {
  return text.replace(/\d/g, (digit) => String.fromCharCode(zero + Number(digit)));
}

/** A number of `length` random digits (an order number, a reference): what false positives are made of. */
export function randomNumber(length: number): string {
  return String(randomInt(1, 10)) + randomDigits(length - 1);
}

/** Every way a PAN could sit in a file: digits in order with up to three other bytes between them. */
export function digitsInOrderPattern(pan: string): RegExp {
  return new RegExp(pan.split('').join('[^0-9]{0,3}'));
}
