import { PciqError, type QueueAddress } from '../core/index.ts';
import type { QueueRow } from '../storage/index.ts';
import { type QueueContext, requireQueue } from './context.ts';
import { quarantineAttribute } from './queue-attributes.ts';

/**
 * A queue quarantined by incident response (PCI DSS 12.10): no message leaves it (receives are refused)
 * and nothing in it is destroyed (purge and delete are refused), while producers keep sending so no order
 * is lost. The incident id is kept as a read-only attribute that clients see in GetQueueAttributes and
 * cannot set; only `pciq incident` sets and lifts it.
 */
export function quarantineOf(queue: Pick<QueueRow, 'attributes'>): string | undefined {
  return queue.attributes[quarantineAttribute] || undefined;
}

/** Refuses an operation on a quarantined queue, as AccessDenied: no retry helps until the incident is released. */
export function refuseIfQuarantined(queue: QueueRow, operation: string): void {
  const incident = quarantineOf(queue);
  if (incident === undefined) return;
  throw new PciqError(
    'AccessDenied',
    `The queue ${queue.name} is quarantined by incident ${incident}: ${operation} is refused until the incident is released (pciq incident release ${incident}).`,
  );
}

/** Sets (incident id) or lifts (null) a queue's quarantine; returns the incident it had before. */
export async function setQuarantine(
  context: QueueContext,
  address: QueueAddress,
  incident: string | null,
): Promise<string | undefined> {
  const previous = await context.store.write(async (tx) => {
    const queue = await requireQueue(tx, address);
    const before = quarantineOf(queue);
    const attributes = { ...queue.attributes };
    if (incident === null) delete attributes[quarantineAttribute];
    else attributes[quarantineAttribute] = incident;
    await tx.updateQueue({ ...queue, attributes, lastModifiedAtMs: context.clock.now() });
    return before;
  });
  context.queues.invalidate(address);
  return previous;
}
