import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AuditCheckpointRow, AuditTreeNode } from '../storage/index.ts';
import {
  type CheckpointReason,
  checkpointHash,
  encodeCheckpoint,
  genesisCheckpointPrev,
  parseCheckpoint,
} from './checkpoint.ts';
import { CompactRange } from './merkle/compact-range.ts';
import { genesisPrev } from './record.ts';
import { keepCheckpoint, readKeptCheckpoint } from './retention/kept-checkpoint-file.ts';
import { signBytes } from './signing-key.ts';
import { storedNodeMinLevel } from './stored-tree.ts';
import type { AuditTrail } from './trail.ts';
import { examineRecord, type RecordProblem } from './verify/record-examiner.ts';

const pageSize = 2_000;

export interface CheckpointResult {
  checkpoint: AuditCheckpointRow | undefined;
  /** Records that failed their check before sealing; nothing was signed when there are any. */
  problems: Array<{ seq: number; problems: RecordProblem[] }>;
}

/**
 * Writes signed checkpoints. Each extends the compact range of the previous checkpoint with the records
 * since, checking every one of them first (content, MAC, position, chain link): a record altered before it
 * was sealed is refused rather than signed, and reported (PCI DSS 10.3.4). The work is done in pages read
 * outside the write lock; only the final insert is a write.
 */
export class Checkpointer {
  private readonly trail: AuditTrail;
  private readonly archiveDir: string;

  /**
   * `archiveDir`: where the latest checkpoint is kept apart from the store, for verification to compare. It is
   * required: every checkpoint signed — by `pciq serve`, `pciq init`, the IAM, key, audit, compliance,
   * functions and incident commands — must be kept, or the copy lags behind the store and deleting the newer
   * checkpoints (with the records they alone cover) goes unseen.
   */
  constructor(trail: AuditTrail, options: { archiveDir: string }) {
    this.trail = trail;
    this.archiveDir = options.archiveDir;
  }

  /** Signs a checkpoint over the current head. With reason `interval`, nothing is written if nothing changed. */
  async checkpoint(reason: CheckpointReason): Promise<CheckpointResult> {
    const { store } = this.trail;
    // Records staged by this or any node so far are sealed by this checkpoint.
    await this.trail.sequence();
    for (;;) {
      const { latest, head } = await store.read(async (tx) => ({
        latest: await tx.audit.latestCheckpoint(),
        head: await tx.audit.head(),
      }));
      const target = head ? head.seq + 1 : 0;
      if (reason === 'interval' && latest && latest.treeSize === target) return { checkpoint: undefined, problems: [] };
      const range = latest ? CompactRange.fromJSON(JSON.parse(latest.frontier)) : new CompactRange();
      const latestStatement = latest ? parseCheckpoint(latest.body) : undefined;
      let prevHash: Buffer = Buffer.from(latestStatement?.lastRecordHash ?? genesisPrev, 'hex');
      const closed: AuditTreeNode[] = [];
      const problems: CheckpointResult['problems'] = [];
      while (range.size < target) {
        const rows = await store.read((tx) => tx.audit.records(range.size, Math.min(pageSize, target - range.size)));
        if (rows.length === 0) {
          problems.push({ seq: range.size, problems: ['misplaced'] });
          break;
        }
        for (const row of rows) {
          const examination = examineRecord(row, prevHash, (hash, mac) => this.trail.isAuthentic(hash, mac));
          if (row.seq !== range.size) examination.problems.push('misplaced');
          if (examination.problems.length > 0) problems.push({ seq: row.seq, problems: examination.problems });
          for (const node of range.append(examination.hash)) if (node.level >= storedNodeMinLevel) closed.push(node);
          prevHash = examination.hash;
        }
        await nextTurn();
      }
      if (problems.length > 0) return { checkpoint: undefined, problems };
      const key = this.trail.signingKey;
      const timeMs = this.trail.clock.now();
      const body = encodeCheckpoint({
        log: this.trail.logId,
        seq: latest ? latest.seq + 1 : 0,
        treeSize: range.size,
        rootHash: range.root().toString('hex'),
        lastRecordHash: range.size > 0 ? prevHash.toString('hex') : null,
        prev: latest ? checkpointHash(latest.body) : genesisCheckpointPrev,
        time: new Date(timeMs).toISOString(),
        clock: this.trail.clockSource,
        reason,
        keyId: key.keyId,
      });
      const row: AuditCheckpointRow = {
        seq: latest ? latest.seq + 1 : 0,
        treeSize: range.size,
        timeMs,
        body,
        signature: signBytes(key, body),
        frontier: JSON.stringify(range),
      };
      const written = await store.write(async (tx) => {
        // Another process (another node, or a `pciq audit` command next to the server) may have checkpointed
        // meanwhile, or be checkpointing right now: then this one starts again from that checkpoint.
        if ((await tx.audit.latestCheckpoint())?.seq !== latest?.seq) return false;
        if (!(await tx.audit.insertCheckpoint(row))) return false;
        await tx.audit.putTreeNodes(closed);
        return true;
      });
      if (written) {
        await this.keep(row);
        return { checkpoint: row, problems: [] };
      }
    }
  }

  /**
   * Keeps `row` in the archive directory in place of the checkpoint kept there, if it extends it: the store
   * still holds the kept checkpoint as it was. A kept checkpoint the store lost or changed is evidence that
   * the trail's end was removed or rewritten, so it stays for `pciq audit verify` to report.
   */
  private async keep(row: AuditCheckpointRow): Promise<void> {
    const kept = readKeptCheckpoint(this.archiveDir);
    if (kept.status === 'unreadable') return;
    if (kept.status === 'kept') {
      let keptSeq: number;
      try {
        keptSeq = parseCheckpoint(kept.checkpoint.statement).seq;
      } catch {
        return;
      }
      if (keptSeq >= row.seq) return;
      const [stored] = await this.trail.store.read((tx) => tx.audit.checkpoints(keptSeq, 1));
      if (stored?.seq !== keptSeq || stored.body !== kept.checkpoint.statement) return;
    }
    keepCheckpoint(this.archiveDir, row);
  }
}
