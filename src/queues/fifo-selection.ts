import type { MessageOrderRow } from '../storage/index.ts';

/**
 * FIFO receive selection, pure: given a queue's messages in send order, which may be handed out now?
 *
 * A group is blocked while its oldest message is not visible (in flight, or delayed), so one group is in
 * flight at a time and its messages leave strictly in order. From each open group a run of consecutive
 * visible messages is eligible. As SQS does, a receive returns as many messages of one group as it can
 * before moving on to the next group (groups ordered by their oldest message).
 */
export class FifoSelection {
  private readonly nowMs: number;
  private readonly blocked = new Set<string>();
  private readonly runs = new Map<string, number[]>();
  private eligible = 0;

  constructor(nowMs: number) {
    this.nowMs = nowMs;
  }

  /** Feeds the next message in `seq` order. */
  add(row: MessageOrderRow): void {
    if (row.expiresAtMs <= this.nowMs) return; // expired: gone for SQS, swept later
    const group = row.groupKey ?? '';
    if (this.blocked.has(group)) return;
    if (row.visibleAtMs > this.nowMs) {
      this.blocked.add(group);
      return;
    }
    const run = this.runs.get(group);
    if (run) run.push(row.seq);
    else this.runs.set(group, [row.seq]);
    this.eligible++;
  }

  get eligibleCount(): number {
    return this.eligible;
  }

  /** Up to `max` seqs, whole runs of one group first, groups in order of their oldest eligible message. */
  pick(max: number): number[] {
    const picked: number[] = [];
    for (const run of this.runs.values()) {
      for (const seq of run) {
        if (picked.length === max) return picked;
        picked.push(seq);
      }
    }
    return picked;
  }
}
