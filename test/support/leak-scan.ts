import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findPans } from '../../src/guard/index.ts';
import { digitsInOrderPattern } from './card-numbers.ts';

/** Something pciq wrote or answered: a file, a process's output, a response, a search of the trail. */
export interface Haystack {
  where: string;
  bytes: Buffer;
}

/** Every file under `dir` (a data directory, a temp directory), as haystacks. */
export function filesUnder(dir: string): Haystack[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [{ where: path, bytes: readFileSync(path) }];
  });
}

export function textHaystack(where: string, text: string): Haystack {
  return { where, bytes: Buffer.from(text) };
}

/** The PAN in full-width digits, as CJK input writes it. */
function fullWidth(pan: string): string {
  return pan.replace(/\d/g, (digit) => String.fromCharCode(0xff10 + Number(digit)));
}

/**
 * Where a card number or other text that must never be written is found in `haystacks`: each PAN as
 * written, with up to three bytes of anything between its digits (separators, escapes, JSON quoting), in
 * UTF-16 and in full-width digits; each PAN the card-data guard's scanner reads in the text as UTF-8, in
 * every form it reads (`4111&nbsp;1111&nbsp;…`, `4111 – 1111 – …`, other scripts' digits…), so that the check
 * knows every separator the guard does; each of `markers` (a CVV phrase, a marker sent in a refused message)
 * as written. An empty list means nothing leaked.
 */
export function cardDataLeaks(
  haystacks: readonly Haystack[],
  secrets: { pans: readonly string[]; markers?: readonly string[] },
): string[] {
  const found: string[] = [];
  for (const { where, bytes } of haystacks) {
    const text = bytes.toString('latin1');
    const read = new Map(findPans(bytes.toString('utf8')).map((match) => [match.digits, match.start]));
    for (const pan of secrets.pans) {
      const written = digitsInOrderPattern(pan).exec(text);
      if (written) found.push(`${pan} in ${where} at byte ${written.index}`);
      else if (read.has(pan)) found.push(`${pan} as the guard reads it in ${where} at character ${read.get(pan)}`);
      if (bytes.indexOf(Buffer.from(pan, 'utf16le')) !== -1) found.push(`${pan} as UTF-16 in ${where}`);
      if (bytes.indexOf(Buffer.from(fullWidth(pan))) !== -1) found.push(`${pan} in full-width digits in ${where}`);
    }
    for (const marker of secrets.markers ?? []) {
      if (bytes.indexOf(Buffer.from(marker)) !== -1) found.push(`'${marker}' in ${where}`);
    }
  }
  return found;
}
