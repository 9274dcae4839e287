import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { aeadOpen, aeadSeal, SealIntegrityError } from './aead.ts';

const sealVersion = 1;

/**
 * pciq's own keys for its own records, derived per purpose from one internal secret that is wrapped by the
 * root like all key material (so re-wrapping the root changes nothing here):
 * - keyed hashes for lookups of values that must not be stored in clear (FIFO group and deduplication ids;
 *   PCI DSS 3.5.1.1: hashes of account data are keyed) and for record MACs;
 * - sealing of small system secrets such as the audit trail's signing key (3.6.1.2: secret keys held
 *   encrypted under a key-encrypting key stored apart from them).
 * Derived keys are KeyObjects: node imports a Buffer key on every HMAC or cipher, which costs more than the
 * operation itself.
 */
export class SystemKeyring {
  private readonly secret: Buffer;
  private readonly hashKeys = new Map<string, KeyObject>();
  private readonly sealKeys = new Map<string, KeyObject>();

  constructor(secret: Uint8Array) {
    this.secret = Buffer.from(secret);
  }

  private derive(cache: Map<string, KeyObject>, info: string, purpose: string): KeyObject {
    let key = cache.get(purpose);
    if (!key) {
      key = createSecretKey(Buffer.from(hkdfSync('sha256', this.secret, info, purpose, 32)));
      cache.set(purpose, key);
    }
    return key;
  }

  keyedHash(purpose: string, value: string): string {
    return createHmac('sha256', this.derive(this.hashKeys, 'pciq/keyed-hash', purpose))
      .update(value, 'utf8')
      .digest('base64url');
  }

  /** AES-256-GCM; `aad` binds the ciphertext to its place and is not secret. */
  seal(purpose: string, plaintext: Uint8Array, aad: string): Buffer {
    return aeadSeal(
      this.derive(this.sealKeys, 'pciq/system-seal', purpose),
      Buffer.from([sealVersion]),
      plaintext,
      this.aadOf(aad),
    );
  }

  open(purpose: string, sealed: Uint8Array, aad: string): Buffer {
    if (sealed[0] !== sealVersion) throw new SealIntegrityError();
    return aeadOpen(this.derive(this.sealKeys, 'pciq/system-seal', purpose), sealed, 1, this.aadOf(aad));
  }

  private aadOf(aad: string): Buffer {
    return Buffer.concat([Buffer.from([sealVersion]), Buffer.from(aad, 'utf8')]);
  }
}
