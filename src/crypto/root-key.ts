import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { aeadKeyBytes, aeadOpen, aeadSeal, SealIntegrityError } from './aead.ts';

const wrapFormat = 1;

/**
 * The root key-encrypting key (KEK), in memory only. It wraps the material of every customer master key
 * version and of pciq's internal keys (PCI DSS 3.6.1.2: secret keys stored encrypted with a KEK that is
 * stored apart); it never seals customer data itself. Wrapping binds each blob to a label naming what it
 * is (key id, version, material id), so wrapped material cannot be moved to another key.
 */
export class RootKey {
  private readonly wrapping: Buffer;
  /** A keyed check value: shows whether a root key belongs to a data directory, reveals nothing of it. */
  readonly checkValue: string;

  constructor(secret: Uint8Array) {
    if (secret.length !== aeadKeyBytes) throw new Error('a root key is 256 bits');
    this.wrapping = Buffer.from(hkdfSync('sha256', secret, 'pciq/root', 'wrap v1', 32));
    const check = Buffer.from(hkdfSync('sha256', secret, 'pciq/root', 'check v1', 32));
    this.checkValue = createHmac('sha256', check).update('pciq root key check').digest('base64url');
    check.fill(0);
  }

  static generateSecret(): Buffer {
    return randomBytes(aeadKeyBytes);
  }

  wrap(material: Uint8Array, label: string): Buffer {
    return aeadSeal(this.wrapping, Uint8Array.of(wrapFormat), material, labelBytes(label));
  }

  /** Throws `SealIntegrityError` when the blob was not wrapped by this root under this label. */
  unwrap(wrapped: Uint8Array, label: string): Buffer {
    if (wrapped[0] !== wrapFormat) throw new SealIntegrityError('not a wrapped key');
    return aeadOpen(this.wrapping, wrapped, 1, labelBytes(label));
  }

  destroy(): void {
    this.wrapping.fill(0);
  }
}

function labelBytes(label: string): Buffer {
  return Buffer.from(`pciq wrapped key v${wrapFormat}\n${label}`, 'utf8');
}

/** Labels of wrapped material: what each blob is, bound into its authentication tag. */
export function versionLabel(keyId: string, version: number, materialId: string): string {
  return `cmk ${keyId} version ${version} material ${materialId}`;
}

export function internalKeyLabel(name: string): string {
  return `internal ${name}`;
}
