/**
 * A minimal ASN.1 DER writer (ITU-T X.690): only the types an X.509 certificate needs. Every function
 * returns the complete encoding (tag, length, contents), so values nest by plain composition.
 */

const tagBoolean = 0x01;
const tagInteger = 0x02;
const tagBitString = 0x03;
const tagOctetString = 0x04;
const tagNull = 0x05;
const tagOid = 0x06;
const tagUtf8String = 0x0c;
const tagPrintableString = 0x13;
const tagUtcTime = 0x17;
const tagGeneralizedTime = 0x18;
const tagSequence = 0x30;
const tagSet = 0x31;
const classContextSpecific = 0x80;
const constructedBit = 0x20;

/** Short form below 128, otherwise 0x80 | count followed by the big-endian length (X.690 8.1.3). */
export function encodeLength(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`invalid DER length ${length}`);
  if (length < 0x80) return Buffer.from([length]);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

export function encodeTlv(tag: number, contents: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(contents.length), contents]);
}

export function derBoolean(value: boolean): Buffer {
  // DER allows only 0xFF for TRUE (X.690 11.1).
  return encodeTlv(tagBoolean, Buffer.from([value ? 0xff : 0x00]));
}

/** Two's complement in the fewest octets (X.690 8.3.2), so positive values get a 0x00 before a high bit. */
export function derInteger(value: bigint | number): Buffer {
  let rest = BigInt(value);
  const octets: number[] = [];
  for (;;) {
    const octet = Number(BigInt.asUintN(8, rest));
    octets.unshift(octet);
    rest >>= 8n;
    const signIsComplete = (rest === 0n && (octet & 0x80) === 0) || (rest === -1n && (octet & 0x80) !== 0);
    if (signIsComplete) break;
  }
  return encodeTlv(tagInteger, Buffer.from(octets));
}

/** An INTEGER read as an unsigned big-endian magnitude, e.g. random certificate serial bytes. */
export function derUnsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  if (trimmed.length === 0) return derInteger(0);
  const needsSignOctet = (trimmed[0]! & 0x80) !== 0;
  return encodeTlv(tagInteger, needsSignOctet ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export function derNull(): Buffer {
  return encodeTlv(tagNull, Buffer.alloc(0));
}

/** Dotted form, e.g. '1.2.840.10045.4.3.2'; arcs after the first two in base-128 (X.690 8.19). */
export function derOid(dotted: string): Buffer {
  if (!/^[0-2](\.(0|[1-9]\d*))+$/.test(dotted)) throw new RangeError(`invalid object identifier '${dotted}'`);
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  const [first, second, ...rest] = arcs as [bigint, bigint, ...bigint[]];
  if (first < 2n && second > 39n) throw new RangeError(`invalid object identifier '${dotted}'`);
  const octets = [first * 40n + second, ...rest].flatMap(base128);
  return encodeTlv(tagOid, Buffer.from(octets));
}

function base128(arc: bigint): number[] {
  const octets = [Number(arc & 0x7fn)];
  for (let rest = arc >> 7n; rest > 0n; rest >>= 7n) octets.unshift(Number(rest & 0x7fn) | 0x80);
  return octets;
}

export function derBitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) {
    throw new RangeError(`invalid unused bit count ${unusedBits}`);
  }
  return encodeTlv(tagBitString, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

/**
 * A BIT STRING of named bits (bit 0 is the most significant bit of the first octet), with trailing zero
 * bits removed as DER requires for named-bit lists (X.690 11.2.2), e.g. X.509 KeyUsage.
 */
export function derNamedBits(bitNumbers: readonly number[]): Buffer {
  if (bitNumbers.length === 0) return derBitString(Buffer.alloc(0));
  const highest = Math.max(...bitNumbers);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bitNumbers) {
    if (!Number.isInteger(bit) || bit < 0) throw new RangeError(`invalid bit number ${bit}`);
    bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  }
  return derBitString(bytes, 7 - (highest & 7));
}

export function derOctetString(bytes: Uint8Array): Buffer {
  return encodeTlv(tagOctetString, bytes);
}

export function derUtf8String(text: string): Buffer {
  return encodeTlv(tagUtf8String, Buffer.from(text, 'utf8'));
}

export function derPrintableString(text: string): Buffer {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)) throw new RangeError(`'${text}' is not a PrintableString`);
  return encodeTlv(tagPrintableString, Buffer.from(text, 'ascii'));
}

/** YYMMDDHHMMSSZ: seconds always present, always UTC (RFC 5280 4.1.2.5.1). */
export function derUtcTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 2049) throw new RangeError(`UTCTime cannot represent the year ${year}`);
  return encodeTlv(tagUtcTime, Buffer.from(timeDigits(date).slice(2), 'ascii'));
}

/** YYYYMMDDHHMMSSZ: no fractional seconds, always UTC (RFC 5280 4.1.2.5.2). */
export function derGeneralizedTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`GeneralizedTime cannot represent the year ${year}`);
  return encodeTlv(tagGeneralizedTime, Buffer.from(timeDigits(date), 'ascii'));
}

/** RFC 5280 4.1.2.5: UTCTime for dates through 2049, GeneralizedTime from 2050 on (and before 1950). */
export function derTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  return year >= 1950 && year <= 2049 ? derUtcTime(date) : derGeneralizedTime(date);
}

function timeDigits(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid date');
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return (
    pad(date.getUTCFullYear(), 4) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds()) +
    'Z'
  );
}

export function derSequence(...elements: Uint8Array[]): Buffer {
  return encodeTlv(tagSequence, Buffer.concat(elements));
}

/** DER orders the elements of a SET OF by their encodings, shorter first on a common prefix (X.690 11.6). */
export function derSet(...elements: Uint8Array[]): Buffer {
  const sorted = [...elements].sort((a, b) => Buffer.compare(a, b));
  return encodeTlv(tagSet, Buffer.concat(sorted));
}

/** [n] EXPLICIT: a constructed context-specific tag wrapping the complete inner encoding. */
export function derExplicit(tagNumber: number, inner: Uint8Array): Buffer {
  return encodeTlv(contextTag(tagNumber, true), inner);
}

/**
 * [n] IMPLICIT: the context-specific tag replaces the inner tag, so it takes the inner *contents*;
 * `constructed` must match the replaced type (true for SEQUENCE/SET, false for strings and integers).
 */
export function derImplicit(tagNumber: number, contents: Uint8Array, constructed = false): Buffer {
  return encodeTlv(contextTag(tagNumber, constructed), contents);
}

function contextTag(tagNumber: number, constructed: boolean): number {
  // Tag numbers from 31 need the multi-octet form, which no X.509 structure uses.
  if (!Number.isInteger(tagNumber) || tagNumber < 0 || tagNumber > 30) {
    throw new RangeError(`unsupported context tag number ${tagNumber}`);
  }
  return classContextSpecific | (constructed ? constructedBit : 0) | tagNumber;
}
