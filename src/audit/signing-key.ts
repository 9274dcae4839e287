import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import type { SystemKeyring } from '../crypto/index.ts';
import type { AuditSigningKeyRow } from '../storage/index.ts';

/** Sealing purpose of checkpoint signing keys. */
const sealPurpose = 'audit-signing-key';

/**
 * The Ed25519 key that signs checkpoints and archive manifests. Its private half is stored only sealed by
 * the root key (AES-256-GCM, bound to the key id), PCI DSS 3.6.1.2: a secret key is held encrypted under a
 * key-encrypting key stored apart from it (the root key file lives outside the data directory). Whoever
 * holds the database alone can neither sign nor swap the key; the public half goes into every export.
 */
export interface SigningKey {
  keyId: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
}

/** Key id: SHA-256 of the SubjectPublicKeyInfo, hex, the fingerprint an assessor pins. */
export function keyIdOf(publicKeyDer: Uint8Array): string {
  return createHash('sha256').update(publicKeyDer).digest('hex');
}

/**
 * A new Ed25519 key with its private half sealed under `purpose` (other modules that sign evidence, such as
 * forensic snapshots, hold their keys the same way under a purpose of their own).
 */
export function generateSigningKey(
  keyring: SystemKeyring,
  nowMs: number,
  purpose = sealPurpose,
): { key: SigningKey; row: AuditSigningKeyRow } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicKeyDer = publicKey.export({ format: 'der', type: 'spki' });
  const keyId = keyIdOf(publicKeyDer);
  const sealedPrivateKey = keyring.seal(
    purpose,
    privateKey.export({ format: 'der', type: 'pkcs8' }),
    `${purpose}:${keyId}`,
  );
  return {
    key: { keyId, publicKey, privateKey },
    row: { keyId, publicKey: publicKeyDer, sealedPrivateKey, createdAtMs: nowMs },
  };
}

/**
 * Opens a stored signing key; throws when the sealed half does not open under this root key or does not
 * belong to the stored public half (a key row planted by someone without the root key).
 */
export function openSigningKey(keyring: SystemKeyring, row: AuditSigningKeyRow, purpose = sealPurpose): SigningKey {
  const publicKey = publicKeyFromDer(row.publicKey);
  if (keyIdOf(row.publicKey) !== row.keyId) throw new Error(`signing key ${row.keyId} does not match its id`);
  const privateKey = createPrivateKey({
    key: keyring.open(purpose, row.sealedPrivateKey, `${purpose}:${row.keyId}`),
    format: 'der',
    type: 'pkcs8',
  });
  const derived = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  if (keyIdOf(derived) !== row.keyId) throw new Error(`signing key ${row.keyId}: private and public halves differ`);
  return { keyId: row.keyId, publicKey, privateKey };
}

export function publicKeyFromDer(der: Uint8Array): KeyObject {
  const key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 public key');
  return key;
}

export function publicKeyPem(key: KeyObject): string {
  return String(key.export({ format: 'pem', type: 'spki' }));
}

export function signBytes(key: SigningKey, data: string | Uint8Array): Buffer {
  return sign(null, Buffer.from(data), key.privateKey);
}

export function verifyBytes(publicKey: KeyObject, data: string | Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, Buffer.from(data), publicKey, signature);
  } catch {
    return false;
  }
}
