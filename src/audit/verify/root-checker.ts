import type { CompactRange } from '../merkle/compact-range.ts';
import type { CheckedCheckpoint } from './checkpoint-chain.ts';
import { type Finding, failure } from './findings.ts';

/**
 * Compares signed tree heads with the tree the records give, as a walk reaches each checkpoint's size.
 * A mismatch means a record before that size is not what was signed.
 */
export class RootChecker {
  private readonly pending: CheckedCheckpoint[];
  private next = 0;
  readonly findings: Finding[] = [];

  constructor(checkpoints: readonly CheckedCheckpoint[], startSize: number) {
    this.pending = checkpoints
      .filter((checkpoint) => checkpoint.statement.treeSize > startSize)
      .sort((a, b) => a.statement.treeSize - b.statement.treeSize || a.seq - b.seq);
  }

  /** Call after each record: checks the checkpoints whose tree ends here. */
  reached(range: CompactRange, lastHash: Buffer): void {
    while (this.next < this.pending.length && this.pending[this.next]!.statement.treeSize <= range.size) {
      const checkpoint = this.pending[this.next++]!;
      const { statement } = checkpoint;
      if (statement.treeSize < range.size) continue;
      const root = range.root().toString('hex');
      if (root !== statement.rootHash || statement.lastRecordHash !== lastHash.toString('hex')) {
        this.findings.push(
          failure(
            'checkpoint',
            `checkpoint ${checkpoint.seq} (${statement.treeSize} records) does not match the records: a record before ${statement.treeSize} is not what was signed`,
            { checkpoint: checkpoint.seq, lastSeq: statement.treeSize - 1 },
          ),
        );
      }
    }
  }
}
