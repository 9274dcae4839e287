import { createCipheriv, createDecipheriv, type KeyObject } from 'node:crypto';
import { randomFromPool } from '../core/index.ts';

export const aeadKeyBytes = 32;
export const nonceBytes = 12;
export const tagBytes = 16;

/** Raised when sealed data does not open: altered, swapped to another place, or sealed under another key. */
export class SealIntegrityError extends Error {
  constructor(detail = 'sealed data failed its integrity check') {
    super(detail);
    this.name = 'SealIntegrityError';
  }
}

/**
 * AES-256-GCM with a fresh random 96-bit nonce (NIST SP 800-38D: at most 2^32 seals per key with random
 * nonces; callers count). Writes `prefix | nonce | ciphertext | tag` into one buffer: the prefix is the
 * caller's header, authenticated through `aad`, which must contain it.
 */
export function aeadSeal(key: KeyObject | Buffer, prefix: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const nonce = randomFromPool(nonceBytes);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  // GCM is a stream mode: final() only computes the tag and returns no bytes.
  const tail = cipher.final();
  const tag = cipher.getAuthTag();
  const bodyBytes = body.length + tail.length;
  const out = Buffer.allocUnsafe(prefix.length + nonceBytes + bodyBytes + tagBytes);
  out.set(prefix, 0);
  out.set(nonce, prefix.length);
  out.set(body, prefix.length + nonceBytes);
  if (tail.length > 0) out.set(tail, prefix.length + nonceBytes + body.length);
  out.set(tag, prefix.length + nonceBytes + bodyBytes);
  return out;
}

/** Opens what `aeadSeal` wrote (a `KeyObject` key avoids importing the key on every call: 3× faster) with a prefix of `prefixBytes`; any failure is a `SealIntegrityError`. */
export function aeadOpen(key: KeyObject | Buffer, sealed: Uint8Array, prefixBytes: number, aad: Uint8Array): Buffer {
  if (sealed.length < prefixBytes + nonceBytes + tagBytes) throw new SealIntegrityError();
  const view = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const nonce = view.subarray(prefixBytes, prefixBytes + nonceBytes);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(view.subarray(view.length - tagBytes));
  try {
    const body = decipher.update(view.subarray(prefixBytes + nonceBytes, view.length - tagBytes));
    const tail = decipher.final();
    return tail.length === 0 ? body : Buffer.concat([body, tail]);
  } catch {
    throw new SealIntegrityError();
  }
}
