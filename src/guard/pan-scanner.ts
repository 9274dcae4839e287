import { brandOf, maxPanDigits, minPanDigits, passesLuhn } from '../vault/index.ts';

/** A card number found in a text: where it is (UTF-16 offsets, separators included) and its digits. */
export interface PanMatch {
  start: number;
  end: number;
  digits: string;
  brand: string;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isSeparator(code: number): boolean {
  return code === 32 || code === 45;
}

function candidate(digits: string, start: number, end: number): PanMatch | undefined {
  if (!passesLuhn(digits)) return undefined;
  const brand = brandOf(digits);
  return brand === undefined ? undefined : { start, end, digits, brand };
}

/**
 * Card numbers in `text[from, to)`: runs of 13–19 digits, possibly grouped by single spaces or dashes as
 * people write them ("4111 1111 1111 1111", "4111-1111-1111-1111"), that pass the Luhn check and fall in
 * a known IIN range with a length the brand issues. A grouped run that is no card number as a whole (a card
 * number followed by an expiry, "4111 1111 1111 1111 12/29", say) is searched group by group; an ungrouped
 * one is no card number.
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
    let isGrouped = false;
    for (;;) {
      const code = text.charCodeAt(i);
      if (isDigit(code)) {
        count++;
        i++;
      } else if (isSeparator(code) && i + 1 < to && isDigit(text.charCodeAt(i + 1))) {
        isGrouped = true;
        i++;
      } else break;
      if (i >= to) break;
    }
    if (count < minPanDigits) continue;
    const match = count <= maxPanDigits ? candidate(digitsOf(text, start, i), start, i) : undefined;
    if (match) found.push(match);
    else if (isGrouped) found.push(...searchGroups(text, start, i));
  }
  return found;
}

function digitsOf(text: string, start: number, end: number): string {
  let digits = '';
  for (let j = start; j < end; j++) {
    const code = text.charCodeAt(j);
    if (isDigit(code)) digits += text[j];
  }
  return digits;
}

/** Card numbers inside a grouped run, each made of whole groups. */
function searchGroups(text: string, start: number, end: number): PanMatch[] {
  const groups: Array<{ start: number; end: number; digits: string }> = [];
  let groupStart = start;
  for (let j = start; j <= end; j++) {
    if (j === end || !isDigit(text.charCodeAt(j))) {
      groups.push({ start: groupStart, end: j, digits: text.slice(groupStart, j) });
      groupStart = j + 1;
    }
  }
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
