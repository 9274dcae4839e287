import { type Clock, PciqError, type QueueAddress, queueArn, queueUrl } from '../core/index.ts';
import type { Keyring } from '../crypto/index.ts';
import type { QueueRow, ReadTx, Store } from '../storage/index.ts';
import type { ReceiveWaiters } from './long-poll.ts';
import type { InFlightEstimates, QueueRegistry } from './queue-registry.ts';

/** What every queue operation works with; built once by the service. */
export interface QueueContext {
  store: Store;
  clock: Clock;
  keyring: Keyring;
  region: string;
  /** Base of queue URLs, e.g. https://127.0.0.1:9324 */
  endpoint: string;
  waiters: ReceiveWaiters;
  /** Queue rows for the data path, briefly cached. */
  queues: QueueRegistry;
  inFlight: InFlightEstimates;
}

export function arnOf(context: QueueContext, queue: Pick<QueueRow, 'accountId' | 'name'>): string {
  return queueArn(context.region, queue);
}

export function urlOf(context: QueueContext, queue: Pick<QueueRow, 'accountId' | 'name'>): string {
  return queueUrl(context.endpoint, queue);
}

export function queueDoesNotExist(): PciqError {
  return new PciqError('QueueDoesNotExist', 'The specified queue does not exist.');
}

export async function requireQueue(tx: ReadTx, address: QueueAddress): Promise<QueueRow> {
  const queue = await tx.getQueueByName(address.accountId, address.name);
  if (!queue) throw queueDoesNotExist();
  return queue;
}
