import type { Clock, QueueAddress } from '../core/index.ts';
import type { QueueRow, Store } from '../storage/index.ts';
import { queueDoesNotExist } from './context.ts';

/**
 * Queue rows for the data path (send, receive, delete), cached briefly so that a request does not read its
 * queue from the store every time. SQS documents the same latitude: attribute changes take up to 60 seconds
 * to apply and a deleted queue may accept sends for a while. This process's own changes invalidate at once;
 * changes made elsewhere (another node) show after at most `ttlMs`. Management operations read fresh rows
 * inside their transactions.
 */
export class QueueRegistry {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly cache = new Map<string, { queue: QueueRow; fetchedAtMs: number }>();

  constructor(store: Store, clock: Clock, ttlMs = 1_000) {
    this.store = store;
    this.clock = clock;
    this.ttlMs = ttlMs;
  }

  private static key(address: QueueAddress): string {
    return `${address.accountId}/${address.name}`;
  }

  /** `fresh` reads the store even when a cached row is young enough. */
  async get(address: QueueAddress, options: { fresh?: boolean } = {}): Promise<QueueRow> {
    const key = QueueRegistry.key(address);
    const now = this.clock.now();
    const cached = this.cache.get(key);
    if (cached && !options.fresh && now - cached.fetchedAtMs < this.ttlMs) return cached.queue;
    const queue = await this.store.read((tx) => tx.getQueueByName(address.accountId, address.name));
    if (!queue) {
      this.cache.delete(key);
      throw queueDoesNotExist();
    }
    this.cache.set(key, { queue, fetchedAtMs: now });
    return queue;
  }

  invalidate(address: QueueAddress): void {
    this.cache.delete(QueueRegistry.key(address));
  }
}

/**
 * Messages in flight per queue, recounted at most once a second: SQS's in-flight limit is approximate too,
 * and an exact count on every receive would cost a scan of every in-flight message.
 */
export class InFlightEstimates {
  private readonly clock: Clock;
  private readonly estimates = new Map<number, { count: number; countedAtMs: number }>();

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** The current estimate, or undefined when it is due for a recount. */
  current(queueId: number): number | undefined {
    const estimate = this.estimates.get(queueId);
    if (!estimate || this.clock.now() - estimate.countedAtMs >= 1_000) return undefined;
    return estimate.count;
  }

  counted(queueId: number, count: number): void {
    this.estimates.set(queueId, { count, countedAtMs: this.clock.now() });
  }

  claimed(queueId: number, count: number): void {
    const estimate = this.estimates.get(queueId);
    if (estimate) estimate.count += count;
  }
}
