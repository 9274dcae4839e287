import { PciqError } from '../../../core/index.ts';
import type { ApiAction } from '../../service.ts';
import { blobOf, checkAlgorithm, ciphertextResource, contextOf, keyIdOf, keyResource } from '../input.ts';
import { refuseDirectUseOfManagedKey } from '../managed-key-use.ts';

const maxCiphertextBytes = 6144;

export const encryptAction: ApiAction = {
  name: 'Encrypt',
  resource: keyResource,
  async run(input, context) {
    await refuseDirectUseOfManagedKey(context, 'kms:Encrypt', await keyResource(input, context));
    const { app, caller } = context;
    checkAlgorithm(input, 'EncryptionAlgorithm');
    const plaintext = blobOf(input, 'Plaintext', 4096);
    const out = await app.keys.data.encrypt(
      caller.accountId,
      keyIdOf(input),
      plaintext,
      contextOf(input, 'EncryptionContext'),
    );
    plaintext.fill(0);
    return {
      CiphertextBlob: out.ciphertext.toString('base64'),
      KeyId: out.keyArn,
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    };
  },
};

export const decryptAction: ApiAction = {
  name: 'Decrypt',
  resource: ciphertextResource,
  async run(input, context) {
    await refuseDirectUseOfManagedKey(context, 'kms:Decrypt', await ciphertextResource(input, context));
    const { app, caller } = context;
    checkAlgorithm(input, 'EncryptionAlgorithm');
    const out = await app.keys.data.decrypt(
      caller.accountId,
      blobOf(input, 'CiphertextBlob', maxCiphertextBytes),
      contextOf(input, 'EncryptionContext'),
      input.optionalString('KeyId'),
    );
    const plaintext = out.plaintext.toString('base64');
    out.plaintext.fill(0);
    return { KeyId: out.keyArn, Plaintext: plaintext, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  },
};

/** NumberOfBytes or KeySpec (AES_256 = 32 bytes, AES_128 = 16), exactly one of them. */
function dataKeyBytes(input: Parameters<ApiAction['run']>[0]): number {
  const bytes = input.optionalInteger('NumberOfBytes');
  const spec = input.optionalString('KeySpec');
  if ((bytes === undefined) === (spec === undefined)) {
    throw new PciqError('ValidationException', 'Specify exactly one of KeySpec and NumberOfBytes.');
  }
  if (spec === undefined) return bytes!;
  if (spec === 'AES_256') return 32;
  if (spec === 'AES_128') return 16;
  throw new PciqError('ValidationException', `KeySpec must be AES_256 or AES_128, not ${spec.slice(0, 32)}.`);
}

export const generateDataKeyAction: ApiAction = {
  name: 'GenerateDataKey',
  resource: keyResource,
  async run(input, context) {
    await refuseDirectUseOfManagedKey(context, 'kms:GenerateDataKey', await keyResource(input, context));
    const { app, caller } = context;
    const out = await app.keys.data.generateDataKey(
      caller.accountId,
      keyIdOf(input),
      dataKeyBytes(input),
      contextOf(input, 'EncryptionContext'),
    );
    const plaintext = out.plaintext.toString('base64');
    out.plaintext.fill(0);
    return { CiphertextBlob: out.ciphertext.toString('base64'), Plaintext: plaintext, KeyId: out.keyArn };
  },
};

export const generateDataKeyWithoutPlaintextAction: ApiAction = {
  name: 'GenerateDataKeyWithoutPlaintext',
  resource: keyResource,
  async run(input, context) {
    const resource = await keyResource(input, context);
    await refuseDirectUseOfManagedKey(context, 'kms:GenerateDataKeyWithoutPlaintext', resource);
    const { app, caller } = context;
    const out = await app.keys.data.generateDataKey(
      caller.accountId,
      keyIdOf(input),
      dataKeyBytes(input),
      contextOf(input, 'EncryptionContext'),
    );
    out.plaintext.fill(0);
    return { CiphertextBlob: out.ciphertext.toString('base64'), KeyId: out.keyArn };
  },
};

/**
 * Authorized twice, as in AWS KMS: kms:ReEncryptFrom on the key that sealed the ciphertext, kms:ReEncryptTo
 * on the destination. Without the first, a grant on one's own key would read any other key's ciphertexts.
 */
export const reEncryptAction: ApiAction = {
  name: 'ReEncrypt',
  permission: 'ReEncryptFrom',
  furtherPermissions: ['ReEncryptTo'],
  resource: (input, context) => ciphertextResource(input, context, 'SourceKeyId'),
  async run(input, context) {
    const { app, caller } = context;
    const destinationKey = await keyResource(input, context, 'DestinationKeyId');
    await context.authorize('kms:ReEncryptTo', destinationKey);
    await refuseDirectUseOfManagedKey(
      context,
      'kms:ReEncryptFrom',
      await ciphertextResource(input, context, 'SourceKeyId'),
    );
    await refuseDirectUseOfManagedKey(context, 'kms:ReEncryptTo', destinationKey);
    checkAlgorithm(input, 'SourceEncryptionAlgorithm');
    checkAlgorithm(input, 'DestinationEncryptionAlgorithm');
    const source = contextOf(input, 'SourceEncryptionContext');
    const destination = contextOf(input, 'DestinationEncryptionContext');
    const sourceKeyRef = input.optionalString('SourceKeyId');
    const out = await app.keys.data.reEncrypt(
      caller.accountId,
      blobOf(input, 'CiphertextBlob', maxCiphertextBytes),
      keyIdOf(input, 'DestinationKeyId'),
      {
        ...(source ? { source } : {}),
        ...(destination ? { destination } : {}),
        ...(sourceKeyRef !== undefined ? { sourceKeyRef } : {}),
      },
    );
    return {
      CiphertextBlob: out.ciphertext.toString('base64'),
      SourceKeyId: out.sourceKeyArn,
      KeyId: out.keyArn,
      SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    };
  },
};
