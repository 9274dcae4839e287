import type { AuditAlertRow } from '../../storage/index.ts';
import type { AlertMessage } from '../alerts/alert.ts';
import type { AlertDispatcher, DeliveryState } from '../alerts/dispatcher.ts';
import { type AuditRecord, parseRecord } from '../record.ts';
import { outsideRequests } from '../request-audit.ts';
import { unreadableRecord } from '../stored-record.ts';
import type { AuditTrail } from '../trail.ts';
import { emptyReviewState, evaluate, pruneState, type RaisedAlert, type ReviewState } from './evaluator.ts';
import type { ReviewRule } from './rules.ts';

const stateKey = 'review';
const pageSize = 500;
/** A commit is reviewed this soon after it lands; a burst of commits is reviewed in one pass. */
const reviewDelayMs = 100;
/** The cursor and the rules' state are saved with every alert, and at least this often otherwise. */
const saveIntervalMs = 5_000;

interface SavedReview {
  cursor: number;
  state: ReviewState;
}

/**
 * PCI DSS 10.4.1.1: reviews the trail continuously. Records committed in this process are reviewed within
 * a tenth of a second (the trail notifies after commit); records written by other processes (a `pciq
 * audit` command) are picked up by a poll. Alerts, the `audit:AlertRaised` record of each, the cursor and
 * the rules' state are written in one transaction. Between alerts the cursor is saved every few seconds,
 * not per pass (a write per pass would cost a commit per request): after a crash the records since the
 * last save are reviewed again, and since evaluation is deterministic and the state saved with the cursor,
 * they raise exactly the alerts they had not raised before.
 */
export class Reviewer {
  private readonly trail: AuditTrail;
  private readonly rules: readonly ReviewRule[];
  private readonly dispatcher: AlertDispatcher;
  private readonly pollIntervalMs: number;
  private readonly onError: (error: unknown) => void;
  private saved: SavedReview | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopListening: (() => void) | undefined;
  private cancelPoll: (() => void) | undefined;
  private cancelScheduled: (() => void) | undefined;
  private savedCursor = -1;
  /** Records committed in this process, by seq, not reviewed yet. */
  private readonly held = new Map<number, AuditRecord>();
  private lastSaveMs = Number.NEGATIVE_INFINITY;

  constructor(options: {
    trail: AuditTrail;
    rules: readonly ReviewRule[];
    dispatcher: AlertDispatcher;
    pollIntervalMs?: number;
    onError: (error: unknown) => void;
  }) {
    this.trail = options.trail;
    this.rules = options.rules;
    this.dispatcher = options.dispatcher;
    this.pollIntervalMs = options.pollIntervalMs ?? 2_000;
    this.onError = options.onError;
  }

  /** Resumes deliveries left pending by a previous run, then reviews as records arrive. */
  async start(): Promise<void> {
    const pending = await this.trail.store.read((tx) => tx.audit.undeliveredAlerts(1_000));
    for (const row of pending) this.dispatcher.dispatch(this.messageOf(row), JSON.parse(row.delivery) as DeliveryState);
    this.stopListening = this.trail.onAppended(() => this.schedule());
    outsideRequests(() => this.poll());
    await outsideRequests(() => this.review());
  }

  private schedule(): void {
    if (this.cancelScheduled) return;
    // Commits notify from inside the request that made them; the review is nobody's request.
    this.cancelScheduled = outsideRequests(() =>
      this.trail.clock.setTimer(reviewDelayMs, () => {
        this.cancelScheduled = undefined;
        void this.review().catch(this.onError);
      }),
    );
  }

  private poll(): void {
    this.cancelPoll = this.trail.clock.setTimer(this.pollIntervalMs, () => {
      void this.review()
        .catch(this.onError)
        .finally(() => {
          if (this.stopListening) this.poll();
        });
    });
  }

  /** Reviews every record not reviewed yet; concurrent calls fold into one more pass. */
  review(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async pass(): Promise<void> {
    const { store } = this.trail;
    this.saved ??= await store.read(async (tx) => {
      const text = await tx.audit.getState(stateKey);
      return text ? (JSON.parse(text) as SavedReview) : { cursor: -1, state: emptyReviewState() };
    });
    const saved = this.saved;
    this.savedCursor = Math.max(this.savedCursor, saved.cursor);
    for (const appended of this.trail.takeCommitted()) {
      if (appended.seq > saved.cursor) this.held.set(appended.seq, appended.record);
    }
    for (;;) {
      const batch = await this.nextBatch(saved.cursor + 1);
      if (batch.length === 0) return;
      const raised: RaisedAlert[] = [];
      for (const record of batch) raised.push(...evaluate(this.rules, saved.state, record));
      const last = batch[batch.length - 1]!;
      const cursor = last.seq;
      for (const seq of this.held.keys()) if (seq <= cursor) this.held.delete(seq);
      pruneState(this.rules, saved.state, Date.parse(last.time));
      if (raised.length === 0 && this.trail.clock.now() - this.lastSaveMs < saveIntervalMs) {
        saved.cursor = cursor;
        continue;
      }
      let messages: Array<{ message: AlertMessage; delivery: DeliveryState }>;
      try {
        messages = await this.saveWith(raised, cursor, saved);
      } catch (error) {
        // The state in memory ran ahead of what was saved: start again from what was.
        this.saved = undefined;
        throw error;
      }
      saved.cursor = cursor;
      this.savedCursor = cursor;
      this.lastSaveMs = this.trail.clock.now();
      for (const { message, delivery } of messages) this.dispatcher.dispatch(message, delivery);
    }
  }

  /**
   * The records from `from` on: those this process committed come from memory; a record it did not see
   * (written by another process, or by a unit outside the auditing store) sends it to the store.
   */
  private async nextBatch(from: number): Promise<AuditRecord[]> {
    const batch: AuditRecord[] = [];
    for (let seq = from; batch.length < pageSize; seq++) {
      const record = this.held.get(seq);
      if (!record) break;
      batch.push(record);
    }
    if (batch.length > 0) return batch;
    const rows = await this.trail.store.read((tx) => tx.audit.records(from, pageSize));
    const records: AuditRecord[] = [];
    for (const row of rows) {
      try {
        records.push(parseRecord(row.body));
      } catch {
        // An unreadable record is verification's finding, not the reviewer's; review goes on past it.
        records.push(unreadableRecord(row.seq, row.timeMs));
      }
    }
    return records;
  }

  private saveWith(
    raised: readonly RaisedAlert[],
    cursor: number,
    saved: SavedReview,
  ): Promise<Array<{ message: AlertMessage; delivery: DeliveryState }>> {
    return this.trail.store.write(async (tx) => {
      const out: Array<{ message: AlertMessage; delivery: DeliveryState }> = [];
      for (const alert of raised) {
        const delivery = this.dispatcher.initialState();
        const { id: _, ...fields }: AuditAlertRow = {
          id: 0,
          ruleId: alert.ruleId,
          severity: alert.severity,
          timeMs: this.trail.clock.now(),
          summary: alert.summary,
          detail: JSON.stringify(alert.detail),
          recordSeq: alert.recordSeq,
          delivery: JSON.stringify(delivery),
          isPending: Object.keys(delivery).length > 0,
        };
        const id = await tx.audit.insertAlert(fields);
        const message = this.messageOf({ id, ...fields });
        await this.trail.append(
          tx,
          this.trail.systemDraft('audit:AlertRaised', 'audit', 'success', {
            alertId: id,
            rule: alert.ruleId,
            severity: alert.severity,
            recordSeq: alert.recordSeq,
          }),
        );
        out.push({ message, delivery });
      }
      await tx.audit.setState(stateKey, JSON.stringify({ cursor, state: saved.state }));
      return out;
    });
  }

  private messageOf(row: AuditAlertRow): AlertMessage {
    return {
      id: row.id,
      rule: row.ruleId,
      severity: row.severity,
      summary: row.summary,
      time: new Date(row.timeMs).toISOString(),
      recordSeq: row.recordSeq,
      log: this.trail.logId,
      node: this.trail.node,
      detail: JSON.parse(row.detail) as RaisedAlert['detail'],
    };
  }

  /** Saves the cursor and the rules' state if they moved since the last save. */
  async save(): Promise<void> {
    const saved = this.saved;
    if (!saved || saved.cursor === this.savedCursor) return;
    await this.trail.store.write((tx) => tx.audit.setState(stateKey, JSON.stringify(saved)));
    this.savedCursor = saved.cursor;
    this.lastSaveMs = this.trail.clock.now();
  }

  /** Stops reviewing (another node leads now); `start` resumes from the saved cursor. */
  pause(): void {
    this.stopListening?.();
    this.stopListening = undefined;
    this.cancelPoll?.();
    this.cancelScheduled?.();
    this.cancelScheduled = undefined;
    this.saved = undefined;
    this.held.clear();
  }

  stop(): void {
    this.stopListening?.();
    this.stopListening = undefined;
    this.cancelPoll?.();
    this.cancelScheduled?.();
    this.dispatcher.stop();
  }
}
