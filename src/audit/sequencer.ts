import { setTimeout as delay } from 'node:timers/promises';
import type { AuditRecordRow } from '../storage/index.ts';
import { leafHash } from './merkle/hashes.ts';
import { type AuditRecord, encodeRecord, genesisPrev, parseRecord } from './record.ts';
import { storedRowOf } from './stored-record.ts';
import type { AppendedRecord, AuditTrail } from './trail.ts';

/** Staged records chained per transaction at most. */
const batchSize = 1_000;
/** How soon a busy sequencer (another node's) is asked again. */
const busyRetryMs = 5;
/**
 * How long a kick waits before its pass: a pass is a transaction of its own (seven statements and a commit),
 * and under load every commit kicks, so passes chain what accumulated meanwhile rather than running back to
 * back. Staged records are durable already; only their place in the chain (and so their review) waits.
 */
const kickDelayMs = 100;
/** Records staged by a node that died before it sequenced them are picked up this often by any node. */
const sweepIntervalMs = 1_000;

/**
 * Chains staged records on stores where several nodes write (PostgreSQL). A request's record is staged in the
 * request's own transaction (an insert no other node waits for); the sequencer then takes the sequencer lock
 * without waiting (a node that finds it taken leaves the work to the holder, which chains every node's staged
 * records, unless it must see them chained: then it tries again a moment later), reads the head once, gives
 * each staged record its seq and the leaf hash of the one before, and appends them in one transaction that
 * also removes them from staging. One chain, one Merkle tree, the same verification as with one writer; the
 * cost is one lock per batch instead of one per request. docs/postgres.md explains the design.
 */
export class AuditSequencer {
  private readonly trail: AuditTrail;
  private running: Promise<void> | undefined;
  private again = false;
  /** Set while some caller waits for everything staged so far to be chained (`drain`). */
  private mustFinish = false;
  private sweep: NodeJS.Timeout | undefined;
  private kickTimer: NodeJS.Timeout | undefined;

  constructor(trail: AuditTrail) {
    this.trail = trail;
  }

  /** Chains whatever is staged soon; kicks until then, and during a pass, fold into one more pass. */
  kick(): void {
    this.kickTimer ??= setTimeout(() => {
      this.kickTimer = undefined;
      void this.run(false).catch(() => undefined);
    }, kickDelayMs).unref();
  }

  /** Chains everything staged so far and resolves when it is in the chain. */
  async drain(): Promise<void> {
    await this.run(true);
  }

  startSweeping(): void {
    this.sweep ??= setInterval(() => this.kick(), sweepIntervalMs).unref();
  }

  /** Stops sweeping; a drain under way still finishes. */
  stop(): void {
    clearInterval(this.sweep);
    clearTimeout(this.kickTimer);
    this.sweep = undefined;
    this.kickTimer = undefined;
  }

  private run(mustFinish: boolean): Promise<void> {
    if (mustFinish) this.mustFinish = true;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          for (;;) {
            const pass = await this.pass();
            if (pass === 'busy') {
              // Another node is chaining, and it chains what this one staged too: a kick leaves the work to
              // it (and to the sweep); a drain waits its turn, since its caller needs everything in the chain.
              if (!this.mustFinish) break;
              await delay(busyRetryMs);
              continue;
            }
            if (pass.length > 0) this.trail.noteChained(pass);
            if (pass.length < batchSize) break;
          }
        } while (this.again);
      } finally {
        this.running = undefined;
        this.mustFinish = false;
      }
    })();
    return this.running;
  }

  private pass(): Promise<AppendedRecord[] | 'busy'> {
    const { trail } = this;
    return trail.store.write(async (tx) => {
      // Asked together (one round trip where the store pipelines): the reads come after the lock, so what
      // they see is what the lock's holder may chain; without the lock they are simply not used.
      const [locked, staged, head] = await Promise.all([
        tx.audit.lockSequencer(),
        tx.audit.staged(batchSize),
        tx.audit.head(),
      ]);
      if (!locked) return 'busy';
      if (staged.length === 0) return [];
      let seq = head ? head.seq + 1 : 0;
      let prev = head ? Buffer.from(head.hash).toString('hex') : genesisPrev;
      const chained: AppendedRecord[] = [];
      const rows: AuditRecordRow[] = [];
      for (const row of staged) {
        const record = this.authentic(row.body, row.mac) ?? this.rejection(row.id, row.timeMs);
        record.seq = seq;
        record.prev = prev;
        // Same keys in the same order as the staged canonical form: only the position changes.
        const body = JSON.stringify(record);
        const hash = leafHash(body);
        rows.push(storedRowOf(record, { seq, body, hash, mac: trail.macOf(hash) }));
        chained.push({ seq, hash, record });
        seq++;
        prev = hash.toString('hex');
      }
      // Sent one behind the other without waiting in between: one more round trip for both.
      await Promise.all([tx.audit.append(rows), tx.audit.deleteStaged(staged.map((row) => row.id))]);
      return chained;
    });
  }

  /** The staged record, if its MAC shows pciq wrote it and nobody changed it since. */
  private authentic(body: string, mac: string): AuditRecord | undefined {
    if (!this.trail.isAuthentic(leafHash(body), mac)) return undefined;
    try {
      return parseRecord(body);
    } catch {
      return undefined;
    }
  }

  /**
   * A staged record altered before it was chained is not chained as if genuine: its place holds a failure
   * record naming the staging id, which review and verification report (PCI DSS 10.3.4).
   */
  private rejection(stagedId: number, timeMs: number): AuditRecord {
    const draft = this.trail.systemDraft('audit:StagedRecordRejected', 'audit', 'failure', { stagedId });
    return encodeRecord(draft, { seq: -1, prev: '', timeMs, clock: this.trail.clockSource }).record;
  }
}
