/**
 * What the audit trail costs: round-trip throughput (SendMessageBatch of 10 → ReceiveMessage of 10 →
 * DeleteMessageBatch) through the AWS SDK v3 over HTTPS, against the same server with auditing on and off.
 * The goal is audit on ≥ 0.9 × audit off. Each server runs in its own worker thread (its own core) on a
 * fresh data directory on disk (synchronous=FULL: real fsyncs); rounds alternate off/on so both meet the
 * same noise, and the medians are compared. The server thread's busy time per message is printed too: it
 * is what the trail costs the server, whatever the client and the machine's other load do.
 *
 *   node bench/audit.ts [--seconds 8] [--rounds 5] [--concurrency 16]
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '16' },
  },
});
const measureMs = Number(values.seconds) * 1000;
const warmupMs = Number(values.warmup) * 1000;
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);
const root = join(import.meta.dirname, '..', '.bench', `audit-${process.pid}`);

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

async function measure(isAuditOn: boolean, round: number): Promise<{ rate: number; busy: number; records: number }> {
  const dir = join(root, `${isAuditOn ? 'on' : 'off'}-${round}`);
  mkdirSync(dir, { recursive: true });
  const worker = new Worker(new URL('./audit-server.ts', import.meta.url), { workerData: { dir, isAuditOn } });
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
      httpsAgent: new Agent({ ca: readFileSync(started.caFile), keepAlive: true, maxSockets: concurrency * 2 }),
    }),
  });
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench' }));
  const body = JSON.stringify({ order: 'A-1001', amount: '12.50', currency: 'EUR', note: 'x'.repeat(180) });
  let counting = false;
  let done = 0;
  let stop = false;
  const client = async () => {
    while (!stop) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: body })),
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
  const clients = Array.from({ length: concurrency }, client);
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  await ask(worker, 'mark', 'marked');
  counting = true;
  const startMs = performance.now();
  await new Promise((resolve) => setTimeout(resolve, measureMs));
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

const format = (n: number) => Math.round(n).toLocaleString('en-US');

process.stdout.write(
  `pciq audit cost: SendMessageBatch(10) → ReceiveMessage(10) → DeleteMessageBatch, AWS SDK v3 over HTTPS, ${concurrency} concurrent clients, ${values.seconds} s per run\n`,
);
const results = { off: [] as number[], on: [] as number[] };
const costs = { off: [] as number[], on: [] as number[] };
try {
  for (let round = 1; round <= rounds; round++) {
    for (const isAuditOn of [false, true]) {
      const { rate, busy, records } = await measure(isAuditOn, round);
      results[isAuditOn ? 'on' : 'off'].push(rate);
      const perMessageUs = (busy * 1e6) / rate;
      costs[isAuditOn ? 'on' : 'off'].push(perMessageUs);
      process.stdout.write(
        `round ${round}  audit ${isAuditOn ? 'on ' : 'off'}  ${format(rate).padStart(7)} msgs/s   server thread busy ${(busy * 100).toFixed(0)}% (${perMessageUs.toFixed(0)} µs per message)${isAuditOn ? `, ${format(records)} audit records` : ''}\n`,
      );
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
const median = (list: number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const off = median(results.off);
const on = median(results.on);
const ratio = on / off;
const pairRatio = median(results.on.map((rate, i) => rate / results.off[i]!));
process.stdout.write(
  `server time per message (median): audit off ${median(costs.off).toFixed(0)} µs, audit on ${median(costs.on).toFixed(0)} µs\n` +
    `audit off ${format(off)} msgs/s, audit on ${format(on)} msgs/s (medians): ratio ${ratio.toFixed(2)}, median of the rounds' ratios ${pairRatio.toFixed(2)} (goal ≥ 0.90) ${ratio >= 0.9 ? 'met' : 'NOT met'}\n`,
);
