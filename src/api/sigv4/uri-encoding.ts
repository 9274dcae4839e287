/**
 * Percent-encoding as SigV4 defines it: RFC 3986, every byte outside the unreserved set
 * (`A-Z a-z 0-9 - _ . ~`) becomes `%XY` with uppercase hex. Works on bytes so that malformed escapes and
 * invalid UTF-8 canonicalize the same way on every request instead of throwing.
 */

const SLASH = 0x2f;
const PERCENT = 0x25;
const HEX_DIGITS = '0123456789ABCDEF';

const isUnreservedByte = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~') {
  isUnreservedByte[char.charCodeAt(0)] = 1;
}

const UNRESERVED_ONLY = /^[A-Za-z0-9\-_.~]*$/;
const UNRESERVED_OR_SLASH_ONLY = /^[A-Za-z0-9\-_.~/]*$/;

/** Percent-encodes the UTF-8 bytes of `text`; with `keepSlash`, '/' stays literal (for URI paths). */
export function uriEncode(text: string, keepSlash: boolean): string {
  if ((keepSlash ? UNRESERVED_OR_SLASH_ONLY : UNRESERVED_ONLY).test(text)) return text;
  return uriEncodeBytes(Buffer.from(text, 'utf8'), keepSlash);
}

export function uriEncodeBytes(bytes: Uint8Array, keepSlash: boolean): string {
  let encoded = '';
  for (const byte of bytes) {
    if ((byte < 128 && isUnreservedByte[byte] === 1) || (keepSlash && byte === SLASH)) {
      encoded += String.fromCharCode(byte);
    } else {
      encoded += '%' + HEX_DIGITS[byte >> 4] + HEX_DIGITS[byte & 15];
    }
  }
  return encoded;
}

/** Decodes `%XY` escapes into bytes; a '%' not followed by two hex digits stays a literal '%'. */
export function percentDecode(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (!bytes.includes(PERCENT)) return bytes;
  const decoded = Buffer.allocUnsafe(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const high = byte === PERCENT ? hexValue(bytes[i + 1]) : -1;
    const low = high >= 0 ? hexValue(bytes[i + 2]) : -1;
    if (low >= 0) {
      decoded[length++] = (high << 4) | low;
      i += 2;
    } else {
      decoded[length++] = byte;
    }
  }
  return decoded.subarray(0, length);
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
