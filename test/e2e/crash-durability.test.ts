import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { sqsClient } from '../support/sqs-client.ts';

describe('durability across kill -9', () => {
  const data = initDataDir();
  after(() => data.remove());

  it('brings back every acknowledged message exactly once after the server is killed mid-stream', async () => {
    const first = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile });
    const sqs = sqsClient(await first.endpoint, data.bootstrap);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'crash' }));
    const acknowledged = new Set<string>();
    let sent = 0;
    let killed = false;
    // Four producers keep sending batches of 10; the server is killed once 1000 are acknowledged,
    // while requests are still in flight.
    const producer = async () => {
      while (!killed) {
        const batch = Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `message ${sent++}` }));
        try {
          const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: batch }));
          for (const entry of result.Successful ?? []) acknowledged.add(entry.MessageId!);
        } catch {
          return; // the server is gone
        }
        if (acknowledged.size >= 1000 && !killed) {
          killed = true;
          first.process.kill('SIGKILL');
        }
      }
    };
    await Promise.all([producer(), producer(), producer(), producer()]);
    await first.exited;
    sqs.destroy();
    assert.ok(acknowledged.size >= 1000);

    const second = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile });
    const again = sqsClient(await second.endpoint, data.bootstrap);
    const seen = new Map<string, number>();
    for (;;) {
      const { Messages } = await again.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
      );
      if (!Messages) break;
      for (const message of Messages) seen.set(message.MessageId!, (seen.get(message.MessageId!) ?? 0) + 1);
    }
    again.destroy();
    assert.equal(await second.stop(), 0);
    const lost = [...acknowledged].filter((id) => !seen.has(id));
    assert.deepEqual(lost, [], `${lost.length} acknowledged messages were lost`);
    const twice = [...seen].filter(([, count]) => count > 1);
    assert.deepEqual(twice, [], 'no message came back twice');
  });
});
