import { brandOf, maxPanDigits, minPanDigits, passesLuhn } from '../vault/index.ts';
import { asciiDigits, digitValue } from './digit-forms.ts';

/** A card number found in a text: where it is (UTF-16 offsets, separators included) and its digits. */
export interface PanMatch {
  start: number;
  end: number;
  digits: string;
  brand: string;
}

/** ASCII digits, and other scripts' ones (full-width, Arabic-Indic…) as input methods and locales write them. */
function isDigit(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 0x660 && digitValue(code) >= 0);
}

/**
 * Characters that separate the groups of a card number as people and programs write them: spaces (also
 * no-break and thin ones, which copied text brings, and the ideographic space and full-width dash of CJK
 * input), dashes, dots, and `+` (a space in a form-encoded body).
 */
function isSeparatorChar(code: number): boolean {
  return (
    code === 32 ||
    code === 45 ||
    code === 46 ||
    code === 43 ||
    code === 0xa0 ||
    code === 0x2009 ||
    code === 0x202f ||
    code === 0x3000 ||
    code === 0xff0d
  );
}

/** Most separator characters between two groups ("4111 - 1111", "4111  1111"). */
const maxSeparatorChars = 3;

/** `%20` or `%2D` (`%2d`): a URL-encoded space or dash, from encoders that escape more than they must. */
function isEncodedSeparator(text: string, i: number): boolean {
  if (text.charCodeAt(i) !== 37 || text.charCodeAt(i + 1) !== 50) return false;
  const last = text.charCodeAt(i + 2);
  return last === 48 || last === 68 || last === 100;
}

/**
 * The length of the separator at `text[i]` when a digit follows it within `to`: one to three separator
 * characters, or a URL-encoded space or dash; 0 when there is none.
 */
function separatorAt(text: string, i: number, to: number): number {
  let length = 0;
  if (isEncodedSeparator(text, i)) length = 3;
  else while (length < maxSeparatorChars && i + length < to && isSeparatorChar(text.charCodeAt(i + length))) length++;
  return length > 0 && i + length < to && isDigit(text.charCodeAt(i + length)) ? length : 0;
}

function candidate(digits: string, start: number, end: number): PanMatch | undefined {
  if (!passesLuhn(digits)) return undefined;
  const brand = brandOf(digits);
  return brand === undefined ? undefined : { start, end, digits, brand };
}

interface DigitGroup {
  start: number;
  end: number;
  digits: string;
}

/**
 * Card numbers in `text[from, to)`: runs of 13–19 digits, possibly grouped as people and programs write them
 * ("4111 1111 1111 1111", "4111-1111-1111-1111", "4111+1111+…" in a form, "4111%201111…" or "4111%2D1111…" in a URL), that
 * pass the Luhn check and fall in a known IIN range with a length the brand issues. A grouped run that is no
 * card number as a whole (a card number followed by an expiry, "4111 1111 1111 1111 12/29", say) is searched
 * group by group; an ungrouped one is no card number.
 *
 * A single pass over character codes, building strings only for runs long enough to matter: it runs on
 * every message sent.
 */
export function findPans(text: string, from = 0, to = text.length): PanMatch[] {
  const found: PanMatch[] = [];
  let i = from;
  while (i < to) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let count = 0;
    for (;;) {
      const groupStart = i;
      while (i < to && isDigit(text.charCodeAt(i))) i++;
      count += i - groupStart;
      const separator = i < to ? separatorAt(text, i, to) : 0;
      if (separator === 0) break;
      i += separator;
    }
    if (count < minPanDigits) continue;
    const groups = groupsOf(text, start, i);
    const match = count <= maxPanDigits ? candidate(groups.map((group) => group.digits).join(''), start, i) : undefined;
    if (match) found.push(match);
    else if (groups.length > 1) found.push(...searchGroups(groups));
  }
  return found;
}

/** The digit groups of a run `text[start, end)` that `findPans` delimited (separators may hold digits: %20, %2D). */
function groupsOf(text: string, start: number, end: number): DigitGroup[] {
  const groups: DigitGroup[] = [];
  let i = start;
  while (i < end) {
    const groupStart = i;
    let isAscii = true;
    for (let code = text.charCodeAt(i); i < end && isDigit(code); code = text.charCodeAt(++i)) isAscii &&= code <= 57;
    const digits = isAscii ? text.slice(groupStart, i) : asciiDigits(text, groupStart, i);
    groups.push({ start: groupStart, end: i, digits });
    i += separatorAt(text, i, end);
    if (i === groups[groups.length - 1]!.end) break;
  }
  return groups;
}

/** Card numbers inside a grouped run, each made of whole groups. */
function searchGroups(groups: readonly DigitGroup[]): PanMatch[] {
  const found: PanMatch[] = [];
  for (let first = 0; first < groups.length; first++) {
    let digits = '';
    for (let last = first; last < groups.length; last++) {
      digits += groups[last]!.digits;
      if (digits.length > maxPanDigits) break;
      if (digits.length < minPanDigits) continue;
      const match = candidate(digits, groups[first]!.start, groups[last]!.end);
      if (match) {
        found.push(match);
        first = last;
        break;
      }
    }
  }
  return found;
}
