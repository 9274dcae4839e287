/**
 * JSON's `\uXXXX` escapes where the guard does not parse JSON: in text that is no JSON document
 * (`MARK {"c":"\u0034\u0031…"}`, a log line quoting a payload) and in JSON strings that hold JSON text
 * themselves (a payload encoded twice, such as an SNS envelope's `Message`, whose escapes stay escaped after
 * the outer string is read). An escape can hide any digit or separator from the patterns, and serializers
 * write them unasked (Python's `json.dumps` escapes every non-ASCII character, full-width digits included).
 */

/** `text` with its `\uXXXX` escapes decoded, and where each of its characters came from in `text`. */
export interface EscapesDecoded {
  decoded: string;
  /** For each offset of `decoded` (and its end), the offset in `text` where that character was written. */
  sourceOffsets: Int32Array;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** The code unit of the escape `\uXXXX` at `text[at]`, or -1 when none stands there. */
function escapedUnitAt(text: string, at: number): number {
  if (text.charCodeAt(at) !== 92 || text.charCodeAt(at + 1) !== 117) return -1;
  let unit = 0;
  for (let i = at + 2; i < at + 6; i++) {
    const value = hexValue(text.charCodeAt(i));
    if (value < 0) return -1;
    unit = unit * 16 + value;
  }
  return unit;
}

/**
 * `text[start, end)` with each `\uXXXX` made the one UTF-16 unit it stands for (surrogate pairs so come out
 * whole), or undefined when it has none. Other escapes (`\n`, `\"`) are left as written.
 */
export function decodeUnicodeEscapes(text: string, start = 0, end = text.length): EscapesDecoded | undefined {
  let at = text.indexOf('\\u', start);
  if (at === -1 || at >= end) return undefined;
  const offsets: number[] = [];
  let decoded = '';
  let copied = start;
  for (; at !== -1 && at + 6 <= end; at = text.indexOf('\\u', at + 1)) {
    const unit = escapedUnitAt(text, at);
    if (unit < 0) continue;
    for (let i = copied; i < at; i++) offsets.push(i);
    offsets.push(at);
    decoded += text.slice(copied, at) + String.fromCharCode(unit);
    copied = at + 6;
    at += 5;
  }
  if (copied === start) return undefined;
  for (let i = copied; i < end; i++) offsets.push(i);
  offsets.push(end);
  return { decoded: decoded + text.slice(copied, end), sourceOffsets: Int32Array.from(offsets) };
}
