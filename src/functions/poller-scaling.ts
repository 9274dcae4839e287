/**
 * How many batches of one event source mapping run at once, as Lambda scales SQS pollers: it starts with 5
 * concurrent batches and, while messages are waiting, adds up to 300 per minute, up to the mapping's
 * maximum concurrency; when receives come back empty it steps down again, never below where it started.
 */
export const initialConcurrency = 5;
export const scaleUpPerMinute = 300;

/** What the pollers saw since the last adjustment. */
export interface PollSignals {
  /** Receives that returned as many messages as were asked for: more are waiting. */
  fullReceives: number;
  /** Receives that waited and returned nothing. */
  emptyReceives: number;
}

export class PollerScaling {
  readonly max: number;
  readonly floor: number;
  private current: number;
  /** Fractions of a poller earned at 300 per minute, spent as whole pollers. */
  private credit = 0;

  constructor(max: number) {
    this.max = Math.max(1, max);
    this.floor = Math.min(initialConcurrency, this.max);
    this.current = this.floor;
  }

  get target(): number {
    return this.current;
  }

  adjust(elapsedMs: number, signals: PollSignals): number {
    if (signals.fullReceives > 0) {
      this.credit += (Math.max(0, elapsedMs) * scaleUpPerMinute) / 60_000;
      const added = Math.min(Math.floor(this.credit), this.max - this.current);
      this.current += added;
      this.credit = this.current === this.max ? 0 : this.credit - added;
    } else {
      this.credit = 0;
      if (signals.emptyReceives > 0 && this.current > this.floor) this.current -= 1;
    }
    return this.current;
  }
}
