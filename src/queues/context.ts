import { type Clock, PciqError, type QueueAddress, queueArn, queueUrl } from '../core/index.ts';
import type { KeySession, Sealer, SealingKey } from '../keys/index.ts';
import type { QueueRow, ReadTx, Store, WriteTx } from '../storage/index.ts';
import { asQueueKeyError } from './kms-errors.ts';
import type { ReceiveWaiters } from './long-poll.ts';
import type { MessageGuard } from './message-guard.ts';
import { settingsOf, sqsManagedKeyAlias } from './queue-attributes.ts';
import type { InFlightEstimates, QueueRegistry } from './queue-registry.ts';

/** What every queue operation works with; built once by the service. */
export interface QueueContext {
  store: Store;
  clock: Clock;
  sealer: Sealer;
  region: string;
  /** Base of queue URLs, e.g. https://127.0.0.1:9324 */
  endpoint: string;
  waiters: ReceiveWaiters;
  /** Queue rows for the data path, briefly cached. */
  queues: QueueRegistry;
  inFlight: InFlightEstimates;
  /** The cardholder-data guard; absent in engines built without one (benchmarks of the guard's cost). */
  guard?: MessageGuard;
}

export function arnOf(context: QueueContext, queue: Pick<QueueRow, 'accountId' | 'name'>): string {
  return queueArn(context.region, queue);
}

export function urlOf(context: QueueContext, queue: Pick<QueueRow, 'accountId' | 'name'>): string {
  return queueUrl(context.endpoint, queue);
}

/** The key that seals new messages of `queue` now; an unusable key is the request's SQS Kms* error. */
export function sealingKeyOf(context: QueueContext, session: KeySession, queue: QueueRow): SealingKey {
  const settings = settingsOf(queue.attributes);
  try {
    return session.sealingKey(queue.accountId, settings.kmsKeyRef, arnOf(context, queue), settings.dataKeyReuseSec);
  } catch (error) {
    throw asQueueKeyError(error);
  }
}

/** Queues without a customer key use the account's SQS managed key, created with the first such queue. */
export async function ensureQueueKey(
  context: QueueContext,
  tx: WriteTx,
  queue: Pick<QueueRow, 'accountId' | 'attributes'>,
): Promise<void> {
  if (settingsOf(queue.attributes).kmsKeyRef === sqsManagedKeyAlias)
    await context.sealer.ensureManagedKey(tx, queue.accountId, 'sqs');
}

export function queueDoesNotExist(): PciqError {
  return new PciqError('QueueDoesNotExist', 'The specified queue does not exist.');
}

export async function requireQueue(tx: ReadTx, address: QueueAddress): Promise<QueueRow> {
  const queue = await tx.getQueueByName(address.accountId, address.name);
  if (!queue) throw queueDoesNotExist();
  return queue;
}
