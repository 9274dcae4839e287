import { invalidParameter } from '../../core/index.ts';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const values = new Map([...alphabet].map((char, value) => [char, value]));

/** RFC 4648 section 6 base32. Authenticator apps take TOTP secrets in it, unpadded (Google's Key URI format). */
export function encodeBase32(bytes: Uint8Array, options: { padding?: boolean } = {}): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += alphabet[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  if (options.padding) while (out.length % 8 !== 0) out += '=';
  return out;
}

/**
 * Decodes base32 as people copy it: any case, with spaces or hyphens between groups, padded or not.
 * Errors never quote the input: it is usually a secret.
 */
export function decodeBase32(text: string): Buffer {
  const symbols = text.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  // Lengths 1, 3 and 6 mod 8 cannot come from whole bytes (RFC 4648 section 6).
  if ([1, 3, 6].includes(symbols.length % 8)) throw invalidParameter('The base32 value has an impossible length.');
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const symbol of symbols) {
    const value = values.get(symbol);
    if (value === undefined) throw invalidParameter('The base32 value contains a character outside A–Z and 2–7.');
    buffer = ((buffer << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}
