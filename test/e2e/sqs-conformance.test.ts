import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CancelMessageMoveTaskCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { signedRequest } from '../support/signed-request.ts';
import { sqsClient } from '../support/sqs-client.ts';

/** Where pciq once parted from Amazon SQS as an unchanged AWS SDK v3 client sees it. */
describe('SQS conformance through AWS SDK v3 against pciq serve', () => {
  let data: ReturnType<typeof initDataDir>;
  let server: PciqServer;
  let sqs: SQSClient;
  let endpoint: string;

  before(async () => {
    data = initDataDir();
    server = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile });
    endpoint = await server.endpoint;
    sqs = sqsClient(endpoint, data.bootstrap);
  });

  after(async () => {
    sqs?.destroy();
    assert.equal(await server.stop(), 0);
    data.remove();
  });

  async function arnOf(queueUrl: string | undefined): Promise<string> {
    const got = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    return got.Attributes!['QueueArn']!;
  }

  it('creates a FIFO queue only for FifoQueue=true: a .fifo name alone names an invalid standard queue', async () => {
    for (const Attributes of [undefined, { FifoQueue: 'false' }, { ContentBasedDeduplication: 'true' }]) {
      await assert.rejects(
        sqs.send(new CreateQueueCommand({ QueueName: 'typeless.fifo', Attributes })),
        { name: 'InvalidParameterValue', message: /alphanumeric characters, hyphens, or underscores/ },
        JSON.stringify(Attributes),
      );
    }
    await assert.rejects(sqs.send(new GetQueueUrlCommand({ QueueName: 'typeless.fifo' })), {
      name: 'QueueDoesNotExist',
    });
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'typed.fifo', Attributes: { FifoQueue: 'true' } }),
    );
    const got = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['FifoQueue'] }));
    assert.equal(got.Attributes?.['FifoQueue'], 'true');
  });

  it('refuses a move task to a destination of the other queue type, and starts one to the same type', async () => {
    const standardDlq = await sqs.send(new CreateQueueCommand({ QueueName: 'std-dlq' }));
    const fifoDlq = await sqs.send(
      new CreateQueueCommand({ QueueName: 'fifo-dlq.fifo', Attributes: { FifoQueue: 'true' } }),
    );
    const redrive = async (name: string, dlqUrl: string | undefined, fifo: boolean) =>
      sqs.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: {
            ...(fifo ? { FifoQueue: 'true' } : {}),
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(dlqUrl), maxReceiveCount: 3 }),
          },
        }),
      );
    const standardSource = await redrive('std-source', standardDlq.QueueUrl, false);
    const fifoSource = await redrive('fifo-source.fifo', fifoDlq.QueueUrl, true);

    for (const [dlq, destination] of [
      [standardDlq, fifoSource],
      [fifoDlq, standardSource],
    ] as const) {
      await assert.rejects(
        sqs.send(
          new StartMessageMoveTaskCommand({
            SourceArn: await arnOf(dlq.QueueUrl),
            DestinationArn: await arnOf(destination.QueueUrl),
          }),
        ),
        { name: 'InvalidParameterValue', message: /same type/ },
      );
    }
    const task = await sqs.send(
      new StartMessageMoveTaskCommand({
        SourceArn: await arnOf(standardDlq.QueueUrl),
        DestinationArn: await arnOf(standardSource.QueueUrl),
      }),
    );
    assert.ok(task.TaskHandle);
    await assert.rejects(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: 'garbage' })), {
      name: 'InvalidParameterValue',
      message: 'Value for parameter TaskHandle is invalid.',
    });
  });

  it('returns the same messages and receipt handles to a FIFO receive retried with its ReceiveRequestAttemptId', async () => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'attempts.fifo',
        Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
      }),
    );
    for (const [group, body] of [
      ['a', 'a1'],
      ['b', 'b1'],
    ] as const) {
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageGroupId: group }));
    }
    const receive = async (attemptId: string) =>
      (
        await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, ReceiveRequestAttemptId: attemptId }),
        )
      ).Messages ?? [];
    const first = await receive('lost-response');
    assert.equal(first[0]?.Body, 'a1');
    const retried = await receive('lost-response');
    assert.deepEqual(
      retried.map((m) => [m.MessageId, m.ReceiptHandle]),
      first.map((m) => [m.MessageId, m.ReceiptHandle]),
    );
    assert.deepEqual(
      (await receive('next')).map((m) => m.Body),
      ['b1'],
    );
    // Once a message of the attempt changed, the same id makes a new receive.
    await sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first[0]!.ReceiptHandle, VisibilityTimeout: 0 }),
    );
    const renewed = await receive('lost-response');
    assert.equal(renewed[0]?.Body, 'a1');
    assert.notEqual(renewed[0]?.ReceiptHandle, first[0]?.ReceiptHandle);
  });

  it('refuses a whole FIFO batch when an entry has no MessageGroupId or MessageDeduplicationId', async () => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'batch.fifo', Attributes: { FifoQueue: 'true' } }),
    );
    const good = { Id: 'good', MessageBody: 'ok', MessageGroupId: 'g', MessageDeduplicationId: 'd1' };
    await assert.rejects(
      sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [good, { Id: 'bad', MessageBody: 'x' }] })),
      { name: 'InvalidParameterValue', message: 'The request must contain the parameter MessageGroupId.' },
    );
    await assert.rejects(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: [good, { Id: 'bad', MessageBody: 'x', MessageGroupId: 'g' }],
        }),
      ),
      { name: 'InvalidParameterValue', message: /MessageDeduplicationId provided explicitly/ },
    );
  });

  it('treats an expired receipt handle as SQS does: harmless on a standard queue, refused on a FIFO queue', async () => {
    const standard = await sqs.send(new CreateQueueCommand({ QueueName: 'expiring' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: standard.QueueUrl, MessageBody: 'm' }));
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: standard.QueueUrl, VisibilityTimeout: 0 }));
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: standard.QueueUrl,
        ReceiptHandle: received.Messages![0]!.ReceiptHandle,
        VisibilityTimeout: 60,
      }),
    );
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: standard.QueueUrl, VisibilityTimeout: 0 }));
    assert.equal(again.Messages?.[0]?.Body, 'm', 'the expired handle changed nothing');

    const fifo = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'expiring.fifo',
        Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
      }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: fifo.QueueUrl, MessageBody: 'f', MessageGroupId: 'g' }));
    const taken = await sqs.send(new ReceiveMessageCommand({ QueueUrl: fifo.QueueUrl, VisibilityTimeout: 0 }));
    await assert.rejects(
      sqs.send(new DeleteMessageCommand({ QueueUrl: fifo.QueueUrl, ReceiptHandle: taken.Messages![0]!.ReceiptHandle })),
      { name: 'InvalidParameterValue', message: /The receipt handle has expired/ },
    );
  });

  it('returns the message attributes a prefix wildcard or * asks for', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'attribute-filters' }));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'msg',
        MessageAttributes: {
          General: { DataType: 'String', StringValue: 'Kenobi' },
          Hello: { DataType: 'String', StringValue: 'There' },
          'Help.Me': { DataType: 'String', StringValue: 'Me' },
        },
      }),
    );
    const names = async (MessageAttributeNames: string[]) => {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames, VisibilityTimeout: 0 }));
      return Object.keys(got.Messages?.[0]?.MessageAttributes ?? {}).sort();
    };
    assert.deepEqual(await names(['Hel.*']), ['Hello', 'Help.Me']);
    assert.deepEqual(await names(['*']), ['General', 'Hello', 'Help.Me']);
    assert.deepEqual(await names(['Help']), []);
  });

  it('answers QueueDoesNotExist to GetQueueAttributes on a missing queue, with or without attribute names', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'soon-gone' }));
    assert.deepEqual((await sqs.send(new GetQueueAttributesCommand({ QueueUrl }))).Attributes, undefined);
    const missing = `${QueueUrl}-missing`;
    for (const AttributeNames of [undefined, [], ['All' as const]]) {
      await assert.rejects(
        sqs.send(new GetQueueAttributesCommand({ QueueUrl: missing, AttributeNames })),
        { name: 'QueueDoesNotExist' },
        JSON.stringify(AttributeNames),
      );
    }
  });

  it('refuses a malformed RedrivePolicy or RedriveAllowPolicy with InvalidParameterValue, as SQS does', async () => {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'policy-shapes-dlq' }));
    const deadLetterTargetArn = await arnOf(dlq.QueueUrl);
    for (const [Attributes, message] of [
      [{ RedrivePolicy: JSON.stringify({ deadLetterTargetArn, maxReceiveCount: 0 }) }, /both inclusive/],
      [{ RedrivePolicy: JSON.stringify({ deadLetterTargetArn, maxReceiveCount: '1001' }) }, /both inclusive/],
      [{ RedrivePolicy: JSON.stringify({ deadLetterTargetArn }) }, /mandatory attribute: maxReceiveCount/],
      [{ RedrivePolicy: '{not json' }, /parameter RedrivePolicy is invalid/],
      [{ RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'maybe' }) }, /parameter RedriveAllowPolicy/],
      [{ RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue' }) }, /parameter RedriveAllowPolicy/],
    ] as const) {
      await assert.rejects(
        sqs.send(new CreateQueueCommand({ QueueName: 'policy-shapes', Attributes })),
        { name: 'InvalidParameterValue', message },
        JSON.stringify(Attributes),
      );
      await assert.rejects(
        sqs.send(new SetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, Attributes })),
        { name: 'InvalidParameterValue', message },
        JSON.stringify(Attributes),
      );
    }
  });

  it('names unmodeled errors in __type as SQS does, with the legacy code in x-amzn-query-error', async () => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'wire-errors.fifo', Attributes: { FifoQueue: 'true' } }),
    );
    const call = async (target: string, body: object) =>
      signedRequest({
        endpoint,
        caFile: data.bootstrap.caFile,
        region: data.bootstrap.region,
        credentials: data.bootstrap,
        service: 'sqs',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${target}` },
        body: JSON.stringify(body),
      });
    for (const [response, type, header] of [
      [
        await call('ReceiveMessage', { QueueUrl, MaxNumberOfMessages: 11 }),
        'InvalidParameterValueException',
        'InvalidParameterValue',
      ],
      [
        await call('SendMessage', { QueueUrl, MessageBody: 'x' }),
        'MissingRequiredParameterException',
        'MissingParameter',
      ],
    ] as const) {
      assert.equal(response.status, 400);
      assert.equal(JSON.parse(response.body).__type, `com.amazonaws.sqs#${type}`);
      assert.equal(response.headers['x-amzn-query-error'], `${header};Sender`);
    }
  });
});
