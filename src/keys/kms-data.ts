import { randomBytes } from 'node:crypto';
import { PciqError } from '../core/index.ts';
import { readHeader } from '../crypto/index.ts';
import { validation } from './errors.ts';
import type { KeyService } from './key-service.ts';
import { unreadableReasonOf } from './key-service.ts';
import type { KeyEntry, KeySet } from './key-set.ts';

/** The scope of ciphertexts the KMS API hands to clients: their own data keys per CMK version. */
const apiScope = 'kms:api';
const maxPlaintextBytes = 4096;

export type EncryptionContext = Record<string, string>;

/**
 * The encryption context as additional authenticated data: sorted, unambiguous. Like AWS KMS, the same
 * context must be given to decrypt; it is not secret (it appears in audit records): never card data.
 */
function placeOf(context: EncryptionContext | undefined): string {
  const entries = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

function checkPlaintext(plaintext: Uint8Array): void {
  if (plaintext.length < 1 || plaintext.length > maxPlaintextBytes) {
    throw validation(
      `1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and ${maxPlaintextBytes}`,
    );
  }
}

function invalidCiphertext(): PciqError {
  return new PciqError(
    'InvalidCiphertextException',
    'The ciphertext is invalid or was not made under this encryption context.',
  );
}

/** Encrypt, Decrypt, GenerateDataKey and ReEncrypt of the KMS API, on the same key hierarchy as queues. */
export class KmsData {
  private readonly keys: KeyService;

  constructor(keys: KeyService) {
    this.keys = keys;
  }

  private seal(set: KeySet, key: KeyEntry, plaintext: Uint8Array, context: EncryptionContext | undefined): Buffer {
    return set.sealingKeyOf(key, apiScope).seal(plaintext, placeOf(context));
  }

  private open(
    set: KeySet,
    accountId: string,
    blob: Uint8Array,
    context: EncryptionContext | undefined,
    keyRef?: string,
  ) {
    const header = readHeader(blob);
    const key = header && set.keys.get(header.keyId);
    if (!key || key.row.accountId !== accountId) throw invalidCiphertext();
    if (keyRef !== undefined && set.find(accountId, keyRef).row.keyId !== key.row.keyId) {
      throw new PciqError(
        'IncorrectKeyException',
        'The key ID in the request does not identify the key that encrypted the ciphertext.',
      );
    }
    try {
      return set.openWithKey(blob, apiScope, placeOf(context));
    } catch (error) {
      const unreadable = unreadableReasonOf(error);
      if (unreadable?.reason === 'key-deleted') throw new PciqError('NotFoundException', `${key.arn} was deleted.`);
      if (unreadable) throw invalidCiphertext();
      throw error;
    }
  }

  async encrypt(accountId: string, keyRef: string, plaintext: Uint8Array, context?: EncryptionContext) {
    checkPlaintext(plaintext);
    return this.keys.store.read(async (tx) => {
      const set = await this.keys.session(tx);
      const key = set.find(accountId, keyRef);
      return { ciphertext: this.seal(set, key, plaintext, context), keyArn: key.arn };
    });
  }

  async decrypt(accountId: string, blob: Uint8Array, context?: EncryptionContext, keyRef?: string) {
    return this.keys.store.read(async (tx) => {
      const { plaintext, key } = this.open(await this.keys.session(tx), accountId, blob, context, keyRef);
      return { plaintext, keyArn: key.arn };
    });
  }

  async generateDataKey(accountId: string, keyRef: string, bytes: number, context?: EncryptionContext) {
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > 1024)
      throw validation('NumberOfBytes must be between 1 and 1024.');
    const plaintext = randomBytes(bytes);
    const { ciphertext, keyArn } = await this.encrypt(accountId, keyRef, plaintext, context);
    return { plaintext, ciphertext, keyArn };
  }

  async reEncrypt(
    accountId: string,
    blob: Uint8Array,
    destinationRef: string,
    contexts: { source?: EncryptionContext; destination?: EncryptionContext; sourceKeyRef?: string },
  ) {
    return this.keys.store.read(async (tx) => {
      const set = await this.keys.session(tx);
      const { plaintext, key: source } = this.open(set, accountId, blob, contexts.source, contexts.sourceKeyRef);
      const destination = set.find(accountId, destinationRef);
      const ciphertext = this.seal(set, destination, plaintext, contexts.destination);
      plaintext.fill(0);
      return { ciphertext, sourceKeyArn: source.arn, keyArn: destination.arn };
    });
  }
}
