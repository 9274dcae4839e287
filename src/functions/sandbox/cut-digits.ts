/**
 * Where pciq cuts a function's output or error report at a limit, a card number the cut falls in keeps more
 * digits than masking leaves, too few to be found as one (PCI DSS 3.4.1): the digits and separators at the
 * cut go with the rest. Separators as src/guard/pan-scanner.ts reads them: its own test of a character, and a
 * copy of its escapes (test/functions/cut-digits.test.ts holds this module to it, character by character).
 */
import { isSeparatorChar, isSoleSeparatorChar } from '../../guard/index.ts';

/** `isEncodedSeparator` and `htmlSpaceLength`: URL-encoded spaces and dashes, HTML no-break spaces. */
const separatorEscapes = ['%20', '%2D', '%2d', '&nbsp;', '&#160;'];
/** A digit of any script (other scripts' digits are read as card digits too), astral ones included. */
const lastDigit = /\p{Nd}$/u;

/**
 * `text` cut at a limit, without the digits and separators at its end, also a separator escape the cut fell
 * inside (`4111&nbsp;1111&nb`). Read back from the end one character or escape at a time, in one pass: a
 * regular expression anchored at the end tries every start, and every split of digits and escapes, in a
 * text the function chose.
 */
export function withoutCutDigits(text: string): string {
  let end = text.length - cutEscapeLength(text);
  for (;;) {
    const length = escapeLengthBefore(text, end) || digitOrSeparatorLengthBefore(text, end);
    if (length === 0) return text.slice(0, end);
    end -= length;
  }
}

/** The length of the start of a separator escape `text` ends with (`%2`, `&nbs`, `&#16`), or 0. */
function cutEscapeLength(text: string): number {
  let longest = 0;
  for (const form of separatorEscapes) {
    for (let length = form.length - 1; length > longest; length--) {
      if (text.endsWith(form.slice(0, length))) longest = length;
    }
  }
  return longest;
}

function escapeLengthBefore(text: string, end: number): number {
  return separatorEscapes.find((form) => end >= form.length && text.startsWith(form, end - form.length))?.length ?? 0;
}

function digitOrSeparatorLengthBefore(text: string, end: number): number {
  if (end === 0) return 0;
  const code = text.charCodeAt(end - 1);
  if (isSeparatorChar(code) || isSoleSeparatorChar(code)) return 1;
  return lastDigit.exec(text.slice(Math.max(0, end - 2), end))?.[0].length ?? 0;
}
