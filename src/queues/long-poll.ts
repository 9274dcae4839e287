import type { Clock } from '../core/index.ts';

interface Waiter {
  wake: () => void;
}

/**
 * Parks long-polling receives per queue and wakes them the moment a commit makes messages receivable
 * (a send, a visibility reset, a redrive), rather than polling the store.
 *
 * Each queue has a generation that every signal bumps. A receive notes the generation before it looks for
 * messages and waits only if no signal came since: a send that commits in the same group commit as the
 * empty look, just before the receive parks, is not missed.
 */
export class ReceiveWaiters {
  private readonly clock: Clock;
  private readonly byQueue = new Map<number, Set<Waiter>>();
  private readonly generations = new Map<number, number>();

  constructor(clock: Clock) {
    this.clock = clock;
  }

  generation(queueId: number): number {
    return this.generations.get(queueId) ?? 0;
  }

  /**
   * Resolves when `queueId` is signalled after `sinceGeneration`, at `untilMs`, or when `signal` aborts,
   * whichever comes first.
   */
  wait(queueId: number, sinceGeneration: number, untilMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted || this.generation(queueId) !== sinceGeneration || untilMs <= this.clock.now()) {
        return resolve();
      }
      let waiters = this.byQueue.get(queueId);
      if (!waiters) {
        waiters = new Set();
        this.byQueue.set(queueId, waiters);
      }
      const set = waiters;
      const onAbort = () => waiter.wake();
      const cancelTimer = this.clock.setTimer(untilMs - this.clock.now(), onAbort);
      const waiter: Waiter = {
        wake: () => {
          cancelTimer();
          signal?.removeEventListener('abort', onAbort);
          set.delete(waiter);
          if (set.size === 0 && this.byQueue.get(queueId) === set) this.byQueue.delete(queueId);
          resolve();
        },
      };
      set.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  notify(queueId: number): void {
    this.generations.set(queueId, this.generation(queueId) + 1);
    const waiters = this.byQueue.get(queueId);
    if (!waiters) return;
    for (const waiter of [...waiters]) waiter.wake();
  }

  waitingOn(queueId: number): number {
    return this.byQueue.get(queueId)?.size ?? 0;
  }
}
