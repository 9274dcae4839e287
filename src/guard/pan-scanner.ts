import { uuidText } from '../core/index.ts';
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
 * input), dashes (also the hyphens and en and em dashes word processors and mail clients put for a typed `-`),
 * dots, and `+` (a space in a form-encoded body).
 */
export function isSeparatorChar(code: number): boolean {
  return (
    code === 32 ||
    code === 45 ||
    code === 46 ||
    code === 43 ||
    code === 0xa0 ||
    (code >= 0x2010 && code <= 0x2014) ||
    code === 0x2009 ||
    code === 0x202f ||
    code === 0x3000 ||
    code === 0xff0d
  );
}

/** Most separator characters between two groups ("4111 - 1111", "4111  1111"). */
const maxSeparatorChars = 3;

/**
 * A tab, `/` or `_`: how spreadsheet cells pasted as text, paths and identifiers (`card_4111_1111_…`) group a
 * card number. They also write dates (2024/11/30), table columns, paths and ids, so they are read more
 * narrowly than the characters above. Such a separator stands alone between two groups, and a run that uses
 * one uses that same one between all its groups, so "5/30/2024_123456786" is a date and a number, not the
 * Mastercard number their digits make; and a card number made of several of its groups must be grouped as
 * card numbers are printed (see `isPrintedGrouping`), so a row of a table of numbers is not searched for
 * stretches of cells that pass Luhn (about one row of ten numeric columns in six would). The length, Luhn and
 * IIN checks keep the short runs out (`2024/11/30`, `/v1/4111/items`, `order_4111_1111`).
 */
export function isSoleSeparatorChar(code: number): boolean {
  return code === 9 || code === 47 || code === 95;
}

/** What a run's separator at `text[i]` must agree with: the sole separator's code, or 0 for all the others. */
function separatorKindAt(text: string, i: number): number {
  const code = text.charCodeAt(i);
  return isSoleSeparatorChar(code) ? code : 0;
}

/** `%20` or `%2D` (`%2d`): a URL-encoded space or dash, from encoders that escape more than they must. */
function isEncodedSeparator(text: string, i: number): boolean {
  if (text.charCodeAt(i) !== 37 || text.charCodeAt(i + 1) !== 50) return false;
  const last = text.charCodeAt(i + 2);
  return last === 48 || last === 68 || last === 100;
}

/**
 * `&nbsp;` or `&#160;`: a no-break space as HTML writes it, as an e-mail template keeps a card number on one
 * line. Its length, or 0.
 */
function htmlSpaceLength(text: string, i: number): number {
  if (text.charCodeAt(i) !== 38) return 0;
  return text.startsWith('&nbsp;', i) || text.startsWith('&#160;', i) ? 6 : 0;
}

/**
 * The length of the separator at `text[i]` when a digit follows it within `to`: one to three separator
 * characters, a URL-encoded space or dash, an HTML no-break space, or one tab, `/` or `_`; 0 when there is none.
 */
function separatorAt(text: string, i: number, to: number): number {
  let length = 0;
  if (isSoleSeparatorChar(text.charCodeAt(i))) length = 1;
  else if (isEncodedSeparator(text, i)) length = 3;
  else if (text.charCodeAt(i) === 38) length = htmlSpaceLength(text, i);
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
 * ("4111 1111 1111 1111", "4111-1111-1111-1111", "4111+1111+…" in a form, "4111%201111…" or "4111%2D1111…" in a URL,
 * "4111\t1111\t…" from a spreadsheet, "4111/1111/…", "card_4111_1111_…"), that
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
    let runKind: number | undefined;
    for (;;) {
      const groupStart = i;
      while (i < to && isDigit(text.charCodeAt(i))) i++;
      count += i - groupStart;
      const separator = i < to ? separatorAt(text, i, to) : 0;
      if (separator === 0) break;
      const kind = separatorKindAt(text, i);
      if (runKind !== undefined && kind !== runKind) break;
      runKind = kind;
      i += separator;
    }
    if (count < minPanDigits || isInsideUuid(text, start, i)) continue;
    const groups = groupsOf(text, start, i);
    const digits = groups.map((group) => group.digits).join('');
    const needsPrintedGrouping = runKind !== undefined && runKind !== 0;
    const isWholeRunShaped = !needsPrintedGrouping || isPrintedGrouping(groups, 0, groups.length - 1);
    const match = count <= maxPanDigits && isWholeRunShaped ? candidate(digits, start, i) : undefined;
    const matches = match ? [match] : groups.length > 1 ? searchGroups(groups, digits, needsPrintedGrouping) : [];
    found.push(...matches);
    // "%224111…" (a quote, URL-encoded) or "%204111…" (a space): the run began with an escape's hex digits,
    // which are no part of a number. Read again from after the escape.
    if (matches.length === 0) i = Math.min(i, escapeEndAt(text, start, from));
  }
  return found;
}

function isHexCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

/**
 * Where the percent-escape ends whose hex digits a digit run starting at `start` begins with ("%22" in
 * "%224111…", "%A0" in "%A04111…"), or infinity when the run does not begin inside one.
 */
function escapeEndAt(text: string, start: number, from: number): number {
  if (start - 1 >= from && text.charCodeAt(start - 1) === 37 && isHexCode(text.charCodeAt(start + 1))) return start + 2;
  if (start - 2 >= from && text.charCodeAt(start - 2) === 37 && isHexCode(text.charCodeAt(start - 1))) return start + 1;
  return Number.POSITIVE_INFINITY;
}

const uuidLength = 36;
const uuidPattern = new RegExp(`^${uuidText}$`, 'i');

function isAlphanumeric(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/**
 * Whether `text[start, end)` lies within an RFC 9562 UUID (not part of a longer word):
 * message and request ids. Their digit-only groups, joined as a grouped card number would be, pass the Luhn
 * and brand checks for about one UUID in 2,000, which would then be altered in messages and logs.
 */
function isInsideUuid(text: string, start: number, end: number): boolean {
  if (end - start > uuidLength) return false;
  for (let at = Math.max(0, end - uuidLength); at <= start && at + uuidLength <= text.length; at++) {
    if (!uuidPattern.test(text.slice(at, at + uuidLength))) continue;
    const before = at > 0 ? text.charCodeAt(at - 1) : 32;
    const after = at + uuidLength < text.length ? text.charCodeAt(at + uuidLength) : 32;
    if (!isAlphanumeric(before) && !isAlphanumeric(after)) return true;
  }
  return false;
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

/**
 * Whether `groups[first..last]` are grouped as card numbers are printed: one group, groups of four with a last
 * one of one to five digits (4-4-4-4, 4-4-4-4-3, 4-4-5), or four, six and the rest (Amex's 4-6-5, Diners Club's
 * 4-6-4).
 */
function isPrintedGrouping(groups: readonly DigitGroup[], first: number, last: number): boolean {
  if (first === last) return true;
  if (groups[first]!.digits.length !== 4) return false;
  if (last === first + 2 && groups[first + 1]!.digits.length === 6) return true;
  for (let group = first + 1; group < last; group++) if (groups[group]!.digits.length !== 4) return false;
  return groups[last]!.digits.length <= 5;
}

/** Luhn's doubling of a digit: 2d, less 9 when that has two digits. */
const doubled = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];

/**
 * Card numbers inside a grouped run, each made of whole groups. Every stretch of whole groups of 13–19 digits
 * is a candidate, so a long run holds many (100 KB of "1 1 1 …" about a million): each is judged by Luhn from
 * prefix sums in constant time, and only one that passes is made a string for its brand. `all` is the
 * groups' digits joined. Groups apart by a tab, `/` or `_` (`needsPrintedGrouping`) make a candidate only
 * when they are grouped as a card number is printed.
 */
function searchGroups(groups: readonly DigitGroup[], all: string, needsPrintedGrouping: boolean): PanMatch[] {
  // Luhn doubles every second digit counting from a number's last one. For a number ending at an even index
  // the digits at odd indexes are doubled, and the other way round: two prefix sums, one for each case.
  const sumEndingEven = new Int32Array(all.length + 1);
  const sumEndingOdd = new Int32Array(all.length + 1);
  for (let i = 0; i < all.length; i++) {
    const digit = all.charCodeAt(i) - 48;
    const isEven = i % 2 === 0;
    sumEndingEven[i + 1] = sumEndingEven[i]! + (isEven ? digit : doubled[digit]!);
    sumEndingOdd[i + 1] = sumEndingOdd[i]! + (isEven ? doubled[digit]! : digit);
  }
  const found: PanMatch[] = [];
  let groupStart = 0;
  for (let first = 0; first < groups.length; first++) {
    let end = groupStart;
    for (let last = first; last < groups.length; last++) {
      end += groups[last]!.digits.length;
      const count = end - groupStart;
      if (count > maxPanDigits) break;
      if (count < minPanDigits) continue;
      const sums = (end - 1) % 2 === 0 ? sumEndingEven : sumEndingOdd;
      if ((sums[end]! - sums[groupStart]!) % 10 !== 0) continue;
      if (needsPrintedGrouping && !isPrintedGrouping(groups, first, last)) continue;
      const match = candidate(all.slice(groupStart, end), groups[first]!.start, groups[last]!.end);
      if (match) {
        found.push(match);
        // The search goes on after the card number's last group.
        for (let skipped = first; skipped < last; skipped++) groupStart += groups[skipped]!.digits.length;
        first = last;
        break;
      }
    }
    groupStart += groups[first]!.digits.length;
  }
  return found;
}
