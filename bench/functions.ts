/**
 * What running handlers as functions costs: messages per second through a no-op function fed by an event
 * source mapping (every batch in a sandboxed worker process of the function's version, reused from batch to
 * batch as Lambda reuses execution environments, maximum concurrency 8), next to the same messages consumed by
 * 8 AWS SDK loops that call the same no-op handler in their own process (no sandbox) against the same server; and the overhead per invocation, from runs with one message per batch.
 * Every message must be processed exactly once (the function's metrics count the records it was handed;
 * the queue must end empty), or the program exits 1.
 *
 *   node bench/functions.ts [--messages 10000] [--single 600] [--concurrency 8] [--batch-size 10]
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { installCleanup, removeTempDir, trackTempDir } from './cleanup.ts';
import { machineCpu, processTreeCpuSeconds } from './cpu-time.ts';
import { startPciq } from './targets/pciq.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000' },
    single: { type: 'string', default: '600' },
    concurrency: { type: 'string', default: '8' },
    'batch-size': { type: 'string', default: '10' },
  },
});
const messages = Number(values.messages);
const singles = Number(values.single);
const concurrency = Number(values.concurrency);
const batchSize = Number(values['batch-size']);
const pciqBin = join(import.meta.dirname, '..', 'bin', 'pciq.js');
const noopHandler = 'export const handler = async (event) => { void event; };';
const warnings: string[] = [];

interface Measured {
  rate: number;
  seconds: number;
  busyCores: number | undefined;
  /** CPU seconds of pciq serve with everything it started (the launcher, every sandbox that ran). */
  serverCpuSeconds: number | undefined;
}

const run = promisify(execFile);
installCleanup();
const pciqTarget = await startPciq(['--workers', '1']);
const { endpoint } = pciqTarget;
const sqs = new SQSClient({
  endpoint: endpoint.url,
  region: endpoint.region,
  credentials: endpoint.credentials,
  maxAttempts: 1,
  requestHandler: new NodeHttpHandler({
    httpsAgent: new Agent({ ca: endpoint.caPem, keepAlive: true, maxSockets: 64 }),
  }),
});
const dir = trackTempDir(mkdtempSync(join(tmpdir(), 'pciq-bench-functions-')));
const codeDir = join(dir, 'code');
mkdirSync(codeDir);
writeFileSync(join(codeDir, 'index.mjs'), noopHandler);
const { handler } = (await import(`data:text/javascript,${encodeURIComponent(noopHandler)}`)) as {
  handler: (event: unknown) => Promise<void>;
};

async function pciq(...args: string[]): Promise<string> {
  return (await run(process.execPath, [pciqBin, 'functions', ...args, ...pciqTarget.dataDirArgs])).stdout;
}

/** The functions' execution role, as an operator makes one: it trusts Lambda and may consume the queues. */
async function createRole(name: string): Promise<string> {
  const trust = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
  const consume = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        Resource: `arn:aws:sqs:*:${pciqTarget.accountId}:*`,
      },
    ],
  };
  const iam = (...args: string[]) => run(process.execPath, [pciqBin, 'iam', ...args, ...pciqTarget.dataDirArgs]);
  await iam('create-role', name, '--trust-policy', JSON.stringify(trust));
  await iam('put-policy', '--role', name, 'consume', '--document', JSON.stringify(consume));
  return `arn:aws:iam::${pciqTarget.accountId}:role/${name}`;
}
const roleArn = await createRole('bench-function');

async function queue(name: string): Promise<string> {
  return (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '60' } })))
    .QueueUrl!;
}

async function fill(url: string, count: number): Promise<void> {
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < count; i += 10) {
    const entries = Array.from({ length: Math.min(10, count - i) }, (_, j) => ({
      Id: String(j),
      MessageBody: `m-${i + j}`,
    }));
    sends.push(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries })));
    if (sends.length >= 16) await Promise.all(sends.splice(0));
  }
  await Promise.all(sends);
}

async function depth(url: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

async function timed(count: number, work: () => Promise<void>): Promise<Measured> {
  const cpuBefore = machineCpu();
  const serverBefore = processTreeCpuSeconds(pciqTarget.pid, true);
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = machineCpu();
  const serverAfter = processTreeCpuSeconds(pciqTarget.pid, true);
  const busyCores = cpuBefore && cpuAfter ? (cpuAfter.busySeconds - cpuBefore.busySeconds) / seconds : undefined;
  const serverCpuSeconds =
    serverBefore !== undefined && serverAfter !== undefined ? serverAfter - serverBefore : undefined;
  return { rate: count / seconds, seconds, busyCores, serverCpuSeconds };
}

/** The function path: messages already queued, the mapping created, the clock stops when the queue is empty. */
async function throughFunction(name: string, count: number, size: number): Promise<Measured & { invocations: number }> {
  const url = await queue(name);
  await fill(url, count);
  await pciq('deploy', name, '--code', codeDir, '--handler', 'index.handler', '--role', roleArn, '--timeout', '10');
  const measured = await timed(count, async () => {
    await pciq('map', name, '--queue', name, '--batch-size', String(size), '--max-concurrency', String(concurrency));
    while ((await depth(url)) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  });
  // Metrics reach the store every 10 s; wait for this run's to arrive.
  let totals = { invocations: 0, errors: 0, records: 0 };
  for (let attempt = 0; attempt < 60 && totals.records < count; attempt++) {
    totals = (JSON.parse(await pciq('metrics', name, '--since', '1h', '--json')) as { totals: typeof totals }).totals;
    if (totals.records < count) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (totals.records !== count)
    warnings.push(`${name}: the function was handed ${totals.records} records for ${count} messages`);
  if (totals.errors > 0) {
    const logs = JSON.parse(await pciq('logs', name, '--since', '1h', '--limit', '10000', '--json')) as Array<{
      outcome: string;
      text: string;
    }>;
    const types = new Map<string, number>();
    for (const entry of logs.filter((log) => log.outcome === 'error')) {
      const type = /"errorType":"([^"]+)"/.exec(entry.text)?.[1] ?? 'unknown';
      types.set(type, (types.get(type) ?? 0) + 1);
    }
    warnings.push(
      `${name}: ${totals.errors} invocations failed (${[...types].map(([t, n]) => `${t} ×${n}`).join(', ')})`,
    );
  }
  return { ...measured, invocations: totals.invocations };
}

/** The peer: SDK loops in this process receive, call the handler in-process and delete, as a hand-written consumer would. */
async function inProcess(name: string, count: number, size: number): Promise<Measured> {
  const url = await queue(name);
  await fill(url, count);
  const seen = new Set<string>();
  const measured = await timed(count, async () => {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) {
          const { Messages = [] } = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: size, WaitTimeSeconds: 1 }),
          );
          if (Messages.length === 0 && (await depth(url)) === 0) return;
          if (Messages.length === 0) continue;
          await handler({ Records: Messages });
          for (const message of Messages) {
            if (seen.has(message.Body!)) warnings.push(`${name}: ${message.Body} received twice`);
            seen.add(message.Body!);
          }
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: url,
              Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
            }),
          );
        }
      }),
    );
  });
  if (seen.size !== count) warnings.push(`${name}: ${seen.size} of ${count} messages consumed`);
  return measured;
}

function line(label: string, measured: Measured, extra = ''): string {
  const cores = measured.busyCores === undefined ? '' : `, machine ${measured.busyCores.toFixed(2)} cores busy`;
  return `${label.padEnd(44)} ${measured.rate.toFixed(0).padStart(7)} msgs/s (${measured.seconds.toFixed(1)} s${cores})${extra}`;
}

try {
  console.log(
    `functions: ${messages} messages, no-op handler, batch size ${batchSize}, maximum concurrency ${concurrency}`,
  );
  const fn = await throughFunction('noop', messages, batchSize);
  const peer = await inProcess('in-process', messages, batchSize);
  console.log(line('function (sandboxed worker processes)', fn, `, ${fn.invocations} invocations`));
  console.log(line(`in-process SDK consumer (${concurrency} loops)`, peer));
  console.log(`ratio function / in-process consumer: ${(fn.rate / peer.rate).toFixed(2)}`);
  const single = await throughFunction('noop-single', singles, 1);
  const singlePeer = await inProcess('in-process-single', singles, 1);
  console.log(
    line(
      'function, one message per invocation',
      single,
      `, ${(single.invocations / single.seconds).toFixed(0)} invocations/s`,
    ),
  );
  console.log(line('in-process consumer, one message per receive', singlePeer));
  // Each of the `concurrency` slots spends this much longer per message when it runs in its own process.
  const overheadMs = ((1 / single.rate - 1 / singlePeer.rate) * concurrency * 1000).toFixed(1);
  console.log(
    `per-invocation overhead (sandbox IPC, log sealing, process starts), per concurrent slot: ${overheadMs} ms`,
  );
  // CPU is what a busy machine does not distort: pciq with its launcher and sandboxes, per invocation.
  const perInvocation = (measured: Measured, invocations: number) =>
    measured.serverCpuSeconds === undefined
      ? 'n/a'
      : `${((measured.serverCpuSeconds / invocations) * 1000).toFixed(1)} ms`;
  console.log(
    `server CPU (pciq, launcher, sandboxes) per invocation: ${perInvocation(fn, fn.invocations)} with ${batchSize} messages, ${perInvocation(single, single.invocations)} with 1; per message consumed in-process without a sandbox: ${perInvocation(singlePeer, singles)}`,
  );
} finally {
  sqs.destroy();
  removeTempDir(dir);
  await pciqTarget.stop().catch((error: unknown) => warnings.push((error as Error).message));
  const stderr = pciqTarget.stderr().trim();
  if (stderr) warnings.push(`pciq wrote to stderr:\n${stderr}`);
}
for (const warning of warnings) console.log(`WARNING ${warning}`);
if (warnings.length > 0) process.exitCode = 1;
