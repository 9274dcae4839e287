import type { Clock } from '../../core/index.ts';
import type { Sandbox } from './sandbox.ts';

/** A process waiting longer than this for an invocation is ended. */
const maxIdleMs = 60_000;
/** Processes beyond the warm target are kept this long, for batches that arrive in bursts. */
const surplusIdleMs = 10_000;

/** A started process and the time it must stop taking invocations (its credentials must outlast them). */
export interface StartedSandbox {
  sandbox: Sandbox;
  retireAtMs: number;
}

interface Idle extends StartedSandbox {
  idleSinceMs: number;
}

/**
 * The warm processes of one function version, Lambda's execution environments: started ahead of need, so a
 * batch does not wait for Node to start and the handler module to load (the init phase), and reused for the
 * version's next invocations, one at a time each, until they fail, wait too long or reach their retirement.
 * The pool keeps as many as the mapping has batches in flight, busy ones included; it never lends a process
 * of one version to another.
 */
export class SandboxPool {
  private readonly start: () => Promise<StartedSandbox>;
  private readonly clock: Clock;
  /** Waiting processes, the most recently used last: that one is taken first. */
  private readonly idle: Idle[] = [];
  private readonly busy = new Map<Sandbox, number>();
  private starting = 0;
  private warmTarget = 0;
  private isDisposed = false;

  constructor(start: () => Promise<StartedSandbox>, clock: Clock) {
    this.start = start;
    this.clock = clock;
  }

  /** How many processes to keep, running or ready. */
  setWarmTarget(count: number): void {
    this.warmTarget = Math.max(0, count);
  }

  /** Ends processes that cannot or should no longer serve, and those beyond the warm target once they waited a while. */
  trim(): void {
    const now = this.clock.now();
    const surplus = this.idle.length - Math.max(0, this.warmTarget - this.busy.size);
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const entry = this.idle[i]!;
      const waitedMs = now - entry.idleSinceMs;
      if (!this.isFit(entry, now) || (i < surplus && waitedMs > surplusIdleMs)) {
        this.idle.splice(i, 1);
        entry.sandbox.retire();
      }
    }
  }

  /** A ready process if one waits, else a new one; give it back with `release` after the invocation. */
  async take(): Promise<Sandbox> {
    const now = this.clock.now();
    let taken: StartedSandbox | undefined;
    while (!taken && this.idle.length > 0) {
      const candidate = this.idle.pop()!;
      if (this.isFit(candidate, now)) taken = candidate;
      else candidate.sandbox.retire();
    }
    taken ??= await this.start();
    this.busy.set(taken.sandbox, taken.retireAtMs);
    this.refill();
    return taken.sandbox;
  }

  /** Takes a process back after its invocation: it waits for the next one if it can run it, else it ends. */
  release(sandbox: Sandbox): void {
    const retireAtMs = this.busy.get(sandbox);
    this.busy.delete(sandbox);
    const now = this.clock.now();
    const entry = { sandbox, retireAtMs: retireAtMs ?? now, idleSinceMs: now };
    if (this.isDisposed || !this.isFit(entry, now)) {
      sandbox.retire();
      this.refill();
      return;
    }
    this.idle.push(entry);
  }

  private isFit(entry: Idle, now: number): boolean {
    return entry.sandbox.isReusable && now < entry.retireAtMs && now - entry.idleSinceMs <= maxIdleMs;
  }

  private refill(): void {
    if (this.isDisposed) return;
    while (this.idle.length + this.starting + this.busy.size < this.warmTarget) {
      this.starting++;
      this.start().then(
        (started) => {
          this.starting--;
          if (this.isDisposed || this.idle.length + this.busy.size >= this.warmTarget) started.sandbox.retire();
          else this.idle.push({ ...started, idleSinceMs: this.clock.now() });
        },
        () => {
          this.starting--;
        },
      );
    }
  }

  dispose(): void {
    this.isDisposed = true;
    for (const { sandbox } of this.idle.splice(0)) sandbox.retire();
  }
}
