/**
 * A walk over the raw text of a JSON document that reports each scalar with its offsets in the text, so the
 * guard can replace a card number in place and leave every other byte of the message as it was sent
 * (re-serializing would reorder nothing but could change number formatting and lose precision of large
 * integers). Object keys form the path; array elements add no part to it.
 */
export interface JsonScalar {
  kind: 'key' | 'string' | 'number';
  /** Offsets of the literal in the text: quotes included for strings. */
  start: number;
  end: number;
  /** Strings with backslash escapes must be decoded before their content can be read. */
  hasEscapes: boolean;
}

export type ScalarVisitor = (scalar: JsonScalar, path: readonly string[]) => void;

const maxDepth = 64;
const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
/** Characters a JSON string holds as they are: all but the quote, the backslash and control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings may not hold them raw; the walk stops there
const plainChars = /[^"\\\u0000-\u001f]*/y;

class NotJson extends Error {}

/**
 * Walks `text` as JSON, calling `visit` for every key, string and number; returns false (having possibly
 * visited a part of it) when `text` is not a JSON document or nests deeper than 64 levels, in which case
 * the caller treats it as plain text.
 */
export function walkJson(text: string, visit: ScalarVisitor): boolean {
  const walker = new Walker(text, visit);
  try {
    walker.value(0);
    walker.skipSpace();
    return walker.position === text.length;
  } catch (error) {
    if (error instanceof NotJson) return false;
    throw error;
  }
}

class Walker {
  position = 0;
  private readonly text: string;
  private readonly visit: ScalarVisitor;
  private readonly path: string[] = [];

  constructor(text: string, visit: ScalarVisitor) {
    this.text = text;
    this.visit = visit;
  }

  skipSpace(): void {
    const text = this.text;
    let i = this.position;
    for (;;) {
      const code = text.charCodeAt(i);
      if (code === 32 || code === 10 || code === 13 || code === 9) i++;
      else break;
    }
    this.position = i;
  }

  value(depth: number): void {
    if (depth > maxDepth) throw new NotJson();
    this.skipSpace();
    const code = this.text.charCodeAt(this.position);
    if (code === 123) this.object(depth);
    else if (code === 91) this.array(depth);
    else if (code === 34) {
      const scalar = this.string('string');
      this.visit(scalar, this.path);
    } else if (code === 45 || (code >= 48 && code <= 57)) this.number();
    else this.literal();
  }

  private object(depth: number): void {
    this.position++;
    this.skipSpace();
    if (this.text.charCodeAt(this.position) === 125) {
      this.position++;
      return;
    }
    for (;;) {
      this.skipSpace();
      if (this.text.charCodeAt(this.position) !== 34) throw new NotJson();
      const key = this.string('key');
      this.visit(key, this.path);
      const name = key.hasEscapes
        ? (JSON.parse(this.text.slice(key.start, key.end)) as string)
        : this.text.slice(key.start + 1, key.end - 1);
      this.skipSpace();
      if (this.text.charCodeAt(this.position) !== 58) throw new NotJson();
      this.position++;
      this.path.push(name);
      this.value(depth + 1);
      this.path.pop();
      this.skipSpace();
      const next = this.text.charCodeAt(this.position++);
      if (next === 125) return;
      if (next !== 44) throw new NotJson();
    }
  }

  private array(depth: number): void {
    this.position++;
    this.skipSpace();
    if (this.text.charCodeAt(this.position) === 93) {
      this.position++;
      return;
    }
    for (;;) {
      this.value(depth + 1);
      this.skipSpace();
      const next = this.text.charCodeAt(this.position++);
      if (next === 93) return;
      if (next !== 44) throw new NotJson();
    }
  }

  private string(kind: 'key' | 'string'): JsonScalar {
    const text = this.text;
    const start = this.position;
    let i = start + 1;
    let hasEscapes = false;
    for (;;) {
      // Long runs of plain characters (a note, a description) are skipped by the regular expression engine.
      plainChars.lastIndex = i;
      plainChars.test(text);
      i = plainChars.lastIndex;
      const code = text.charCodeAt(i);
      if (code === 34) break;
      if (Number.isNaN(code) || code < 32) throw new NotJson();
      if (code === 92) {
        hasEscapes = true;
        const escaped = text.charCodeAt(i + 1);
        if (escaped === 117) {
          if (!/^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) throw new NotJson();
          i += 6;
        } else if ('"\\/bfnrt'.includes(text[i + 1] ?? '')) i += 2;
        else throw new NotJson();
        continue;
      }
      i++;
    }
    this.position = i + 1;
    return { kind, start, end: i + 1, hasEscapes };
  }

  private number(): void {
    const start = this.position;
    numberPattern.lastIndex = start;
    if (!numberPattern.test(this.text)) throw new NotJson();
    this.position = numberPattern.lastIndex;
    this.visit({ kind: 'number', start, end: this.position, hasEscapes: false }, this.path);
  }

  private literal(): void {
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.position)) {
        this.position += word.length;
        return;
      }
    }
    throw new NotJson();
  }
}
