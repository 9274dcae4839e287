/**
 * Card numbers and codes typed with an input method or copied from localized text come in digits other than
 * ASCII ones: full-width (４１１１, from Japanese and Chinese input), Arabic-Indic (٤١١١), Devanagari and
 * others. The BMP's digits are one UTF-16 unit each, as ASCII ones are, so the card-number scan reads them
 * where they stand and an edit replaces them in place (the few digits beyond the BMP, such as mathematical
 * ones, are not read as card numbers); SAD is looked for in the text with all such forms folded to ASCII.
 */

/** Every digit other than ASCII ones, and every full-width form, is at U+0660 or above. */
const fromArabicDigits = /[\u0660-\uffff]/;

/**
 * Whether `text` has any code unit at or above U+0660, where every digit other than ASCII ones, every
 * full-width form and the ideographic space are: when it has none, ASCII patterns read every card number in it.
 */
export function hasCodeAboveLatin(text: string): boolean {
  return fromArabicDigits.test(text);
}

function isFullWidthLetter(code: number): boolean {
  return (code >= 0xff21 && code <= 0xff3a) || (code >= 0xff41 && code <= 0xff5a);
}

function isFullWidthForm(code: number): boolean {
  return code >= 0xff01 && code <= 0xff5e;
}

/**
 * Whether `text` has another script's digit, or a full-width letter (`lettersOnly`) or any full-width form.
 * V8 answers the first test for a Latin-1 text without scanning it, so the common path costs nothing; other
 * texts are read by code unit (a pattern with `\p{Nd}` took 35 ns a character).
 */
function hasOtherDigitOr(text: string, lettersOnly: boolean): boolean {
  if (!fromArabicDigits.test(text)) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x660) continue;
    if ((lettersOnly ? isFullWidthLetter(code) : isFullWidthForm(code)) || digitValue(code) >= 0) return true;
  }
  return false;
}

/**
 * Whether `text` has digits other than ASCII ones or full-width letters: what could make a card number or
 * name SAD that the patterns do not read. Full-width punctuation alone cannot (CJK prose is full of it).
 */
export function hasOtherDigitsOrLetters(text: string): boolean {
  return hasOtherDigitOr(text, true);
}

/** Whether `text` has any form `foldedForms` changes: other digits, full-width letters and punctuation ("CVV：123"). */
function hasOtherForms(text: string): boolean {
  return hasOtherDigitOr(text, false);
}

const decimalDigit = /^\p{Nd}$/u;
const unknown = -2;
/** Values of the BMP's digits by code unit (-1: no digit), filled in as they are met. */
let bmpDigitValues: Int8Array | undefined;

/** Unicode assigns decimal digits in runs of ten code points, 0 to 9 in order: a digit's value is its place. */
function placeInItsRun(codePoint: number): number {
  if (!decimalDigit.test(String.fromCodePoint(codePoint))) return -1;
  let first = codePoint;
  while (decimalDigit.test(String.fromCodePoint(first - 1))) first--;
  return (codePoint - first) % 10;
}

/** The value of the decimal digit with this code (any script), or -1 when it is none. */
export function digitValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code < 0x660) return -1;
  if (code > 0xffff) return placeInItsRun(code);
  bmpDigitValues ??= new Int8Array(0x10000).fill(unknown);
  let value = bmpDigitValues[code]!;
  if (value === unknown) {
    value = placeInItsRun(code);
    bmpDigitValues[code] = value;
  }
  return value;
}

/** `text[start, end)`, a run of digits, in ASCII digits. */
export function asciiDigits(text: string, start: number, end: number): string {
  let digits = '';
  for (let i = start; i < end; i++) digits += digitValue(text.charCodeAt(i));
  return digits;
}

/**
 * `text` with full-width forms made ASCII (NFKC: "ＣＶＶ：１２３" is "CVV:123") and the BMP's other digits made
 * ASCII digits (NFKC keeps those). Lengths may change: for finding SAD, which is refused, not replaced.
 */
function foldedForms(text: string): string {
  const normalized = text.normalize('NFKC');
  // The text between digits is copied by slices: a replace with a function per digit took 6 ms on 100,000
  // digits, spreading a Uint16Array 2.5 µs on a short text.
  let folded = '';
  let copied = 0;
  for (let i = 0; i < normalized.length; i++) {
    const code = normalized.charCodeAt(i);
    if (code < 0x660) continue;
    const value = digitValue(code);
    if (value < 0) continue;
    folded += normalized.slice(copied, i) + String.fromCharCode(48 + value);
    copied = i + 1;
  }
  return copied === 0 ? normalized : folded + normalized.slice(copied);
}

/** `text` as `foldedForms` makes it, when it has a form that changes; else `text` itself, at no cost. */
export function asciiForms(text: string): string {
  return hasOtherForms(text) ? foldedForms(text) : text;
}
