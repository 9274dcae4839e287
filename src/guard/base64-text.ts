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

/** Base64 alphabets (standard and URL-safe) by character code. */
const isBase64Char = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-')
  isBase64Char[char.charCodeAt(0)] = 1;
const minBlobChars = 20;

function isBase64Code(code: number): boolean {
  return code < 128 && isBase64Char[code] === 1;
}

/**
 * The next run of 20 or more base64 characters (and up to two `=` of padding) from `from`, as
 * `[A-Za-z0-9+/_-]{20,}={0,2}` would match it: a loop, since a pattern retries every start inside prose.
 */
function nextBlobRun(text: string, from: number): { start: number; end: number } | undefined {
  let start = from;
  for (let i = from; i <= text.length; i++) {
    if (i < text.length && isBase64Code(text.charCodeAt(i))) continue;
    if (i - start >= minBlobChars) {
      let end = i;
      while (end < text.length && end - i < 2 && text.charCodeAt(end) === 61) end++;
      return { start, end };
    }
    start = i + 1;
  }
  return undefined;
}

/**
 * Whether `text` has a run of base64 long enough to hide a card number (see `base64TextBlobs`). Its own loop,
 * not `nextBlobRun`: this pre-check runs on every message and stops at a run's 20th character, where
 * `nextBlobRun` reads to the run's end (a 1,000-character run: 0.14 µs against 5 µs).
 */
export function hasBase64Run(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    if (!isBase64Code(text.charCodeAt(i))) run = 0;
    else if (++run === minBlobChars) return true;
  }
  return false;
}

const wholeBlob = /^[A-Za-z0-9+/_-]{20,}={0,2}$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The shortest SAD, a 3-digit code: a binary attribute value as short as that is read as text too (a blob is
 * 15 bytes or more).
 */
const minTextBytes = 3;

/** Whether `bytes` read as UTF-8 text of mostly printable characters (binary data does not). */
export function decodeIfText(bytes: Uint8Array): string | undefined {
  if (bytes.length < minTextBytes) return undefined;
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
  for (let run = nextBlobRun(text, 0); run; run = nextBlobRun(text, run.end)) {
    const blob = blobAt(text, run.start, run.end);
    if (blob) blobs.push(blob);
  }
  return blobs;
}
