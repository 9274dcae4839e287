import { PciqError } from '../../../core/index.ts';
import type { ApiAction } from '../../service.ts';
import { accountResource, keyIdOf, keyResource, pageOf, tagsOf } from '../input.ts';
import { keyMetadata } from '../key-metadata.ts';
import { keyPolicyOf } from '../key-policy.ts';

function unsupported(what: string): PciqError {
  return new PciqError(
    'UnsupportedOperationException',
    `pciq supports symmetric encryption keys of its own only; ${what} is not supported.`,
  );
}

export const createKeyAction: ApiAction = {
  name: 'CreateKey',
  resource: (_input, context) => accountResource(context),
  async run(input, { app, caller }) {
    const usage = input.optionalString('KeyUsage');
    if (usage !== undefined && usage !== 'ENCRYPT_DECRYPT') throw unsupported(`KeyUsage ${usage.slice(0, 32)}`);
    for (const name of ['KeySpec', 'CustomerMasterKeySpec']) {
      const spec = input.optionalString(name);
      if (spec !== undefined && spec !== 'SYMMETRIC_DEFAULT') throw unsupported(`${name} ${spec.slice(0, 32)}`);
    }
    const origin = input.optionalString('Origin');
    if (origin !== undefined && origin !== 'AWS_KMS') throw unsupported(`Origin ${origin.slice(0, 32)}`);
    if (input.raw['MultiRegion'] === true) throw unsupported('MultiRegion');
    if (input.has('CustomKeyStoreId') || input.has('XksKeyId')) throw unsupported('a custom key store');
    const description = input.optionalString('Description');
    const policy = input.optionalString('Policy');
    const key = await app.keys.admin.createKey(caller.accountId, {
      tags: tagsOf(input),
      ...(description !== undefined ? { description } : {}),
      ...(policy !== undefined ? { policy } : {}),
    });
    return { KeyMetadata: keyMetadata(key) };
  },
};

export const describeKeyAction: ApiAction = {
  name: 'DescribeKey',
  resource: keyResource,
  async run(input, { app, caller }) {
    return { KeyMetadata: keyMetadata(await app.keys.admin.describeKey(caller.accountId, keyIdOf(input))) };
  },
};

export const listKeysAction: ApiAction = {
  name: 'ListKeys',
  resource: (_input, context) => accountResource(context),
  async run(input, { app, caller }) {
    const keys = await app.keys.admin.listKeys(caller.accountId);
    const { page, out } = pageOf(input, keys, (key) => key.keyId, 1000);
    return { Keys: page.map((key) => ({ KeyId: key.keyId, KeyArn: key.arn })), ...out };
  },
};

export const updateKeyDescriptionAction: ApiAction = {
  name: 'UpdateKeyDescription',
  resource: keyResource,
  async run(input, { app, caller }) {
    await app.keys.admin.updateKeyDescription(caller.accountId, keyIdOf(input), input.string('Description'));
    return undefined;
  },
};

/**
 * Key policies are kept for the IAM work to come; a key created without one reports the policy AWS KMS would
 * show (an AWS managed key's names the service it serves).
 */
export const getKeyPolicyAction: ApiAction = {
  name: 'GetKeyPolicy',
  resource: keyResource,
  async run(input, { app, caller, region }) {
    const key = await app.keys.admin.resolve(caller.accountId, keyIdOf(input));
    return { Policy: keyPolicyOf(key, region), PolicyName: 'default' };
  },
};
