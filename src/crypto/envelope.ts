import { SealIntegrityError } from './aead.ts';

/**
 * Envelope v2, the one format of everything pciq seals with a customer master key:
 *
 *   version (1, = 2) | key id (16, the CMK's UUID) | key version (4, big-endian) | data key id (16) |
 *   nonce (12) | ciphertext | tag (16)
 *
 * The header names what opens it (CMK, version of its material, and the data key derived from that
 * material), so a key can rotate while older ciphertexts keep opening. The whole header is part of the
 * additional authenticated data, followed by the scope and the place the ciphertext belongs to.
 */
export const envelopeVersion = 2;
export const headerBytes = 1 + 16 + 4 + 16;

export interface EnvelopeHeader {
  keyId: string;
  keyVersion: number;
  dataKeyId: Buffer;
}

export function uuidToBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replaceAll('-', ''), 'hex');
}

export function bytesToUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function encodeHeader(keyId: string, keyVersion: number, dataKeyId: Uint8Array): Buffer {
  const header = Buffer.alloc(headerBytes);
  header[0] = envelopeVersion;
  uuidToBytes(keyId).copy(header, 1);
  header.writeUInt32BE(keyVersion, 17);
  header.set(dataKeyId, 21);
  return header;
}

/** The leading bytes of an envelope that name what sealed it: version, key id and key version. */
export const keyPrefixBytes = 1 + 16 + 4;

/**
 * The key and key version the first `keyPrefixBytes` of an envelope name (as the store hands them out without
 * the rest), or undefined when they are not an envelope's.
 */
export function readKeyPrefix(prefix: Uint8Array): { keyId: string; keyVersion: number } | undefined {
  if (prefix.length < keyPrefixBytes || prefix[0] !== envelopeVersion) return undefined;
  const view = Buffer.from(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  return { keyId: bytesToUuid(view.subarray(1, 17)), keyVersion: view.readUInt32BE(17) };
}

/** The header of a v2 envelope, or undefined when `sealed` is not one (too short, another version). */
export function readHeader(sealed: Uint8Array): EnvelopeHeader | undefined {
  const key = sealed.length < headerBytes + 12 + 16 ? undefined : readKeyPrefix(sealed);
  if (!key) return undefined;
  const dataKeyId = Buffer.from(sealed.buffer, sealed.byteOffset + keyPrefixBytes, headerBytes - keyPrefixBytes);
  return { keyId: key.keyId, keyVersion: key.keyVersion, dataKeyId };
}

export function requireHeader(sealed: Uint8Array): EnvelopeHeader {
  const header = readHeader(sealed);
  if (!header) throw new SealIntegrityError('not a pciq envelope');
  return header;
}

/**
 * The additional authenticated data: the header, then the scope (length-prefixed, so scope and place can
 * never be re-split), then the place. Neither is secret: never put card data in them.
 */
export function additionalData(header: Uint8Array, scope: Uint8Array, place: string): Buffer {
  const placeBytes = Buffer.byteLength(place, 'utf8');
  const aad = Buffer.allocUnsafe(headerBytes + 2 + scope.length + placeBytes);
  aad.set(header.subarray(0, headerBytes), 0);
  aad.writeUInt16BE(scope.length, headerBytes);
  aad.set(scope, headerBytes + 2);
  aad.write(place, headerBytes + 2 + scope.length, 'utf8');
  return aad;
}

/**
 * The part of the additional data that is the same for every seal with one data key, in one scope: its
 * holder builds it once, and each seal adds only its place (`additionalDataAt`).
 */
export function additionalDataPrefix(header: Uint8Array, scope: Uint8Array): Buffer {
  return additionalData(header, scope, '');
}

/** `additionalData(header, scope, place)` from the prefix of header and scope. */
export function additionalDataAt(prefix: Buffer, place: string): Buffer {
  const aad = Buffer.allocUnsafe(prefix.length + Buffer.byteLength(place, 'utf8'));
  prefix.copy(aad, 0);
  aad.write(place, prefix.length, 'utf8');
  return aad;
}
