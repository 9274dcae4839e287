import { createHmac, hkdfSync } from 'node:crypto';

/**
 * Keyed hashes for lookups of values that must not be stored in clear (FIFO group and deduplication ids;
 * PCI DSS 3.5.1.1: hashes of account data are keyed). The key is pciq's internal hash key, wrapped by the
 * root like all key material and stable across root re-wraps, with one derived key per purpose.
 */
export class KeyedHasher {
  private readonly secret: Buffer;
  private readonly derived = new Map<string, Buffer>();

  constructor(secret: Uint8Array) {
    this.secret = Buffer.from(secret);
  }

  hash(purpose: string, value: string): string {
    let key = this.derived.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.secret, 'pciq/keyed-hash', purpose, 32));
      this.derived.set(purpose, key);
    }
    return createHmac('sha256', key).update(value, 'utf8').digest('base64url');
  }
}
