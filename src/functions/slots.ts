/**
 * The sandboxes this host runs at once, across all functions: a batch waits for a slot, and a wait counts
 * as a throttle of the function (Lambda's Throttles metric), as when a function reaches its concurrency.
 */
export class InvocationSlots {
  readonly size: number;
  private inUse = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.size = Math.max(1, size);
  }

  get busy(): number {
    return this.inUse;
  }

  /** Resolves with a release function, and whether the caller had to wait (a throttle). */
  async acquire(signal?: AbortSignal): Promise<{ release: () => void; waited: boolean }> {
    let waited = false;
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      if (this.inUse < this.size) break;
      waited = true;
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    this.inUse++;
    let released = false;
    return {
      waited,
      release: () => {
        if (released) return;
        released = true;
        this.inUse--;
        // Every waiter checks again: one that gave up (aborted) must not swallow the wake-up of another.
        for (const wake of this.waiting.splice(0)) wake();
      },
    };
  }
}
