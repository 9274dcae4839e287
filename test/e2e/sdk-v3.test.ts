import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { after, before, describe, it } from 'node:test';
import {
  AddPermissionCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  RemovePermissionCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type Bootstrap, initDataDir, PciqServer } from '../support/pciq-process.ts';
import { createTestSchema, skipNotice, type TestSchema, testPostgres } from '../support/postgres.ts';

/** The same client journey on each store: the embedded SQLite file, and a PostgreSQL database. */
function describeSdkV3(driver: string, makeStore?: () => Promise<TestSchema>): void {
  describe(`AWS SDK v3 (JSON protocol) against pciq serve on ${driver}`, () => {
    let schema: TestSchema | undefined;
    let data: ReturnType<typeof initDataDir>;
    let server: PciqServer;
    let sqs: SQSClient;
    let endpoint: string;

    function client(credentials: { accessKeyId: string; secretAccessKey: string }, bootstrap: Bootstrap): SQSClient {
      return new SQSClient({
        endpoint,
        region: bootstrap.region,
        credentials,
        maxAttempts: 1,
        requestHandler: new NodeHttpHandler({
          httpsAgent: new Agent({ ca: readFileSync(bootstrap.caFile), keepAlive: true }),
        }),
      });
    }

    before(async () => {
      schema = await makeStore?.();
      data = initDataDir({ store: schema?.url });
      server = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile, extra: data.storeArgs });
      endpoint = await server.endpoint;
      sqs = client(data.bootstrap, data.bootstrap);
    });

    after(async () => {
      sqs?.destroy();
      assert.equal(await server.stop(), 0, 'SIGTERM drains and exits 0');
      data.remove();
      await schema?.drop();
    });

    it('sends, receives and deletes on a standard queue, with checksums the SDK verifies', async () => {
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: 'v3-standard', tags: { team: 'payments' } }),
      );
      assert.equal(QueueUrl, `${endpoint}/${data.bootstrap.accountId}/v3-standard`);
      const sent = await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: 'order #1 ✓',
          MessageAttributes: {
            kind: { DataType: 'String', StringValue: 'order' },
            amount: { DataType: 'Number', StringValue: '12.5' },
            blob: { DataType: 'Binary', BinaryValue: Uint8Array.from([1, 2, 3]) },
          },
          MessageSystemAttributes: {
            AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793' },
          },
        }),
      );
      assert.ok(
        sent.MessageId && sent.MD5OfMessageBody && sent.MD5OfMessageAttributes && sent.MD5OfMessageSystemAttributes,
      );
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
          MaxNumberOfMessages: 10,
        }),
      );
      const [message] = received.Messages ?? [];
      assert.equal(message?.Body, 'order #1 ✓');
      assert.equal(message?.MessageAttributes?.['amount']?.StringValue, '12.5');
      assert.deepEqual([...(message?.MessageAttributes?.['blob']?.BinaryValue ?? [])], [1, 2, 3]);
      assert.equal(message?.Attributes?.['AWSTraceHeader'], 'Root=1-5759e988-bd862e3fe1be46a994272793');
      assert.equal(message?.Attributes?.['ApproximateReceiveCount'], '1');
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message!.ReceiptHandle! }));
      const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
      assert.equal(attributes.Attributes?.['ApproximateNumberOfMessages'], '0');
      assert.equal(attributes.Attributes?.['ApproximateNumberOfMessagesNotVisible'], '0');
      assert.equal(
        attributes.Attributes?.['QueueArn'],
        `arn:aws:sqs:us-east-1:${data.bootstrap.accountId}:v3-standard`,
      );
      assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags, { team: 'payments' });
    });

    it('keeps FIFO order per group and deduplicates', async () => {
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({
          QueueName: 'v3-orders.fifo',
          Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
        }),
      );
      const entries = ['a1', 'b1', 'a2', 'b2', 'a3'].map((body, i) => ({
        Id: `e${i}`,
        MessageBody: body,
        MessageGroupId: body[0]!,
      }));
      const batch = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));
      assert.equal(batch.Successful?.length, 5);
      const sequence = batch.Successful!.map((entry) => entry.SequenceNumber!);
      assert.deepEqual([...sequence].sort(), sequence, 'sequence numbers grow');
      const duplicate = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'a1', MessageGroupId: 'a' }));
      assert.equal(duplicate.MessageId, batch.Successful![0]!.MessageId);
      const first = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
      );
      assert.deepEqual(
        first.Messages?.map((m) => m.Body),
        ['a1', 'a2', 'a3', 'b1', 'b2'],
      );
      const none = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      assert.equal(none.Messages, undefined, 'every group is in flight');
    });

    it('redrives to a dead-letter queue and moves messages back with a move task', async () => {
      const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'v3-dlq' }));
      const dlqArn = (
        await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
      ).Attributes!['QueueArn']!;
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({
          QueueName: 'v3-source',
          Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '1' }) },
        }),
      );
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
      assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0 }))).Messages?.length, 1);
      assert.equal(
        (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages,
        undefined,
        'moved on the next receive',
      );
      const dead = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlq.QueueUrl,
          MessageSystemAttributeNames: ['DeadLetterQueueSourceArn'],
          VisibilityTimeout: 0,
        }),
      );
      assert.equal(dead.Messages?.[0]?.Body, 'poison');
      assert.match(dead.Messages?.[0]?.Attributes?.['DeadLetterQueueSourceArn'] ?? '', /:v3-source$/);
      const sources = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq.QueueUrl }));
      assert.deepEqual(sources.queueUrls, [QueueUrl]);
      const task = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
      assert.ok(task.TaskHandle);
      const listed = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }));
      assert.equal(listed.Results?.[0]?.SourceArn, dlqArn);
    });

    it('batches: deletes, visibility changes, and per-entry failures', async () => {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'v3-batch' }));
      const sent = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: [
            { Id: 'ok', MessageBody: 'fine' },
            { Id: 'bad', MessageBody: 'bad\u0000char' },
          ],
        }),
      );
      assert.deepEqual(
        sent.Successful?.map((e) => e.Id),
        ['ok'],
      );
      assert.deepEqual(
        sent.Failed?.map((e) => [e.Id, e.Code, e.SenderFault]),
        [['bad', 'InvalidMessageContents', true]],
      );
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      const handle = received.Messages![0]!.ReceiptHandle!;
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: handle, VisibilityTimeout: 0 }));
      const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
      const deleted = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: [
            { Id: 'd1', ReceiptHandle: again.Messages![0]!.ReceiptHandle! },
            { Id: 'd2', ReceiptHandle: 'not-a-handle' },
          ],
        }),
      );
      assert.deepEqual(
        deleted.Successful?.map((e) => e.Id),
        ['d1'],
      );
      assert.deepEqual(
        deleted.Failed?.map((e) => [e.Id, e.Code]),
        [['d2', 'ReceiptHandleIsInvalid']],
      );
      await assert.rejects(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [] })), {
        name: 'EmptyBatchRequest',
      });
      await assert.rejects(
        sqs.send(
          new SendMessageBatchCommand({
            QueueUrl,
            Entries: [
              { Id: 'x', MessageBody: 'a' },
              { Id: 'x', MessageBody: 'b' },
            ],
          }),
        ),
        { name: 'BatchEntryIdsNotDistinct' },
      );
    });

    it('delays messages and wakes a long poll as soon as a message arrives', async () => {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'v3-timing' }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'later', DelaySeconds: 600 }));
      const counts = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }),
      );
      assert.equal(counts.Attributes?.['ApproximateNumberOfMessagesDelayed'], '1');
      const started = Date.now();
      const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'now' }));
      const result = await polling;
      assert.equal(result.Messages?.[0]?.Body, 'now');
      assert.ok(Date.now() - started < 5_000, 'the poll returned on arrival, not at its deadline');
    });

    it('manages queues: list with prefix and pagination, set attributes, tags, purge, delete', async () => {
      for (const name of ['v3-list-a', 'v3-list-b', 'v3-list-c'])
        await sqs.send(new CreateQueueCommand({ QueueName: name }));
      const page1 = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'v3-list-', MaxResults: 2 }));
      assert.equal(page1.QueueUrls?.length, 2);
      const page2 = await sqs.send(
        new ListQueuesCommand({ QueueNamePrefix: 'v3-list-', MaxResults: 2, NextToken: page1.NextToken }),
      );
      assert.deepEqual(
        page2.QueueUrls?.map((url) => url.split('/').pop()),
        ['v3-list-c'],
      );
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'v3-list-a' }));
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: '120' } }));
      const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['VisibilityTimeout'] }));
      assert.equal(attrs.Attributes?.['VisibilityTimeout'], '120');
      await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { a: '1', b: '2' } }));
      await sqs.send(new UntagQueueCommand({ QueueUrl, TagKeys: ['a'] }));
      assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags, { b: '2' });
      await sqs.send(new PurgeQueueCommand({ QueueUrl }));
      await assert.rejects(sqs.send(new PurgeQueueCommand({ QueueUrl })), { name: 'PurgeQueueInProgress' });
      await sqs.send(new DeleteQueueCommand({ QueueUrl }));
      await assert.rejects(
        sqs.send(new GetQueueUrlCommand({ QueueName: 'v3-list-a' })),
        (error: Error & { Code?: string }) => {
          assert.equal(error.name, 'QueueDoesNotExist');
          return true;
        },
      );
    });

    it('answers errors with the names SDK v3 maps to exceptions', async () => {
      await assert.rejects(
        sqs.send(
          new SendMessageCommand({ QueueUrl: `${endpoint}/${data.bootstrap.accountId}/missing`, MessageBody: 'x' }),
        ),
        {
          name: 'QueueDoesNotExist',
        },
      );
      await assert.rejects(sqs.send(new CreateQueueCommand({ QueueName: 'bad name' })), {
        name: 'InvalidParameterValue',
      });
      await assert.rejects(
        sqs.send(new CreateQueueCommand({ QueueName: 'x', Attributes: { VisibilityTimeout: '99999' } })),
        {
          name: 'InvalidAttributeValue',
        },
      );
      const permission = new AddPermissionCommand({
        QueueUrl: `${endpoint}/${data.bootstrap.accountId}/v3-batch`,
        Label: 'l',
        AWSAccountIds: ['111111111111'],
        Actions: ['SendMessage'],
      });
      await sqs.send(permission);
      await assert.rejects(sqs.send(permission), {
        name: 'InvalidParameterValue',
        message: /Label is invalid.*Already exists/,
      });
      await assert.rejects(
        sqs.send(
          new RemovePermissionCommand({ QueueUrl: `${endpoint}/${data.bootstrap.accountId}/v3-batch`, Label: 'm' }),
        ),
        { name: 'InvalidParameterValue', message: /can't find label/ },
      );
    });

    it('refuses a wrong secret with SignatureDoesNotMatch and an unknown key with InvalidClientTokenId', async () => {
      const wrongSecret = client(
        { accessKeyId: data.bootstrap.accessKeyId, secretAccessKey: 'x'.repeat(40) },
        data.bootstrap,
      );
      await assert.rejects(wrongSecret.send(new ListQueuesCommand({})), { name: 'SignatureDoesNotMatch' });
      wrongSecret.destroy();
      const unknown = client(
        { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: data.bootstrap.secretAccessKey },
        data.bootstrap,
      );
      await assert.rejects(unknown.send(new ListQueuesCommand({})), { name: 'InvalidClientTokenId' });
      unknown.destroy();
    });
  });
}

// Probed before any test runs: the tests' synchronous child processes (pciq init) would stall the probe past
// its timeout and skip the PostgreSQL tests.
const postgres = await testPostgres();
describeSdkV3('sqlite');
if ('skip' in postgres) skipNotice('AWS SDK v3 (JSON protocol) against pciq serve on postgres', postgres.skip);
else describeSdkV3('postgres', () => createTestSchema(postgres.url));
