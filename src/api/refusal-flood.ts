import type { Clock } from '../core/index.ts';

/**
 * How many refusals of one kind from one address are recorded one by one in a window: enough to show the
 * pattern with each connection's own facts (its client certificate, its TLS version), and as many as the
 * default `brute-force-origin` rule needs (10 within 300 s), so that rule fires on them alone.
 */
export const individualRefusalsPerWindow = 10;

/**
 * The window after the first refusal of a kind from an address. A minute keeps a flood to 11 records a
 * minute per address and kind, and its summary comes well within the 300 s windows review rules count in.
 */
export const refusalWindowMs = 60_000;

/**
 * The addresses (with kind of refusal) tracked at once; a refusal from one more goes into an aggregate over
 * all of them. An entry is a few hundred bytes, so the tracker stays under a megabyte, and an attacker who
 * rotates addresses gets at most 10,000 records a minute written one by one, instead of one per connection.
 */
export const maxTrackedSources = 1_000;

/** The distinct error codes a summary lists; a flood of one kind rarely shows more than two or three. */
export const maxCodesPerSummary = 8;

/** A refusal as the tracker sees it: where from, what kind, and the Node or OpenSSL code, if any. */
export interface RefusalSighting {
  ip: string | null;
  type: string;
  error: string;
  code: string | null;
}

/** The refusals of a window that were counted instead of recorded one by one. */
export interface RefusalSummary {
  /** The address they came from; null for the aggregate of addresses beyond `maxTrackedSources`. */
  ip: string | null;
  type: string;
  error: string;
  occurrences: number;
  firstMs: number;
  lastMs: number;
  codes: string[];
  /** For the aggregate: the first and last address it counted. */
  addresses?: { first: string | null; last: string | null };
}

interface Tally {
  ip: string | null;
  type: string;
  error: string;
  startMs: number;
  recorded: number;
  counted: number;
  firstMs: number;
  lastMs: number;
  codes: Set<string>;
  addresses?: { first: string | null; last: string | null };
}

/**
 * Decides, per source address and kind of refusal, which refused connections are recorded one by one (the
 * first `individualRefusalsPerWindow` of a window) and which are counted into one summary, handed to
 * `onSummary` when the window ends or at `flush`. Nothing counted is dropped; memory stays bounded.
 */
export class RefusalFloodTracker {
  private readonly clock: Clock;
  private readonly onSummary: (summary: RefusalSummary) => void;
  /** Tallies by address and kind, in the order their windows started. */
  private readonly tracked = new Map<string, Tally>();
  /** Tallies of refusals from addresses beyond the cap, by kind. */
  private readonly beyondCap = new Map<string, Tally>();
  private cancelTimer: (() => void) | undefined;

  constructor(options: { clock: Clock; onSummary: (summary: RefusalSummary) => void }) {
    this.clock = options.clock;
    this.onSummary = options.onSummary;
  }

  /** True when `sighting` is to be recorded on its own; otherwise it was counted for a summary. */
  admit(sighting: RefusalSighting): boolean {
    const nowMs = this.clock.now();
    const key = `${sighting.error} ${sighting.ip ?? ''}`;
    let tally = this.tracked.get(key);
    if (tally && nowMs - tally.startMs >= refusalWindowMs) {
      this.close(this.tracked, key, tally);
      tally = undefined;
    }
    if (!tally && this.tracked.size >= maxTrackedSources) {
      this.countBeyondCap(sighting, nowMs);
      return false;
    }
    if (!tally) {
      tally = this.open(sighting, nowMs);
      this.tracked.set(key, tally);
    }
    if (tally.recorded < individualRefusalsPerWindow) {
      tally.recorded++;
      return true;
    }
    count(tally, sighting.code, nowMs);
    return false;
  }

  /** Hands over a summary of everything counted and not yet summarized (at shutdown), and forgets it all. */
  flush(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    for (const tallies of [this.tracked, this.beyondCap]) {
      for (const [key, tally] of tallies) this.close(tallies, key, tally);
    }
  }

  /** How many tallies are held (for tests of the cap). */
  get size(): number {
    return this.tracked.size + this.beyondCap.size;
  }

  private countBeyondCap(sighting: RefusalSighting, nowMs: number): void {
    let tally = this.beyondCap.get(sighting.error);
    if (tally && nowMs - tally.startMs >= refusalWindowMs) {
      this.close(this.beyondCap, sighting.error, tally);
      tally = undefined;
    }
    if (!tally) {
      tally = { ...this.open({ ...sighting, ip: null }, nowMs), addresses: { first: sighting.ip, last: sighting.ip } };
      this.beyondCap.set(sighting.error, tally);
    }
    tally.addresses!.last = sighting.ip;
    count(tally, sighting.code, nowMs);
  }

  private open(sighting: RefusalSighting, nowMs: number): Tally {
    // Windows all last as long, so the first one opened is the first to end: one timer serves them all.
    if (!this.cancelTimer) this.cancelTimer = this.clock.setTimer(refusalWindowMs, () => this.closeEnded());
    const { ip, type, error } = sighting;
    return { ip, type, error, startMs: nowMs, recorded: 0, counted: 0, firstMs: 0, lastMs: 0, codes: new Set() };
  }

  /** Summarizes and forgets the windows that have ended, then waits for the next to end. */
  private closeEnded(): void {
    this.cancelTimer = undefined;
    const nowMs = this.clock.now();
    const hasEnded = (tally: Tally) => nowMs - tally.startMs >= refusalWindowMs;
    // Tracked tallies are in the order their windows started: the ended ones come first.
    for (const [key, tally] of this.tracked) {
      if (!hasEnded(tally)) break;
      this.close(this.tracked, key, tally);
    }
    for (const [key, tally] of this.beyondCap) if (hasEnded(tally)) this.close(this.beyondCap, key, tally);
    const starts = [...this.beyondCap.values()].map((tally) => tally.startMs);
    const oldestTracked = this.tracked.values().next().value;
    if (oldestTracked) starts.push(oldestTracked.startMs);
    if (starts.length > 0) {
      const delayMs = Math.min(...starts) + refusalWindowMs - nowMs;
      this.cancelTimer = this.clock.setTimer(delayMs, () => this.closeEnded());
    }
  }

  private close(tallies: Map<string, Tally>, key: string, tally: Tally): void {
    tallies.delete(key);
    if (tally.counted === 0) return;
    const { ip, type, error, counted, firstMs, lastMs, codes, addresses } = tally;
    this.onSummary({
      ip,
      type,
      error,
      occurrences: counted,
      firstMs,
      lastMs,
      codes: [...codes],
      ...(addresses ? { addresses } : {}),
    });
  }
}

function count(tally: Tally, code: string | null, nowMs: number): void {
  if (tally.counted === 0) tally.firstMs = nowMs;
  tally.counted++;
  tally.lastMs = nowMs;
  if (code !== null && tally.codes.size < maxCodesPerSummary) tally.codes.add(code);
}
