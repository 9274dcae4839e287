/**
 * Base64 blobs that are really text (a JSON document or a note encoded by a producer) hide card numbers
 * from a scan of the message as written. The guard decodes blobs that could hold one (20 characters or
 * more: a 13-digit PAN takes 20) and looks inside those that decode to text.
 */
export interface Base64Blob {
  start: number;
  end: number;
  encoding: 'base64' | 'base64url';
  isPadded: boolean;
  decoded: string;
}

const blobPattern = /[A-Za-z0-9+/_-]{20,}={0,2}/g;
const wholeBlob = /^[A-Za-z0-9+/_-]{20,}={0,2}$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether `bytes` read as UTF-8 text of mostly printable characters (binary data does not). */
export function decodeIfText(bytes: Uint8Array): string | undefined {
  if (bytes.length < 13) return undefined;
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
  let unprintable = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 32 && code !== 9 && code !== 10 && code !== 13) || code === 0x7f || code === 0xfffd) unprintable++;
  }
  return unprintable <= text.length * 0.05 ? text : undefined;
}

/**
 * Base64 of text always has capitals: every group's first character encodes a byte's top six bits, which
 * for spaces, quotes, braces and capitals are I–Z. Runs without any (hex digests, "xxxx…", lower-case ids)
 * are not decoded at all.
 */
const capital = /[A-Z]/;

function blobAt(text: string, start: number, end: number): Base64Blob | undefined {
  const raw = text.slice(start, end);
  if (!capital.test(raw)) return undefined;
  const isUrl = /[-_]/.test(raw);
  if (isUrl && /[+/]/.test(raw)) return undefined;
  const body = raw.replace(/=+$/, '');
  if (body.length % 4 === 1) return undefined;
  const isPadded = body.length !== raw.length;
  if (isPadded && raw.length % 4 !== 0) return undefined;
  const decoded = decodeIfText(Buffer.from(body, isUrl ? 'base64url' : 'base64'));
  return decoded === undefined
    ? undefined
    : { start, end, encoding: isUrl ? 'base64url' : 'base64', isPadded, decoded };
}

/** The blob `text[start, end)` is as a whole, decoded, when it is base64 of text. */
export function wholeBase64Text(text: string, start = 0, end = text.length): Base64Blob | undefined {
  if (end - start < 20) return undefined;
  const raw = text.slice(start, end);
  if (!capital.test(raw) || !wholeBlob.test(raw)) return undefined;
  return blobAt(text, start, end);
}

/** Base64 blobs of text inside free text. */
export function base64TextBlobs(text: string): Base64Blob[] {
  const blobs: Base64Blob[] = [];
  blobPattern.lastIndex = 0;
  for (let match = blobPattern.exec(text); match; match = blobPattern.exec(text)) {
    const blob = blobAt(text, match.index, match.index + match[0].length);
    if (blob) blobs.push(blob);
  }
  return blobs;
}
