// The BullMQ peer, in its own process: produce N jobs in bulks of 10, then consume them all with one Worker.
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { machineBusySince, machineCpu } from '../cpu-time.ts';
import { type BullmqAssignment, type BullmqFigures, type BullmqOutcome, busyOfPhases } from './bullmq-messages.ts';

async function isRedisReachable(redis: BullmqAssignment['redis']): Promise<string | undefined> {
  const client = new Redis({
    ...redis,
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // The 'error' event says why (ECONNREFUSED…); the rejected connect() only says the connection closed.
  let cause: Error | undefined;
  client.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return `Redis at ${redis.host}:${redis.port} is unreachable (${(cause ?? (error as Error)).message})`;
  } finally {
    client.disconnect();
  }
}

/** Produce with `producers` addBulk calls in flight, then time a Worker taking and completing every job. */
async function produceThenConsume(assignment: BullmqAssignment, messages: number): Promise<BullmqFigures> {
  const connection = { ...assignment.redis, maxRetriesPerRequest: null };
  const name = `bench-${process.pid}-${Date.now()}-${messages}`;
  const queue = new Queue(name, { connection });
  const data = { body: 'x'.repeat(assignment.bodyBytes) };
  const bulk = Array.from({ length: 10 }, () => ({ name: 'm', data, opts: { removeOnComplete: true } }));
  try {
    let bulksLeft = messages / 10;
    const produceStartedMs = performance.now();
    const produceCpu = machineCpu();
    await Promise.all(
      Array.from({ length: assignment.producers }, async () => {
        while (bulksLeft > 0) {
          bulksLeft--;
          await queue.addBulk(bulk);
        }
      }),
    );
    const produceSeconds = (performance.now() - produceStartedMs) / 1000;
    const produceBusy = machineBusySince(produceCpu);

    const consumeStartedMs = performance.now();
    const consumeCpu = machineCpu();
    const consumed = Promise.withResolvers<void>();
    let completed = 0;
    const worker = new Worker(name, async () => {}, { connection, concurrency: assignment.workerConcurrency });
    worker.on('completed', () => {
      if (++completed === messages) consumed.resolve();
    });
    worker.on('error', (error) => consumed.reject(error));
    await consumed.promise;
    const consumeSeconds = (performance.now() - consumeStartedMs) / 1000;
    const machineBusySeconds = busyOfPhases(produceBusy, machineBusySince(consumeCpu));
    await worker.close();
    return { produceSeconds, consumeSeconds, machineBusySeconds };
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

async function main(assignment: BullmqAssignment): Promise<BullmqOutcome> {
  const unreachable = await isRedisReachable(assignment.redis);
  if (unreachable) return { type: 'skipped', reason: unreachable };
  await produceThenConsume(assignment, assignment.warmupMessages);
  return { type: 'measured', figures: await produceThenConsume(assignment, assignment.messages) };
}

process.once('message', (assignment: BullmqAssignment) => {
  main(assignment)
    .catch((error: unknown): BullmqOutcome => ({ type: 'failed', error: (error as Error)?.stack ?? String(error) }))
    .then((outcome) => process.send!(outcome, undefined, {}, () => process.exit(0)));
});
