/**
 * A queue's messages are no easier to reach than its KMS key: against a real `pciq serve` with
 * @aws-sdk/client-sqs and IAM users, sending to a queue under a customer managed key needs kms:GenerateDataKey
 * and kms:Decrypt on that key, receiving needs kms:Decrypt, and a refusal is SQS's KMS.AccessDeniedException
 * (Amazon SQS Developer Guide, "Key management"). The AWS managed key alias/aws/sqs serves the account's
 * principals unless an explicit Deny says otherwise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  KMSClient,
  TagResourceCommand,
} from '@aws-sdk/client-kms';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { createUserWithPolicy } from '../support/iam-users.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { clientConfig, sqsClient } from '../support/sqs-client.ts';

function isKmsAccessDenied(action: string, keyArn: string) {
  return (error: unknown) => {
    const failure = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    assert.equal(failure.name, 'KmsAccessDenied', failure.message);
    assert.equal(failure.$metadata?.httpStatusCode, 400);
    assert.match(failure.message ?? '', new RegExp(`${action} on resource: ${keyArn}`));
    return true;
  };
}

describe('SQS requests are authorized on the KMS key of their queue', () => {
  let data: ReturnType<typeof initDataDir>;
  let server: PciqServer;
  let endpoint: string;
  let admin: SQSClient;
  let kms: KMSClient;
  let iam: IAMClient;
  const clients: Array<{ destroy(): void }> = [];

  before(async () => {
    data = initDataDir();
    server = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile });
    endpoint = await server.endpoint;
    admin = sqsClient(endpoint, data.bootstrap);
    kms = new KMSClient(clientConfig(endpoint, data.bootstrap));
    iam = new IAMClient(clientConfig(endpoint, data.bootstrap));
    clients.push(admin, kms, iam);
  });

  after(async () => {
    for (const client of clients) client.destroy();
    assert.equal(await server.stop(), 0);
    data.remove();
  });

  /** A new customer managed key, named by an alias, and a queue sealed under that alias. */
  async function cmkQueue(name: string): Promise<{ keyArn: string; queueUrl: string }> {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    await kms.send(new CreateAliasCommand({ AliasName: `alias/${name}`, TargetKeyId: KeyMetadata!.KeyId! }));
    const { QueueUrl } = await admin.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { KmsMasterKeyId: `alias/${name}` } }),
    );
    return { keyArn: KeyMetadata!.Arn!, queueUrl: QueueUrl! };
  }

  /** An SQS client for a new IAM user with one inline policy. */
  async function userWith(name: string, statements: unknown[]): Promise<SQSClient> {
    const client = sqsClient(endpoint, data.bootstrap, await createUserWithPolicy(iam, name, 'access', statements));
    clients.push(client);
    return client;
  }

  async function visibleCount(queueUrl: string): Promise<number> {
    const { Attributes } = await admin.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(Attributes!.ApproximateNumberOfMessages);
  }

  it('refuses a consumer denied kms:Decrypt on the queue key, and leaves the messages where they are', async () => {
    const { keyArn, queueUrl } = await cmkQueue('denied-decrypt');
    await admin.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'sealed' }));
    const user = await userWith('no-decrypt', [
      { Effect: 'Allow', Action: 'sqs:*', Resource: '*' },
      { Effect: 'Allow', Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Action: 'kms:Decrypt', Resource: keyArn },
    ]);
    await assert.rejects(
      user.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 30 })),
      isKmsAccessDenied('kms:Decrypt', keyArn),
    );
    assert.equal(await visibleCount(queueUrl), 1, 'the refused receive took nothing');
    // Sending needs kms:Decrypt too: SQS checks the data key it reuses.
    await assert.rejects(
      user.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' })),
      isKmsAccessDenied('kms:Decrypt', keyArn),
    );
  });

  it('refuses a producer with no KMS permission, for single and batch sends; lets it in once allowed', async () => {
    const { keyArn, queueUrl } = await cmkQueue('no-kms');
    const user = await userWith('sqs-only', [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }]);
    await assert.rejects(
      user.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' })),
      isKmsAccessDenied('kms:GenerateDataKey', keyArn),
    );
    await assert.rejects(
      user.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: 'a', MessageBody: 'x' }] })),
      isKmsAccessDenied('kms:GenerateDataKey', keyArn),
    );
    await assert.rejects(
      user.send(new ReceiveMessageCommand({ QueueUrl: queueUrl })),
      isKmsAccessDenied('kms:Decrypt', keyArn),
    );
    assert.equal(await visibleCount(queueUrl), 0, 'nothing was sent');

    const granted = await userWith('sqs-and-key', [
      { Effect: 'Allow', Action: 'sqs:*', Resource: '*' },
      { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: keyArn },
    ]);
    await granted.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'allowed' }));
    const { Messages } = await granted.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    assert.equal(Messages?.[0]?.Body, 'allowed');
  });

  it('serves the bootstrap admin on customer managed keys, and anyone allowed SQS on alias/aws/sqs', async () => {
    const { queueUrl } = await cmkQueue('admin-cmk');
    await admin.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'by the admin' }));
    const received = await admin.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    assert.equal(received.Messages?.[0]?.Body, 'by the admin');

    const { QueueUrl: managedUrl } = await admin.send(new CreateQueueCommand({ QueueName: 'managed' }));
    const user = await userWith('sqs-managed', [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }]);
    await user.send(new SendMessageCommand({ QueueUrl: managedUrl, MessageBody: 'managed key' }));
    await user.send(new SendMessageBatchCommand({ QueueUrl: managedUrl, Entries: [{ Id: 'b', MessageBody: 'y' }] }));
    const { Messages } = await user.send(new ReceiveMessageCommand({ QueueUrl: managedUrl, MaxNumberOfMessages: 10 }));
    assert.equal(Messages?.length, 2);
  });

  it("weighs the queue key's tags (aws:ResourceTag) in the decision on its use", async () => {
    const { keyArn, queueUrl } = await cmkQueue('tagged-key');
    await kms.send(new TagResourceCommand({ KeyId: keyArn, Tags: [{ TagKey: 'data', TagValue: 'cardholder' }] }));
    const user = await userWith('untagged-only', [
      { Effect: 'Allow', Action: ['sqs:*', 'kms:*'], Resource: '*' },
      {
        Effect: 'Deny',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/data': 'cardholder' } },
      },
    ]);
    await assert.rejects(
      user.send(new ReceiveMessageCommand({ QueueUrl: queueUrl })),
      isKmsAccessDenied('kms:Decrypt', keyArn),
    );
  });

  it('refuses a message move task out of a dead-letter queue whose key the caller may not decrypt with', async () => {
    const { keyArn, queueUrl: dlqUrl } = await cmkQueue('sealed-dlq');
    const arnOf = async (queueUrl: string) =>
      (await admin.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })))
        .Attributes!.QueueArn!;
    const dlqArn = await arnOf(dlqUrl);
    await admin.send(
      new CreateQueueCommand({
        QueueName: 'sealed-source',
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '1' }) },
      }),
    );
    await admin.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: 'dead letter' }));
    const { QueueUrl: readable } = await admin.send(new CreateQueueCommand({ QueueName: 'readable' }));
    const user = await userWith('mover', [
      { Effect: 'Allow', Action: 'sqs:*', Resource: '*' },
      { Effect: 'Deny', Action: 'kms:Decrypt', Resource: keyArn },
    ]);
    await assert.rejects(
      user.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: await arnOf(readable!) })),
      isKmsAccessDenied('kms:Decrypt', keyArn),
    );
    assert.equal(await visibleCount(dlqUrl), 1, 'nothing was moved');
  });

  it('refuses a message move task back to a source queue whose key the caller may not use to send', async () => {
    const { QueueUrl: dlqUrl } = await admin.send(new CreateQueueCommand({ QueueName: 'plain-dlq' }));
    const dlqArn = (await admin.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] })))
      .Attributes!.QueueArn!;
    const { keyArn, queueUrl: sourceUrl } = await cmkQueue('sealed-origin');
    await admin.send(
      new SetQueueAttributesCommand({
        QueueUrl: sourceUrl,
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '1' }) },
      }),
    );
    const user = await userWith('returner', [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }]);
    await assert.rejects(
      user.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn })),
      isKmsAccessDenied('kms:GenerateDataKey', keyArn),
    );
    const allowed = await userWith('key-returner', [
      { Effect: 'Allow', Action: 'sqs:*', Resource: '*' },
      { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: keyArn },
    ]);
    const { TaskHandle } = await allowed.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    assert.ok(TaskHandle);
  });

  it('refuses alias/aws/sqs to an explicit Deny on the managed key', async () => {
    const { QueueUrl } = await admin.send(new CreateQueueCommand({ QueueName: 'managed-denied' }));
    await admin.send(new SendMessageCommand({ QueueUrl, MessageBody: 'kept' }));
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/sqs' }));
    const managedArn = KeyMetadata!.Arn!;
    const user = await userWith('managed-denied', [
      { Effect: 'Allow', Action: 'sqs:*', Resource: '*' },
      { Effect: 'Deny', Action: 'kms:Decrypt', Resource: managedArn },
    ]);
    await assert.rejects(
      user.send(new ReceiveMessageCommand({ QueueUrl })),
      isKmsAccessDenied('kms:Decrypt', managedArn),
    );
    assert.equal(await visibleCount(QueueUrl!), 1);
  });
});
