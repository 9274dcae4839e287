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

/** What `bench-server.ts` is started with: which protections are on. */
export interface ServerFlags {
  isAuditOn: boolean;
  isGuardOn?: boolean;
}

export interface PairedRoundTripOptions {
  /** A fresh directory for both servers' data and keys. */
  dir: string;
  /** The server compared against, and the one whose cost is measured. */
  baseline: ServerFlags;
  variant: ServerFlags;
  /** The body of the `n`th message sent. */
  body: (n: number) => string;
  concurrency: number;
  /** Run once against each server before the first window. */
  warmupMs: number;
  windowMs: number;
  pairs: number;
}

/** One server's figures for one window. */
export interface WindowFigures {
  /** Messages sent, received and deleted per second. */
  rate: number;
  /** CPU time of the server's thread per message, in µs: what the server spends, however busy the machine. */
  serverCpuUs: number;
  /** Audit records the server has written so far. */
  records: number;
}

export interface PairedRoundTrips {
  baseline: WindowFigures[];
  variant: WindowFigures[];
  /** Each pair's variant rate over its baseline rate. */
  ratios: number[];
}

/**
 * The SQS round trip (SendMessageBatch of 10 → ReceiveMessage of 10 → DeleteMessageBatch) through the AWS
 * SDK v3 over HTTPS against two pciq servers at once, each in a worker thread on a fresh data directory:
 * the baseline and a variant with one protection switched on or off. The clients drive one server at a time,
 * in short windows that alternate (baseline first in one pair, variant first in the next), and each pair
 * gives a ratio. This machine's noise comes in spells of seconds that slow every thread alike (a shared
 * host): separate runs a minute apart can meet different spells, while a pair's two windows meet the same
 * one, so the median of the pairs' ratios is what the protection costs.
 */
export async function measurePairedRoundTrips(options: PairedRoundTripOptions): Promise<PairedRoundTrips> {
  const baseline = await BenchServer.start(join(options.dir, 'baseline'), options.baseline, options.concurrency);
  const variant = await BenchServer.start(join(options.dir, 'variant'), options.variant, options.concurrency);
  try {
    let sent = 0;
    const load = { body: options.body, concurrency: options.concurrency, next: () => sent++ };
    for (const server of [baseline, variant]) await server.drive(load, options.warmupMs);
    const result: PairedRoundTrips = { baseline: [], variant: [], ratios: [] };
    for (let pair = 0; pair < options.pairs; pair++) {
      const order = pair % 2 === 0 ? [baseline, variant] : [variant, baseline];
      const figures = new Map<BenchServer, WindowFigures>();
      for (const server of order) figures.set(server, await server.drive(load, options.windowMs));
      result.baseline.push(figures.get(baseline)!);
      result.variant.push(figures.get(variant)!);
      result.ratios.push(figures.get(variant)!.rate / figures.get(baseline)!.rate);
    }
    return result;
  } finally {
    await Promise.all([baseline.stop(), variant.stop()]);
  }
}

interface Load {
  body: (n: number) => string;
  concurrency: number;
  /** The number of the next message sent, counted across both servers. */
  next: () => number;
}

/** A pciq server in a worker thread, with an SDK client and a queue on it. */
class BenchServer {
  private readonly worker: Worker;
  private readonly sqs: SQSClient;
  private readonly queueUrl: string;

  private constructor(worker: Worker, sqs: SQSClient, queueUrl: string) {
    this.worker = worker;
    this.sqs = sqs;
    this.queueUrl = queueUrl;
  }

  static async start(dir: string, flags: ServerFlags, concurrency: number): Promise<BenchServer> {
    mkdirSync(dir, { recursive: true });
    const worker = new Worker(new URL('./bench-server.ts', import.meta.url), { workerData: { dir, ...flags } });
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
    return new BenchServer(worker, sqs, QueueUrl!);
  }

  /**
   * `load.concurrency` clients doing round trips for `ms`; what they finished counts. Every round trip
   * started finishes before this returns, so windows never overlap.
   */
  async drive(load: Load, ms: number): Promise<WindowFigures> {
    await ask(this.worker, 'mark', 'marked');
    let stop = false;
    // Messages done within the window make the rate; the server's CPU time covers those finished after it too.
    let done = 0;
    let finished = 0;
    const client = async () => {
      while (!stop) {
        await this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: load.body(load.next()) })),
          }),
        );
        const { Messages = [] } = await this.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
        );
        if (Messages.length === 0) continue;
        await this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: Messages.map((message, i) => ({ Id: `d${i}`, ReceiptHandle: message.ReceiptHandle! })),
          }),
        );
        finished += Messages.length;
        if (!stop) done += Messages.length;
      }
    };
    const startMs = performance.now();
    const clients = Array.from({ length: load.concurrency }, client);
    await new Promise((resolve) => setTimeout(resolve, ms));
    stop = true;
    const elapsedMs = performance.now() - startMs;
    await Promise.all(clients);
    const { cpuUs, records } = await ask<{ cpuUs: number; records: number }>(this.worker, 'usage', 'cpuUs');
    return { rate: (done * 1000) / elapsedMs, serverCpuUs: cpuUs / finished, records };
  }

  async stop(): Promise<void> {
    this.sqs.destroy();
    await ask(this.worker, 'stop', 'stopped');
    await this.worker.terminate();
  }
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

/** The middle value (the mean of the two middle ones for an even count). */
export function median(list: readonly number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function benchDir(name: string): string {
  return join(import.meta.dirname, '..', '.bench', `${name}-${process.pid}`);
}
