/**
 * Who may use and manage which KMS key, against a real `pciq serve` with @aws-sdk/client-kms and IAM users
 * whose policies grant them one key only: each request is authorized on the key it acts on, however the
 * request names it (AWS KMS, "Authorization for KMS keys" and "Controlling access to aliases").
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ReEncryptCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createUserWithPolicy } from '../support/iam-users.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { clientConfig } from '../support/sqs-client.ts';

function isAccessDenied(action: string, resource: string) {
  return (error: unknown) => {
    const failure = error as { name?: string; message?: string };
    assert.equal(failure.name, 'AccessDeniedException', failure.message);
    assert.match(failure.message ?? '', new RegExp(`${action} on resource: ${resource}`));
    return true;
  };
}

/** AWS KMS's refusal of a use that the key policy grants nobody, whatever IAM policies allow. */
function isRefusedByKeyPolicy(action: string, resource: string) {
  return (error: unknown) => {
    isAccessDenied(action, resource)(error);
    assert.match((error as Error).message, new RegExp(`because no resource-based policy allows the ${action} action`));
    return true;
  };
}

/** The 16 bytes of a key id as a pciq ciphertext header names its key (after the version byte). */
function keyIdBytes(keyId: string): Buffer {
  return Buffer.from(keyId.replace(/-/g, ''), 'hex');
}

describe('KMS authorization on the key a request acts on', () => {
  let data: ReturnType<typeof initDataDir>;
  let server: PciqServer;
  let endpoint: string;
  let admin: KMSClient;
  let iam: IAMClient;
  const clients: Array<{ destroy(): void }> = [];

  before(async () => {
    data = initDataDir();
    server = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile });
    endpoint = await server.endpoint;
    admin = new KMSClient(clientConfig(endpoint, data.bootstrap));
    iam = new IAMClient(clientConfig(endpoint, data.bootstrap));
    clients.push(admin, iam);
  });

  after(async () => {
    for (const client of clients) client.destroy();
    assert.equal(await server.stop(), 0);
    data.remove();
  });

  async function newKey(): Promise<{ keyId: string; arn: string }> {
    const { KeyMetadata } = await admin.send(new CreateKeyCommand({}));
    return { keyId: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn! };
  }

  /** A KMS client for a new IAM user with one inline policy. */
  async function userWith(name: string, statements: unknown[]): Promise<KMSClient> {
    const client = new KMSClient(
      clientConfig(endpoint, data.bootstrap, await createUserWithPolicy(iam, name, 'keys', statements)),
    );
    clients.push(client);
    return client;
  }

  it('re-encrypts only from a key the caller may ReEncryptFrom, to a key it may ReEncryptTo', async () => {
    const theirs = await newKey();
    const mine = await newKey();
    const { CiphertextBlob } = await admin.send(
      new EncryptCommand({ KeyId: theirs.keyId, Plaintext: Buffer.from('not yours to read') }),
    );
    const user = await userWith('reencrypter', [
      { Effect: 'Allow', Action: ['kms:ReEncrypt*', 'kms:Decrypt'], Resource: mine.arn },
    ]);
    await assert.rejects(user.send(new DecryptCommand({ CiphertextBlob })), isAccessDenied('kms:Decrypt', theirs.arn));
    await assert.rejects(
      user.send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: mine.keyId })),
      isAccessDenied('kms:ReEncryptFrom', theirs.arn),
    );

    const own = await admin.send(new EncryptCommand({ KeyId: mine.keyId, Plaintext: Buffer.from('mine') }));
    await assert.rejects(
      user.send(new ReEncryptCommand({ CiphertextBlob: own.CiphertextBlob, DestinationKeyId: theirs.keyId })),
      isAccessDenied('kms:ReEncryptTo', theirs.arn),
    );
    // The two permissions AWS KMS names, each on its own key, are what ReEncrypt needs.
    const mover = await userWith('mover', [
      { Effect: 'Allow', Action: 'kms:ReEncryptFrom', Resource: mine.arn },
      { Effect: 'Allow', Action: 'kms:ReEncryptTo', Resource: theirs.arn },
    ]);
    const moved = await mover.send(
      new ReEncryptCommand({ CiphertextBlob: own.CiphertextBlob, DestinationKeyId: theirs.keyId }),
    );
    assert.equal(moved.SourceKeyId, mine.arn);
    assert.equal(moved.KeyId, theirs.arn);
  });

  it('authorizes a key named by its alias as the key itself: a Deny on the key holds through any alias', async () => {
    const denied = await newKey();
    const allowed = await newKey();
    await admin.send(new CreateAliasCommand({ AliasName: 'alias/denied', TargetKeyId: denied.keyId }));
    await admin.send(new CreateAliasCommand({ AliasName: 'alias/allowed', TargetKeyId: allowed.keyId }));
    const user = await userWith('alias-user', [
      { Effect: 'Allow', Action: ['kms:Encrypt', 'kms:DescribeKey'], Resource: '*' },
      { Effect: 'Deny', Action: ['kms:Encrypt', 'kms:DescribeKey'], Resource: denied.arn },
    ]);
    const aliasArn = `arn:aws:kms:${data.bootstrap.region}:${data.bootstrap.accountId}:alias/denied`;
    for (const keyId of [denied.keyId, 'alias/denied', aliasArn]) {
      await assert.rejects(
        user.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })),
        isAccessDenied('kms:Encrypt', denied.arn),
      );
      await assert.rejects(
        user.send(new DescribeKeyCommand({ KeyId: keyId })),
        isAccessDenied('kms:DescribeKey', denied.arn),
      );
    }
    // A grant on the key reaches it through its alias too.
    const keyOnly = await userWith('key-only', [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: allowed.arn }]);
    const out = await keyOnly.send(new EncryptCommand({ KeyId: 'alias/allowed', Plaintext: Buffer.from('x') }));
    assert.equal(out.KeyId, allowed.arn);
  });

  it('changes an alias only for a caller allowed on the alias and on every key it points to, before and after', async () => {
    const production = await newKey();
    const attacker = await newKey();
    await admin.send(new CreateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: production.keyId }));
    const aliasArn = `arn:aws:kms:${data.bootstrap.region}:${data.bootstrap.accountId}:alias/orders`;
    // PCI DSS 3.7.7: nobody substitutes the key behind an alias without rights on the key it replaces.
    const user = await userWith('alias-changer', [
      { Effect: 'Allow', Action: ['kms:UpdateAlias', 'kms:DeleteAlias', 'kms:CreateAlias'], Resource: attacker.arn },
      { Effect: 'Allow', Action: ['kms:UpdateAlias', 'kms:DeleteAlias', 'kms:CreateAlias'], Resource: aliasArn },
    ]);
    await assert.rejects(
      user.send(new UpdateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: attacker.keyId })),
      isAccessDenied('kms:UpdateAlias', production.arn),
    );
    await assert.rejects(
      user.send(new DeleteAliasCommand({ AliasName: 'alias/orders' })),
      isAccessDenied('kms:DeleteAlias', production.arn),
    );
    const described = await admin.send(new DescribeKeyCommand({ KeyId: 'alias/orders' }));
    assert.equal(described.KeyMetadata!.Arn, production.arn, 'the alias still names the production key');

    const otherAlias = `arn:aws:kms:${data.bootstrap.region}:${data.bootstrap.accountId}:alias/elsewhere`;
    const keyOnly = await userWith('alias-key-only', [
      { Effect: 'Allow', Action: 'kms:CreateAlias', Resource: attacker.arn },
    ]);
    await assert.rejects(
      keyOnly.send(new CreateAliasCommand({ AliasName: 'alias/elsewhere', TargetKeyId: attacker.keyId })),
      isAccessDenied('kms:CreateAlias', otherAlias),
    );
    await assert.rejects(
      user.send(new CreateAliasCommand({ AliasName: 'alias/orders-2', TargetKeyId: attacker.keyId })),
      isAccessDenied('kms:CreateAlias', `${aliasArn}-2`),
    );
    // Allowed on the alias and on both keys, the change goes through.
    const owner = await userWith('alias-owner', [
      { Effect: 'Allow', Action: 'kms:UpdateAlias', Resource: [aliasArn, production.arn, attacker.arn] },
    ]);
    await owner.send(new UpdateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: attacker.keyId }));
    const moved = await admin.send(new DescribeKeyCommand({ KeyId: 'alias/orders' }));
    assert.equal(moved.KeyMetadata!.Arn, attacker.arn);
  });

  it("sees a key's tags (aws:ResourceTag): a Deny on keys tagged for card data holds, by id and by alias", async () => {
    const { KeyMetadata: cardKey } = await admin.send(
      new CreateKeyCommand({ Tags: [{ TagKey: 'data', TagValue: 'cardholder' }] }),
    );
    await admin.send(new CreateAliasCommand({ AliasName: 'alias/card-data', TargetKeyId: cardKey!.KeyId! }));
    const plain = await newKey();
    const app = await userWith('app-no-card-keys', [
      { Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' },
      {
        Effect: 'Deny',
        Action: 'kms:*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/data': 'cardholder' } },
      },
    ]);
    await app.send(new EncryptCommand({ KeyId: plain.keyId, Plaintext: Buffer.from('ok') }));
    for (const keyId of [cardKey!.KeyId!, 'alias/card-data'])
      await assert.rejects(
        app.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('no') })),
        isAccessDenied('kms:Encrypt', cardKey!.Arn!),
      );
  });

  it('refuses direct Encrypt, Decrypt, GenerateDataKey and ReEncrypt under AWS managed keys, which serve their service only', async () => {
    const sqs = new SQSClient(clientConfig(endpoint, data.bootstrap));
    clients.push(sqs);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'managed-key-queue' }));
    // Key metadata stays readable (the managed key policies allow kms:Describe* to the account).
    const { KeyMetadata: sqsKey } = await admin.send(new DescribeKeyCommand({ KeyId: 'alias/aws/sqs' }));
    const { KeyMetadata: vaultKey } = await admin.send(new DescribeKeyCommand({ KeyId: 'alias/aws/vault' }));
    assert.equal(sqsKey!.KeyManager, 'AWS');
    const sqsArn = sqsKey!.Arn!;
    // Its key policy says so, as in AWS: use through SQS only.
    const { Policy } = await admin.send(new GetKeyPolicyCommand({ KeyId: sqsKey!.KeyId!, PolicyName: 'default' }));
    const [viaService] = JSON.parse(Policy!).Statement;
    assert.deepEqual(viaService.Condition.StringEquals, {
      'kms:CallerAccount': data.bootstrap.accountId,
      'kms:ViaService': `sqs.${data.bootstrap.region}.amazonaws.com`,
    });
    const user = await userWith('allowed-every-key', [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }]);
    for (const client of [admin, user]) {
      for (const keyId of ['alias/aws/sqs', sqsKey!.KeyId!, sqsArn])
        await assert.rejects(
          client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })),
          isRefusedByKeyPolicy('kms:Encrypt', sqsArn),
        );
      await assert.rejects(
        client.send(new GenerateDataKeyCommand({ KeyId: 'alias/aws/vault', KeySpec: 'AES_256' })),
        isRefusedByKeyPolicy('kms:GenerateDataKey', vaultKey!.Arn!),
      );
      await assert.rejects(
        client.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: 'alias/aws/sqs', NumberOfBytes: 32 })),
        isRefusedByKeyPolicy('kms:GenerateDataKeyWithoutPlaintext', sqsArn),
      );
    }
    const own = await newKey();
    const { CiphertextBlob } = await admin.send(new EncryptCommand({ KeyId: own.keyId, Plaintext: Buffer.from('x') }));
    await assert.rejects(
      admin.send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: 'alias/aws/sqs' })),
      isRefusedByKeyPolicy('kms:ReEncryptTo', sqsArn),
    );
    // A blob naming the managed key (a message payload out of a backup, say) is refused before any opening.
    const underManagedKey = Buffer.from(CiphertextBlob!);
    keyIdBytes(sqsKey!.KeyId!).copy(underManagedKey, 1);
    await assert.rejects(
      admin.send(new DecryptCommand({ CiphertextBlob: underManagedKey })),
      isRefusedByKeyPolicy('kms:Decrypt', sqsArn),
    );
    await assert.rejects(
      admin.send(new ReEncryptCommand({ CiphertextBlob: underManagedKey, DestinationKeyId: own.keyId })),
      isRefusedByKeyPolicy('kms:ReEncryptFrom', sqsArn),
    );
    // Through SQS, the service it serves, the key seals and opens as ever.
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'sealed under alias/aws/sqs' }));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    assert.equal(Messages?.[0]?.Body, 'sealed under alias/aws/sqs');
  });
});
