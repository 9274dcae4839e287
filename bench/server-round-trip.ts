import { mkdirSync, readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

interface Started {
  endpoint: string;
  caFile: string;
  accessKeyId: string;
  secretAccessKey: string;
}

function ask<T>(worker: Worker, message: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (reply: Record<string, unknown>) => {
      if (key in reply) {
        worker.off('message', listener);
        resolve(reply as T);
      }
    };
    worker.on('message', listener);
    if (message) worker.postMessage(message);
  });
}

export interface ServerRoundTripOptions {
  /** A fresh directory for the server's data and keys. */
  dir: string;
  /** What `bench-server.ts` is started with: which protections are on. */
  server: { isAuditOn: boolean; isGuardOn?: boolean };
  /** The body of the `n`th message sent. */
  body: (n: number) => string;
  concurrency: number;
  warmupMs: number;
  measureMs: number;
}

/**
 * The SQS round trip (SendMessageBatch of 10 → ReceiveMessage of 10 → DeleteMessageBatch) through the AWS
 * SDK v3 over HTTPS against a pciq server in a worker thread (its own core): messages per second, the
 * server thread's busy share, and how many audit records it wrote.
 */
export async function measureServerRoundTrip(
  options: ServerRoundTripOptions,
): Promise<{ rate: number; busy: number; records: number }> {
  mkdirSync(options.dir, { recursive: true });
  const worker = new Worker(new URL('./bench-server.ts', import.meta.url), {
    workerData: { dir: options.dir, ...options.server },
  });
  worker.on('error', (error) => {
    throw error;
  });
  const started = await ask<Started>(worker, '', 'endpoint');
  const sqs = new SQSClient({
    endpoint: started.endpoint,
    region: 'us-east-1',
    credentials: started,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpsAgent: new Agent({
        ca: readFileSync(started.caFile),
        keepAlive: true,
        maxSockets: options.concurrency * 2,
      }),
    }),
  });
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench' }));
  let counting = false;
  let done = 0;
  let sent = 0;
  let stop = false;
  const client = async () => {
    while (!stop) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: options.body(sent++) })),
        }),
      );
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
      );
      if (Messages.length === 0) continue;
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: Messages.map((message, i) => ({ Id: `d${i}`, ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
      if (counting) done += Messages.length;
    }
  };
  const clients = Array.from({ length: options.concurrency }, client);
  await new Promise((resolve) => setTimeout(resolve, options.warmupMs));
  await ask(worker, 'mark', 'marked');
  counting = true;
  const startMs = performance.now();
  await new Promise((resolve) => setTimeout(resolve, options.measureMs));
  counting = false;
  const elapsedMs = performance.now() - startMs;
  const { busy } = await ask<{ busy: number }>(worker, 'busy', 'busy');
  stop = true;
  await Promise.all(clients);
  sqs.destroy();
  const { records } = await ask<{ records: number }>(worker, 'stop', 'stopped');
  await worker.terminate();
  return { rate: (done * 1000) / elapsedMs, busy, records };
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(list: readonly number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function benchDir(name: string): string {
  return join(import.meta.dirname, '..', '.bench', `${name}-${process.pid}`);
}
