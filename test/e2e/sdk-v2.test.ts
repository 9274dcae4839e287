import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { after, before, describe, it } from 'node:test';
import AWS from 'aws-sdk';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';

describe('aws-sdk v2 against pciq serve', () => {
  let data: ReturnType<typeof initDataDir>;
  let server: PciqServer;
  let sqs: AWS.SQS;

  before(async () => {
    data = initDataDir();
    server = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile });
    sqs = new AWS.SQS({
      endpoint: await server.endpoint,
      region: data.bootstrap.region,
      credentials: new AWS.Credentials(data.bootstrap.accessKeyId, data.bootstrap.secretAccessKey),
      httpOptions: { agent: new Agent({ ca: readFileSync(data.bootstrap.caFile), keepAlive: true }) },
      maxRetries: 0,
    });
  });
  after(async () => {
    await server.stop();
    data.remove();
  });

  it('sends and receives with the checksums v2 verifies, and deletes', async () => {
    const { QueueUrl } = await sqs.createQueue({ QueueName: 'v2-queue' }).promise();
    await sqs
      .sendMessageBatch({
        QueueUrl: QueueUrl!,
        Entries: [
          { Id: 'a', MessageBody: 'first', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } },
          { Id: 'b', MessageBody: 'second' },
        ],
      })
      .promise();
    const received = await sqs
      .receiveMessage({ QueueUrl: QueueUrl!, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] })
      .promise();
    assert.deepEqual(received.Messages?.map((m) => m.Body).sort(), ['first', 'second']);
    await sqs
      .deleteMessageBatch({
        QueueUrl: QueueUrl!,
        Entries: received.Messages!.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })),
      })
      .promise();
    const attributes = await sqs
      .getQueueAttributes({ QueueUrl: QueueUrl!, AttributeNames: ['ApproximateNumberOfMessages'] })
      .promise();
    assert.equal(attributes.Attributes?.['ApproximateNumberOfMessages'], '0');
  });

  it('reports a missing queue with the code v2 users branch on', async () => {
    await assert.rejects(sqs.getQueueUrl({ QueueName: 'v2-missing' }).promise(), (error: AWS.AWSError) => {
      assert.match(error.code, /QueueDoesNotExist|NonExistentQueue/);
      return true;
    });
  });
});
