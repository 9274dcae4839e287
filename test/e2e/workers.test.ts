import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { after, before, describe, it } from 'node:test';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';

describe('several serving processes on one data directory (--workers)', () => {
  let data: ReturnType<typeof initDataDir>;
  let server: PciqServer;
  let endpoint: string;
  const clients: SQSClient[] = [];

  /** Each client has its own keep-alive connections, so clients land on different worker processes. */
  function client(): SQSClient {
    const sqs = new SQSClient({
      endpoint,
      region: data.bootstrap.region,
      credentials: data.bootstrap,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        httpsAgent: new Agent({ ca: readFileSync(data.bootstrap.caFile), keepAlive: true, maxSockets: 2 }),
      }),
    });
    clients.push(sqs);
    return sqs;
  }

  before(async () => {
    data = initDataDir();
    server = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile, extra: ['--workers', '3'] });
    endpoint = await server.endpoint;
  });
  after(async () => {
    for (const sqs of clients) sqs.destroy();
    assert.equal(await server.stop(), 0, 'the primary drains its workers and exits 0');
    data.remove();
  });

  it('hands every message to exactly one consumer across processes', async () => {
    const producers = [client(), client(), client()];
    const consumers = [client(), client(), client(), client()];
    const { QueueUrl } = await producers[0]!.send(new CreateQueueCommand({ QueueName: 'shared' }));
    const total = 600;
    await Promise.all(
      producers.map(async (sqs, p) => {
        for (let b = 0; b < total / 10 / producers.length; b++) {
          const entries = Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: `p${p}-b${b}-m${i}` }));
          const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));
          assert.equal(result.Successful?.length, 10);
        }
      }),
    );
    const seen: string[] = [];
    await Promise.all(
      consumers.map(async (sqs) => {
        for (;;) {
          const { Messages } = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }),
          );
          if (!Messages) return;
          for (const message of Messages) seen.push(message.Body!);
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl,
              Entries: Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
      }),
    );
    assert.equal(seen.length, total);
    assert.equal(new Set(seen).size, total, 'no message delivered twice');
  });

  it('wakes long polls in every process as soon as a message arrives through another one', async () => {
    const sender = client();
    const { QueueUrl } = await sender.send(new CreateQueueCommand({ QueueName: 'wake-anywhere' }));
    const pollers = Array.from({ length: 6 }, () => client());
    const started = Date.now();
    const polls = pollers.map((sqs) =>
      sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 15, MaxNumberOfMessages: 1 })),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const entries = Array.from({ length: 6 }, (_, i) => ({ Id: `w${i}`, MessageBody: `wake ${i}` }));
    await sender.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));
    const results = await Promise.all(polls);
    const bodies = results.flatMap((r) => r.Messages?.map((m) => m.Body) ?? []);
    assert.equal(bodies.length, 6, 'every parked poll got a message');
    assert.ok(Date.now() - started < 8_000, `polls returned after ${Date.now() - started} ms, not at their deadline`);
  });
});
