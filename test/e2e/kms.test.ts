/**
 * pciq's KMS API against real clients: @aws-sdk/client-kms (JSON 1.1) and the AWS CLI, and SQS queues
 * whose KmsMasterKeyId names a customer key.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { after, before, describe, it } from 'node:test';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ReEncryptCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-kms';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { hasAwsCli, runAwsCli } from '../support/aws-cli.ts';
import { pciqAsync } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';

describe('KMS API against pciq serve', () => {
  let data: ReturnType<typeof initDataDir>;
  let server: PciqServer;
  let kms: KMSClient;
  let sqs: SQSClient;
  let endpoint: string;

  before(async () => {
    data = initDataDir();
    server = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile });
    endpoint = await server.endpoint;
    const common = {
      endpoint,
      region: data.bootstrap.region,
      credentials: data.bootstrap,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        httpsAgent: new Agent({ ca: readFileSync(data.bootstrap.caFile), keepAlive: true }),
      }),
    };
    kms = new KMSClient(common);
    sqs = new SQSClient(common);
  });

  const dataDirArgs = () => ['--data-dir', data.dataDir, '--key-file', data.keyFile];

  after(async () => {
    kms?.destroy();
    sqs?.destroy();
    assert.equal(await server.stop(), 0);
    const logs = server.stdout + server.stderr;
    assert.doesNotMatch(logs, /plaintext-secret-4711/, 'no plaintext in the server output');
    data.remove();
  });

  it('creates keys and aliases, encrypts and decrypts bound to an encryption context', async () => {
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({ Description: 'sdk key', Tags: [{ TagKey: 'team', TagValue: 'payments' }] }),
    );
    assert.match(KeyMetadata!.KeyId!, /^[0-9a-f-]{36}$/);
    assert.equal(
      KeyMetadata!.Arn,
      `arn:aws:kms:${data.bootstrap.region}:${data.bootstrap.accountId}:key/${KeyMetadata!.KeyId}`,
    );
    assert.equal(KeyMetadata!.KeyState, 'Enabled');
    assert.ok(KeyMetadata!.CreationDate instanceof Date);
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/sdk', TargetKeyId: KeyMetadata!.KeyId }));
    const described = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/sdk' }));
    assert.equal(described.KeyMetadata!.KeyId, KeyMetadata!.KeyId);
    const context = { tenant: 'acme' };
    const encrypted = await kms.send(
      new EncryptCommand({
        KeyId: 'alias/sdk',
        Plaintext: Buffer.from('plaintext-secret-4711'),
        EncryptionContext: context,
      }),
    );
    assert.equal(encrypted.KeyId, KeyMetadata!.Arn);
    const decrypted = await kms.send(
      new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: context }),
    );
    assert.equal(Buffer.from(decrypted.Plaintext!).toString(), 'plaintext-secret-4711');
    await assert.rejects(
      kms.send(
        new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { tenant: 'other' } }),
      ),
      { name: 'InvalidCiphertextException' },
    );
    const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: KeyMetadata!.KeyId, KeySpec: 'AES_256' }));
    assert.equal(dataKey.Plaintext!.length, 32);
    const second = await kms.send(new CreateKeyCommand({}));
    const moved = await kms.send(
      new ReEncryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, DestinationKeyId: second.KeyMetadata!.KeyId }),
    );
    const reopened = await kms.send(new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob }));
    assert.deepEqual(Buffer.from(reopened.Plaintext!), Buffer.from(dataKey.Plaintext!));
    assert.equal(reopened.KeyId, second.KeyMetadata!.Arn);
    await kms.send(new TagResourceCommand({ KeyId: KeyMetadata!.KeyId, Tags: [{ TagKey: 'env', TagValue: 'prod' }] }));
    const tags = await kms.send(new ListResourceTagsCommand({ KeyId: KeyMetadata!.KeyId }));
    assert.deepEqual(tags.Tags, [
      { TagKey: 'env', TagValue: 'prod' },
      { TagKey: 'team', TagValue: 'payments' },
    ]);
    const keys = await kms.send(new ListKeysCommand({}));
    assert.ok(keys.Keys!.some((key) => key.KeyId === KeyMetadata!.KeyId));
    const aliases = await kms.send(new ListAliasesCommand({}));
    assert.ok(
      aliases.Aliases!.some((alias) => alias.AliasName === 'alias/sdk' && alias.TargetKeyId === KeyMetadata!.KeyId),
    );
  });

  it('rotates on demand, keeps decrypting old ciphertexts, and answers with the errors KMS clients expect', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const keyId = KeyMetadata!.KeyId!;
    const old = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('v1') }));
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    const rotations = await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }));
    assert.equal(rotations.Rotations!.length, 1);
    assert.equal(rotations.Rotations![0]!.RotationType, 'ON_DEMAND');
    assert.equal(
      Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: old.CiphertextBlob }))).Plaintext!).toString(),
      'v1',
    );
    await kms.send(new DisableKeyCommand({ KeyId: keyId }));
    await assert.rejects(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })), {
      name: 'DisabledException',
    });
    await assert.rejects(kms.send(new DecryptCommand({ CiphertextBlob: old.CiphertextBlob })), {
      name: 'DisabledException',
    });
    await kms.send(new EnableKeyCommand({ KeyId: keyId }));
    await assert.rejects(kms.send(new DescribeKeyCommand({ KeyId: '00000000-0000-4000-8000-000000000000' })), {
      name: 'NotFoundException',
    });
    await assert.rejects(kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/mine', TargetKeyId: keyId })), {
      name: 'InvalidAliasNameException',
    });
    await assert.rejects(kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 3 })), {
      name: 'ValidationException',
    });
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    assert.equal(scheduled.KeyState, 'PendingDeletion');
    await assert.rejects(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })), {
      name: 'KMSInvalidStateException',
    });
    await assert.rejects(
      kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from('not a ciphertext at all, really') })),
      {
        name: 'InvalidCiphertextException',
      },
    );
  });

  it('refuses SendMessage and ReceiveMessage with KmsDisabled while a queue key is disabled, and serves again once enabled', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/queue-key', TargetKeyId: KeyMetadata!.KeyId }));
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'kms-queue', Attributes: { KmsMasterKeyId: 'alias/queue-key' } }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'while enabled' }));
    await kms.send(new DisableKeyCommand({ KeyId: KeyMetadata!.KeyId }));
    await assert.rejects(
      sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'refused' })),
      (error: Error & { Code?: string }) => {
        assert.equal(error.name, 'KmsDisabled');
        assert.match(error.message, /disabled/);
        return true;
      },
    );
    await assert.rejects(sqs.send(new ReceiveMessageCommand({ QueueUrl })), { name: 'KmsDisabled' });
    // pciq keys describe names the queues that need the key, next to its usage counts.
    const described = await pciqAsync(['keys', 'describe', 'alias/queue-key', ...dataDirArgs()]);
    assert.equal(described.status, 0, described.stderr);
    assert.match(described.stdout, /^used by +arn:aws:sqs:[a-z0-9-]+:\d{12}:kms-queue$/m);
    await kms.send(new EnableKeyCommand({ KeyId: KeyMetadata!.KeyId }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'after enabling' }));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    assert.deepEqual(Messages!.map((m) => m.Body).sort(), ['after enabling', 'while enabled']);
  });

  it('works with the real AWS CLI: create-key, create-alias, enable-key-rotation, disable-key', async (t) => {
    if (!hasAwsCli()) return t.skip('the AWS CLI is not installed');
    const aws = (...args: string[]) => runAwsCli(endpoint, data.bootstrap, args);
    const created = await aws('kms', 'create-key', '--description', 'cli key');
    assert.equal(created.status, 0, created.stderr);
    const keyId = created.json().KeyMetadata.KeyId as string;
    assert.equal(created.json().KeyMetadata.KeyState, 'Enabled');
    assert.equal((await aws('kms', 'create-alias', '--alias-name', 'alias/cli', '--target-key-id', keyId)).status, 0);
    const rotation = await aws('kms', 'enable-key-rotation', '--key-id', keyId, '--rotation-period-in-days', '180');
    assert.equal(rotation.status, 0, rotation.stderr);
    const status = (await aws('kms', 'get-key-rotation-status', '--key-id', keyId)).json();
    assert.equal(status.KeyRotationEnabled, true);
    assert.equal(status.RotationPeriodInDays, 180);
    assert.equal((await aws('kms', 'disable-key', '--key-id', keyId)).status, 0);
    const described = (await aws('kms', 'describe-key', '--key-id', 'alias/cli')).json();
    assert.equal(described.KeyMetadata.KeyState, 'Disabled');
    const refused = await aws('kms', 'encrypt', '--key-id', 'alias/cli', '--plaintext', 'aGVsbG8=');
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /DisabledException/);
    const queue = await aws(
      'sqs',
      'create-queue',
      '--queue-name',
      'cli-kms',
      '--attributes',
      'KmsMasterKeyId=alias/cli',
    );
    assert.equal(queue.status, 0, queue.stderr);
    const queueUrl = queue.json().QueueUrl as string;
    const send = await aws('sqs', 'send-message', '--queue-url', queueUrl, '--message-body', 'x');
    assert.notEqual(send.status, 0);
    // botocore surfaces SQS's legacy (query-compatible) code for KmsDisabled, as against AWS.
    assert.match(send.stderr, /KMS\.DisabledException|KmsDisabled/);
    assert.equal((await aws('kms', 'enable-key', '--key-id', keyId)).status, 0);
    assert.equal((await aws('sqs', 'send-message', '--queue-url', queueUrl, '--message-body', 'x')).status, 0);
  });

  it('creates an AWS managed key when DescribeKey first names its alias, for each service pciq seals for', async () => {
    for (const alias of ['alias/aws/lambda', 'alias/aws/vault']) {
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: alias }));
      assert.equal(KeyMetadata!.KeyManager, 'AWS', alias);
      const again = await kms.send(new DescribeKeyCommand({ KeyId: alias }));
      assert.equal(again.KeyMetadata!.KeyId, KeyMetadata!.KeyId, 'created once');
    }
  });

  it('reports rotation status to the SDK as the CLI set it', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const off = await kms.send(new GetKeyRotationStatusCommand({ KeyId: KeyMetadata!.KeyId }));
    assert.equal(off.KeyRotationEnabled, false);
  });
});
