import { availableParallelism } from 'node:os';
import { LeanSqsClient } from '../clients/lean-client.ts';
import type { ClientKind } from '../clients/queue-client.ts';
import { machineCpu, processTreeCpuSeconds } from '../cpu-time.ts';
import { percentile } from '../latency.ts';
import type { Target } from '../targets/target.ts';
import { verifyRoundTrips } from './verify.ts';
import { WorkerProcess } from './worker-process.ts';

export interface RoundTripOptions {
  clientKind: ClientKind;
  target: Target;
  messages: number;
  warmupMessages: number;
  processes: number;
  loopsPerProcess: number;
  bodyBytes: number;
  timeoutMs: number;
  /** Nodes of the target the clients spread over (default 1). */
  nodes?: number;
}

export interface RoundTripResult {
  messages: number;
  seconds: number;
  messagesPerSec: number;
  sendP50Ms: number;
  sendP99Ms: number;
  /** Cores' worth of CPU used during the measured part, when /proc can tell. */
  serverCores: number | undefined;
  clientCores: number;
  machineBusyCores: number | undefined;
  /** Busy cores not accounted for by the server or the clients: other work on the machine, i.e. noise. */
  otherCores: number | undefined;
  /** Anything that says the server got the round trip wrong; empty when all is well. */
  problems: string[];
}

/**
 * One measured run: `processes` client processes, each with `loopsPerProcess` loops, move `messages` through
 * one fresh queue. The clock runs from 'go' (every process warm) to the last process's report.
 */
export async function runRoundTrips(options: RoundTripOptions): Promise<RoundTripResult> {
  const { target, processes } = options;
  // With several nodes, the client processes spread over the first `nodes` of them.
  const endpoints = (target.endpoints ?? [target.endpoint]).slice(0, options.nodes ?? 1);
  const pids = (target.pids ?? [target.pid]).slice(0, endpoints.length);
  const serverCpu = () => {
    const each = pids.map((pid) => processTreeCpuSeconds(pid));
    return each.some((seconds) => seconds === undefined) ? undefined : each.reduce((a, b) => a! + b!, 0);
  };
  const admin = new LeanSqsClient(target.endpoint);
  const suffix = `${options.clientKind}-${Date.now()}`;
  const queueUrl = await admin.createQueue(`bench-${suffix}`);
  const warmupQueueUrl = await admin.createQueue(`bench-warmup-${suffix}`);
  const batches = options.messages / 10;
  const warmupBatches = Math.ceil(options.warmupMessages / 10 / processes);
  const workers = Array.from(
    { length: processes },
    (_, workerIndex) =>
      new WorkerProcess({
        workerIndex,
        clientKind: options.clientKind,
        endpoint: endpoints[workerIndex % endpoints.length]!,
        queueUrl,
        warmupQueueUrl,
        loops: options.loopsPerProcess,
        batches: Math.floor(batches / processes) + (workerIndex < batches % processes ? 1 : 0),
        warmupBatches,
        bodyBytes: options.bodyBytes,
      }),
  );
  try {
    await withTimeout(Promise.all(workers.map((worker) => worker.ready)), options.timeoutMs, 'warm-up');
    const serverCpuBefore = serverCpu();
    const machineBefore = machineCpu();
    const startedMs = performance.now();
    for (const worker of workers) worker.go();
    const reports = await withTimeout(Promise.all(workers.map((worker) => worker.done)), options.timeoutMs, 'run');
    const seconds = (performance.now() - startedMs) / 1000;
    const serverCpuAfter = serverCpu();
    const machineAfter = machineCpu();

    const tallies = reports.map((report) => report.tally);
    const problems = verifyRoundTrips(tallies, options.messages);
    const left = await admin.countMessages(queueUrl);
    if (left > 0) problems.push(`${left} messages still in the queue after the run`);
    const sendLatencies = tallies.flatMap((tally) => tally.sendLatenciesMs);
    const serverCores =
      serverCpuBefore !== undefined && serverCpuAfter !== undefined
        ? (serverCpuAfter - serverCpuBefore) / seconds
        : undefined;
    const clientCores = reports.reduce((sum, report) => sum + report.cpuMicros, 0) / 1e6 / seconds;
    const machineBusyCores =
      machineBefore && machineAfter
        ? ((machineAfter.busySeconds - machineBefore.busySeconds) /
            (machineAfter.totalSeconds - machineBefore.totalSeconds)) *
          availableParallelism()
        : undefined;
    return {
      messages: options.messages,
      seconds,
      messagesPerSec: options.messages / seconds,
      sendP50Ms: percentile(sendLatencies, 50),
      sendP99Ms: percentile(sendLatencies, 99),
      serverCores,
      clientCores,
      machineBusyCores,
      otherCores:
        serverCores !== undefined && machineBusyCores !== undefined
          ? Math.max(0, machineBusyCores - serverCores - clientCores)
          : undefined,
      problems,
    };
  } finally {
    for (const worker of workers) worker.stop();
    admin.close();
  }
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
