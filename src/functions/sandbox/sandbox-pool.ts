import type { Clock } from '../../core/index.ts';
import type { Sandbox } from './sandbox.ts';

/** A started process that waits longer than this is replaced: its session credentials age while it waits. */
const maxIdleMs = 60_000;
/** Processes beyond the warm target are kept this long, for batches that arrive in bursts. */
const surplusIdleMs = 10_000;

interface Idle {
  sandbox: Sandbox;
  startedAtMs: number;
}

/**
 * Processes of one function version started ahead of their invocation, so the next batch does not wait for
 * Node to start and the handler module to load (Lambda's init phase). Each serves one invocation only; the
 * pool keeps as many ready as the mapping has batches in flight.
 */
export class SandboxPool {
  private readonly start: () => Promise<Sandbox>;
  private readonly clock: Clock;
  private readonly idle: Idle[] = [];
  private starting = 0;
  private warmTarget = 0;
  private isDisposed = false;

  constructor(start: () => Promise<Sandbox>, clock: Clock) {
    this.start = start;
    this.clock = clock;
  }

  /** How many processes to keep ready. */
  setWarmTarget(count: number): void {
    this.warmTarget = Math.max(0, count);
  }

  /** Ends processes that waited too long, and those beyond the warm target once they have waited a while. */
  trim(): void {
    const now = this.clock.now();
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const waitedMs = now - this.idle[i]!.startedAtMs;
      if (waitedMs > maxIdleMs || (i >= this.warmTarget && waitedMs > surplusIdleMs)) {
        this.idle.splice(i, 1)[0]!.sandbox.kill();
      }
    }
  }

  /** A ready process if one waits, else a new one; either way another is started to take its place. */
  async take(): Promise<Sandbox> {
    const now = this.clock.now();
    let taken: Sandbox | undefined;
    while (!taken && this.idle.length > 0) {
      const candidate = this.idle.shift()!;
      if (now - candidate.startedAtMs <= maxIdleMs) taken = candidate.sandbox;
      else candidate.sandbox.kill();
    }
    const sandbox = taken ?? (await this.start());
    this.refill();
    return sandbox;
  }

  private refill(): void {
    if (this.isDisposed) return;
    while (this.idle.length + this.starting < this.warmTarget) {
      this.starting++;
      this.start().then(
        (sandbox) => {
          this.starting--;
          if (this.isDisposed || this.idle.length >= this.warmTarget) sandbox.kill();
          else this.idle.push({ sandbox, startedAtMs: this.clock.now() });
        },
        () => {
          this.starting--;
        },
      );
    }
  }

  dispose(): void {
    this.isDisposed = true;
    for (const { sandbox } of this.idle.splice(0)) sandbox.kill();
  }
}
