// A client process of a round-trip run, forked by the coordinator: warm up, wait for 'go', run, report.
import { LeanSqsClient } from '../clients/lean-client.ts';
import type { QueueClient } from '../clients/queue-client.ts';
import { SdkSqsClient } from '../clients/sdk-client.ts';
import { type BatchBudget, runRoundTripLoop } from './loop.ts';
import { bodyFactory, emptyTally, type RoundTripTally } from './tally.ts';
import type { CoordinatorMessage, WorkerAssignment, WorkerMessage } from './worker-messages.ts';

function report(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

function nextMessage(): Promise<CoordinatorMessage> {
  return new Promise((resolve) => process.once('message', (message) => resolve(message as CoordinatorMessage)));
}

async function runLoops(
  assignment: WorkerAssignment,
  client: QueueClient,
  queueUrl: string,
  budget: BatchBudget,
  tally: RoundTripTally,
): Promise<void> {
  const makeBody = bodyFactory(assignment.workerIndex, assignment.bodyBytes);
  const plan = { client, queueUrl, budget, makeBody, bodyBytes: assignment.bodyBytes, tally };
  await Promise.all(Array.from({ length: assignment.loops }, () => runRoundTripLoop(plan)));
}

async function main(): Promise<void> {
  const first = await nextMessage();
  if (first.type !== 'assign') throw new Error(`expected an assignment, got '${first.type}'`);
  const assignment = first.assignment;
  const client =
    assignment.clientKind === 'lean' ? new LeanSqsClient(assignment.endpoint) : new SdkSqsClient(assignment.endpoint);
  const warmupQueueUrl = assignment.warmupQueueUrl;
  await runLoops(assignment, client, warmupQueueUrl, { remaining: assignment.warmupBatches }, emptyTally());
  const go = nextMessage();
  await report({ type: 'ready' });
  await go;
  const cpuBefore = process.cpuUsage();
  const tally = emptyTally();
  await runLoops(assignment, client, assignment.queueUrl, { remaining: assignment.batches }, tally);
  const cpu = process.cpuUsage(cpuBefore);
  await report({ type: 'done', tally, cpuMicros: cpu.user + cpu.system });
  client.close();
}

// The coordinator ends this process when it is done with it; an orphan would keep loading the server.
process.once('disconnect', () => process.exit(0));

main().catch(async (error: unknown) => {
  await report({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
