import { isNameCharCode, maxNameLength } from './name-chars.ts';

/** A start tag of an XML or HTML text with its attributes, values without their quotes. */
export interface MarkupTag {
  /** The element's name, without a namespace prefix. */
  name: string;
  attributes: Array<{ name: string; value: string }>;
}

/** A name character of markup: a namespace prefix is joined by a colon (`ns:cvv`). */
function isNameChar(code: number): boolean {
  return isNameCharCode(code) || code === 58;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/**
 * The start tags in `text` that have attributes (`<cvv value="123"/>`, `<input name="cvv" value="123">`), of
 * those whose span `text[open, close]` the caller wants (asked in ascending order): only they are parsed. A tag
 * is a `<` and a name, up to the first `>` outside a quoted value (`<input title="a > b" name="cvv" …>` is one
 * tag); a `<` outside quotes before it ends the tag unclosed, and the next begins there. The scan only moves
 * forward, so it stays linear whatever the text (`<<<<…`, a tag that never closes, quotes that never close).
 */
export function tagsWithAttributes(text: string, isWanted: (open: number, close: number) => boolean): MarkupTag[] {
  const tags: MarkupTag[] = [];
  const ends = new TagEnds(text);
  const lastClose = text.lastIndexOf('>');
  for (let open = text.indexOf('<'); open !== -1 && open < lastClose; ) {
    if (!isNameChar(text.charCodeAt(open + 1))) {
      open = text.indexOf('<', open + 1);
      continue;
    }
    const end = ends.after(open);
    if (end === -1) break;
    const isClosed = text.charCodeAt(end) === 62;
    if (isClosed && isWanted(open, end)) {
      const tag = tagIn(text, open + 1, end);
      if (tag) tags.push(tag);
    }
    open = isClosed ? text.indexOf('<', end + 1) : end;
  }
  return tags;
}

/** `ns:Name` without its namespace prefix. */
export function withoutPrefix(name: string): string {
  return name.slice(name.lastIndexOf(':') + 1);
}

/** The tag `text[start, end)` holds (between its `<` and `>`), when it has attributes. */
function tagIn(text: string, start: number, end: number): MarkupTag | undefined {
  let i = start;
  while (i < end && isNameChar(text.charCodeAt(i))) i++;
  if (i === start || i - start > maxNameLength) return undefined;
  const name = withoutPrefix(text.slice(start, i));
  const attributes: MarkupTag['attributes'] = [];
  while (i < end) {
    while (i < end && isSpace(text.charCodeAt(i))) i++;
    const nameStart = i;
    while (i < end && isNameChar(text.charCodeAt(i))) i++;
    if (i === nameStart) break;
    const attribute = text.slice(nameStart, i);
    while (i < end && isSpace(text.charCodeAt(i))) i++;
    // An attribute without a value (HTML's `<input required>`).
    if (text.charCodeAt(i) !== 61) continue;
    i++;
    while (i < end && isSpace(text.charCodeAt(i))) i++;
    const quote = text.charCodeAt(i);
    const isQuoted = quote === 34 || quote === 39;
    const valueStart = isQuoted ? i + 1 : i;
    i = valueStart;
    while (i < end && (isQuoted ? text.charCodeAt(i) !== quote : !isSpace(text.charCodeAt(i)))) i++;
    if (attribute.length <= maxNameLength)
      attributes.push({ name: withoutPrefix(attribute), value: text.slice(valueStart, i) });
    if (isQuoted) i++;
  }
  return attributes.length > 0 ? { name, attributes } : undefined;
}

/**
 * Where tags end: the `>` that closes a tag opened at a `<`, or the `<` that cuts it short. A quote opens a
 * value only right after `=` (as in `tagIn`), and the value's `>` belong to it. A `<` cuts a tag even inside a
 * value: XML allows none there, and a quote that is never closed (`<a title="… <input name="cvv" …>`) must not
 * hide the tags after it. (HTML's rare `title="<b>"` thus hides the attributes after it; reading both ways would
 * make the scan quadratic.) Searches only move forward: the next `<`, and a quote character found to occur no
 * more, are remembered.
 */
class TagEnds {
  private readonly text: string;
  /** The first `<` after the last position asked about; -1 when there is none (the text has no more). */
  private nextOpen = -2;
  /** Per quote character: from this index on, the text holds no more of it. */
  private readonly lastOf = new Map<number, number>();

  constructor(text: string) {
    this.text = text;
  }

  /** The index of the `>` or `<` that ends the tag opened at `open`, or -1 when the text ends first. */
  after(open: number): number {
    const text = this.text;
    let isAfterEquals = false;
    for (let i = open + 1; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 62 || code === 60) return i;
      if (isAfterEquals && (code === 34 || code === 39)) {
        const closing = this.closingQuote(code, i);
        if (closing !== -1) {
          const cut = this.openAfter(i);
          if (cut !== -1 && cut < closing) return cut;
          i = closing;
        }
        isAfterEquals = false;
      } else if (code === 61) isAfterEquals = true;
      else if (!isSpace(code)) isAfterEquals = false;
    }
    return -1;
  }

  /** The first `<` after `at` (asked with `at` growing): -1 once none is left. */
  private openAfter(at: number): number {
    if (this.nextOpen !== -1 && this.nextOpen <= at) this.nextOpen = this.text.indexOf('<', at + 1);
    return this.nextOpen;
  }

  private closingQuote(quote: number, at: number): number {
    if (at >= (this.lastOf.get(quote) ?? Number.POSITIVE_INFINITY)) return -1;
    const closing = this.text.indexOf(String.fromCharCode(quote), at + 1);
    if (closing === -1) this.lastOf.set(quote, at);
    return closing;
  }
}
