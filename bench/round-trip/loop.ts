import { createHash } from 'node:crypto';
import type { QueueClient } from '../clients/queue-client.ts';
import { markerOf, type RoundTripTally } from './tally.ts';

const batchSize = 10;

/** Batches of 10 still to send, shared by the loops of one process. */
export interface BatchBudget {
  remaining: number;
}

export interface LoopPlan {
  client: QueueClient;
  queueUrl: string;
  budget: BatchBudget;
  makeBody: () => string;
  bodyBytes: number;
  tally: RoundTripTally;
}

/**
 * One connection's share of a run: send 10, receive up to 10, delete what came back, until the process's budget
 * is spent. A receive may return messages another loop sent (the queue is shared), so each loop finally drains
 * until the queue answers empty: once every loop has done that after its last send, nothing is left.
 */
export async function runRoundTripLoop(plan: LoopPlan): Promise<void> {
  const { client, queueUrl, budget, tally } = plan;
  while (budget.remaining > 0) {
    budget.remaining--;
    const bodies = Array.from({ length: batchSize }, plan.makeBody);
    const startedMs = performance.now();
    const sent = await client.sendBatch(queueUrl, bodies);
    tally.sendLatenciesMs.push(performance.now() - startedMs);
    tally.failedSends += sent.failed;
    for (let i = 0; i < sent.messageIds.length; i++) {
      const body = bodies[sent.entryIndexes[i]!] ?? '';
      tally.sentIds.push(sent.messageIds[i]!);
      tally.sentMarkers.push(markerOf(body) ?? '');
      if (!client.checksMd5 && md5Hex(body) !== sent.md5s[i]) tally.md5Mismatches++;
    }
    await receiveAndDelete(plan);
  }
  while ((await receiveAndDelete(plan)) > 0) {}
}

async function receiveAndDelete(plan: LoopPlan): Promise<number> {
  const { client, queueUrl, tally } = plan;
  const messages = await client.receive(queueUrl, batchSize);
  if (messages.length === 0) return 0;
  for (const message of messages) {
    const marker = markerOf(message.body);
    tally.receivedIds.push(message.messageId);
    tally.receivedMarkers.push(marker ?? '');
    if (marker === undefined || message.body.length !== plan.bodyBytes) tally.malformedBodies++;
    if (!client.checksMd5 && md5Hex(message.body) !== message.md5OfBody) tally.md5Mismatches++;
  }
  tally.failedDeletes += await client.deleteBatch(
    queueUrl,
    messages.map((message) => message.receiptHandle),
  );
  return messages.length;
}

function md5Hex(text: string): string {
  return createHash('md5').update(text).digest('hex');
}
