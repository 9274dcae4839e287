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
 * runs from a `<` to the next `>` with no `<` between (a `>` inside a quoted value ends it early: such tags are
 * rare, and the scan stays simple). Each `<` and `>` is found once by `indexOf`, so the scan is linear whatever
 * the text (`<<<<…`, a tag that never closes).
 */
export function tagsWithAttributes(text: string, isWanted: (open: number, close: number) => boolean): MarkupTag[] {
  const tags: MarkupTag[] = [];
  let close = -1;
  for (let open = text.indexOf('<'); open !== -1; ) {
    const next = text.indexOf('<', open + 1);
    if (close < open) close = text.indexOf('>', open + 1);
    if (close === -1) break;
    if ((next === -1 || next > close) && isWanted(open, close)) {
      const tag = tagIn(text, open + 1, close);
      if (tag) tags.push(tag);
    }
    open = next;
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
