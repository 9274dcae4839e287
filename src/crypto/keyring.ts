import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { randomFromPool } from '../core/index.ts';

const envelopeVersion = 1;
const nonceBytes = 12;
const tagBytes = 16;

/** Raised when sealed data does not open: altered, swapped to another place, or sealed under another key. */
export class SealIntegrityError extends Error {
  constructor() {
    super('sealed data failed its integrity check');
  }
}

/**
 * Keys derived from the root key by purpose (HKDF-SHA256), and the operations on them: AES-256-GCM seal/open
 * with additional authenticated data that binds a ciphertext to its place, and keyed hashes for lookups of
 * values that must not be stored in clear (PCI DSS 3.5.1.1: hashes of account data are keyed).
 */
export class Keyring {
  private readonly root: Buffer;
  // KeyObjects, not Buffers: Node imports a Buffer key on every cipher or HMAC it creates, which costs
  // more than sealing a 1 KiB message.
  private readonly derived = new Map<string, KeyObject>();

  constructor(rootKey: Buffer) {
    this.root = Buffer.from(rootKey);
  }

  private key(purpose: string): KeyObject {
    let key = this.derived.get(purpose);
    if (!key) {
      key = createSecretKey(Buffer.from(hkdfSync('sha256', this.root, 'pciq/keyring/v1', purpose, 32)));
      this.derived.set(purpose, key);
    }
    return key;
  }

  /** Envelope: version (1 byte) | nonce (12) | ciphertext | tag (16). A fresh random nonce per seal. */
  seal(purpose: string, plaintext: Uint8Array, aad: string): Buffer {
    const nonce = randomFromPool(nonceBytes);
    const cipher = createCipheriv('aes-256-gcm', this.key(purpose), nonce);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const head = Buffer.from([envelopeVersion]);
    const body = cipher.update(plaintext);
    const tail = cipher.final();
    return Buffer.concat([head, nonce, body, tail, cipher.getAuthTag()]);
  }

  open(purpose: string, sealed: Uint8Array, aad: string): Buffer {
    const envelope = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (envelope.length < 1 + nonceBytes + tagBytes || envelope[0] !== envelopeVersion) throw new SealIntegrityError();
    const nonce = envelope.subarray(1, 1 + nonceBytes);
    const tag = envelope.subarray(envelope.length - tagBytes);
    const decipher = createDecipheriv('aes-256-gcm', this.key(purpose), nonce);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([
        decipher.update(envelope.subarray(1 + nonceBytes, envelope.length - tagBytes)),
        decipher.final(),
      ]);
    } catch {
      throw new SealIntegrityError();
    }
  }

  /** HMAC-SHA256 under the purpose's key, base64url. */
  keyedHash(purpose: string, value: string): string {
    return createHmac('sha256', this.key(purpose)).update(value, 'utf8').digest('base64url');
  }
}
