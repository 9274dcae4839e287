/**
 * A message move task seals each message it moves under its destination queue's KMS key. Against a real
 * `pciq serve` with @aws-sdk/client-sqs and @aws-sdk/client-kms: when that key is disabled while the task
 * runs, the task stops FAILED with a reason that names the key and the queue, and every message it had not
 * moved yet stays in the dead-letter queue — none lost, none moved twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type ListMessageMoveTasksResultEntry,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { clientConfig, sqsClient } from '../support/sqs-client.ts';
import { waitFor } from '../support/wait-for.ts';

describe("a message move task whose destination's KMS key is disabled while it runs", () => {
  let data: ReturnType<typeof initDataDir>;
  let server: PciqServer;
  let sqs: SQSClient;
  let kms: KMSClient;

  before(async () => {
    data = initDataDir();
    server = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile });
    const endpoint = await server.endpoint;
    sqs = sqsClient(endpoint, data.bootstrap);
    kms = new KMSClient(clientConfig(endpoint, data.bootstrap));
  });

  after(async () => {
    sqs.destroy();
    kms.destroy();
    assert.equal(await server.stop(), 0);
    data.remove();
  });

  const arnOf = async (queueUrl: string) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!
      .QueueArn!;

  /** Receives every visible message of a queue, keeping them in flight so that each is seen once. */
  async function drain(queueUrl: string): Promise<string[]> {
    const bodies: string[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }),
      );
      if (Messages.length === 0) return bodies;
      bodies.push(...Messages.map((message) => message.Body!));
    }
  }

  it('stops FAILED, names the key and the queue, and leaves the messages not moved in the dead-letter queue', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const keyArn = KeyMetadata!.Arn!;
    const { QueueUrl: dlqUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'payments-dlq' }));
    const { QueueUrl: reviewUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'payments-review', Attributes: { KmsMasterKeyId: keyArn } }),
    );
    const dlqArn = await arnOf(dlqUrl!);
    const reviewArn = await arnOf(reviewUrl!);
    await sqs.send(
      new CreateQueueCommand({
        QueueName: 'payments',
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) },
      }),
    );
    const sent = Array.from({ length: 60 }, (_, i) => `payment ${i}`);
    for (let i = 0; i < sent.length; i += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: dlqUrl,
          Entries: sent.slice(i, i + 10).map((body, index) => ({ Id: String(index), MessageBody: body })),
        }),
      );
    }
    await sqs.send(
      new StartMessageMoveTaskCommand({
        SourceArn: dlqArn,
        DestinationArn: reviewArn,
        MaxNumberOfMessagesPerSecond: 2,
      }),
    );
    const task = async (): Promise<ListMessageMoveTasksResultEntry> =>
      (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results![0]!;
    await waitFor('some messages moved', async () => ((await task()).ApproximateNumberOfMessagesMoved ?? 0) > 0);
    await kms.send(new DisableKeyCommand({ KeyId: keyArn }));

    const failed = await waitFor('the task to stop', async () => {
      const current = await task();
      return current.Status !== 'RUNNING' && current;
    });
    assert.equal(failed.Status, 'FAILED');
    assert.equal(
      failed.FailureReason,
      `KMS.DisabledException: the KMS key ${keyArn} of the destination queue ${reviewArn} is disabled, so no message can be sealed for it; enable the key, then start a new task for the messages left in the source queue.`,
    );
    const moved = failed.ApproximateNumberOfMessagesMoved!;
    assert.ok(moved > 0 && moved < sent.length, `moved ${moved}`);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal((await task()).ApproximateNumberOfMessagesMoved, moved, 'nothing moved after the task failed');

    const left = await drain(dlqUrl!);
    assert.equal(left.length, sent.length - moved, 'every message not moved is still in the dead-letter queue');
    // The moved ones are in the destination, readable again once its key is enabled: each message is in
    // exactly one of the two queues.
    await kms.send(new EnableKeyCommand({ KeyId: keyArn }));
    const arrived = await drain(reviewUrl!);
    assert.equal(arrived.length, moved);
    assert.deepEqual([...left, ...arrived].sort(), [...sent].sort());
  });
});
