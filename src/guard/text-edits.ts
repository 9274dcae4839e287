/**
 * The changes the guard will make to one text (a body, an attribute value), found before anything is
 * stored and applied once the replacement of each card number is known (a token needs the send's
 * transaction). Offsets are UTF-16 offsets into the text; edits are in ascending order and never overlap.
 */
export type Replacement =
  | {
      kind: 'pan';
      digits: string;
      /** The number stood as a JSON number: its replacement becomes a JSON string. */
      isJsonNumber: boolean;
    }
  | {
      /** A JSON string literal with escapes: decoded, edited, and encoded again as a whole. */
      kind: 'json-string';
      decoded: string;
      edits: TextEdit[];
    }
  | {
      /** A base64 blob whose text held card numbers: decoded, edited, and encoded again. */
      kind: 'base64';
      decoded: string;
      edits: TextEdit[];
      encoding: 'base64' | 'base64url';
      isPadded: boolean;
    };

export interface TextEdit {
  start: number;
  end: number;
  replacement: Replacement;
}

/** The card numbers an edit list replaces, in order, nested ones included. */
export function panDigitsOf(edits: readonly TextEdit[], into: string[] = []): string[] {
  for (const { replacement } of edits) {
    if (replacement.kind === 'pan') into.push(replacement.digits);
    else panDigitsOf(replacement.edits, into);
  }
  return into;
}

/** `text` with its edits made, each card number replaced by `replacementOf(digits)`. */
export function applyEdits(
  text: string,
  edits: readonly TextEdit[],
  replacementOf: (digits: string) => string,
): string {
  let out = '';
  let at = 0;
  for (const { start, end, replacement } of edits) {
    out += text.slice(at, start) + replacementText(replacement, replacementOf);
    at = end;
  }
  return out + text.slice(at);
}

function replacementText(replacement: Replacement, replacementOf: (digits: string) => string): string {
  switch (replacement.kind) {
    case 'pan': {
      const value = replacementOf(replacement.digits);
      return replacement.isJsonNumber ? JSON.stringify(value) : value;
    }
    case 'json-string':
      return JSON.stringify(applyEdits(replacement.decoded, replacement.edits, replacementOf));
    case 'base64': {
      const encoded = Buffer.from(applyEdits(replacement.decoded, replacement.edits, replacementOf), 'utf8').toString(
        replacement.encoding,
      );
      if (replacement.encoding === 'base64url' && replacement.isPadded)
        return encoded.padEnd(Math.ceil(encoded.length / 4) * 4, '=');
      return replacement.encoding === 'base64' && !replacement.isPadded ? encoded.replace(/=+$/, '') : encoded;
    }
  }
}
