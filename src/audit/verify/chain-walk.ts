import type { AuditRecordRow } from '../../storage/index.ts';
import type { CompactRange } from '../merkle/compact-range.ts';
import { type Finding, failure, rangeText } from './findings.ts';
import { examineRecord, type RecordProblem } from './record-examiner.ts';

interface Observation {
  position: number;
  bodySeq: number | undefined;
  problems: RecordProblem[];
}

/**
 * Walks stored records in storage order and says what is wrong, naming places. Each record is checked on
 * its own (content against hash, MAC, search columns) and against its neighbours (position, gap, chain
 * link); at the end the observations are read together, so that a swap reads as a swap and a forged
 * append as an insertion rather than as a cascade of broken links.
 *
 * It also feeds the recomputed leaf hashes into a compact range, so signed checkpoints can be compared
 * with what the records actually give.
 */
export class ChainWalk {
  private expected: number;
  private prevHash: Buffer | undefined;
  private tree: CompactRange | undefined;
  private readonly isAuthentic: ((hash: Uint8Array, mac: string) => boolean) | undefined;
  private readonly observations: Observation[] = [];
  private readonly gaps: Array<{ first: number; last: number }> = [];
  private count = 0;
  private treeBrokenAt: number | undefined;

  constructor(
    start: { seq: number; prevHash: Buffer | undefined; tree: CompactRange | undefined },
    isAuthentic: ((hash: Uint8Array, mac: string) => boolean) | undefined,
  ) {
    this.expected = start.seq;
    this.prevHash = start.prevHash;
    this.tree = start.tree;
    this.isAuthentic = isAuthentic;
  }

  /** Records seen. */
  get recordsChecked(): number {
    return this.count;
  }

  /** The next position the walk expects. */
  get nextSeq(): number {
    return this.expected;
  }

  /** The compact range of the records walked, while it can still be trusted to match positions. */
  get range(): CompactRange | undefined {
    return this.treeBrokenAt === undefined ? this.tree : undefined;
  }

  /** Where the Merkle tree could no longer be recomputed (records missing), if anywhere. */
  get rangeBrokenAt(): number | undefined {
    return this.treeBrokenAt;
  }

  get lastHash(): Buffer | undefined {
    return this.prevHash;
  }

  push(row: AuditRecordRow): void {
    this.count++;
    if (row.seq > this.expected) {
      this.gaps.push({ first: this.expected, last: row.seq - 1 });
      this.treeBrokenAt ??= this.expected;
      this.prevHash = undefined;
    }
    const examination = examineRecord(row, this.prevHash, this.isAuthentic);
    this.observations.push({ position: row.seq, bodySeq: examination.record?.seq, problems: examination.problems });
    if (this.tree && this.treeBrokenAt === undefined) this.tree.append(examination.hash);
    this.prevHash = examination.hash;
    this.expected = row.seq + 1;
  }

  /** Positions whose `prev` does not name the record before them. */
  get brokenLinks(): number[] {
    return this.observations
      .filter((observation) => observation.problems.includes('chain-break'))
      .map((observation) => observation.position);
  }

  /** The findings, read together. */
  findings(): Finding[] {
    const findings: Finding[] = [];
    for (const gap of this.gaps) {
      findings.push(
        failure(
          'removed',
          `${rangeText(gap.first, gap.last)} removed: the chain goes from ${gap.first - 1} to ${gap.last + 1}`,
          {
            firstSeq: gap.first,
            lastSeq: gap.last,
          },
        ),
      );
    }
    const byPosition = new Map(this.observations.map((observation) => [observation.position, observation]));
    const explained = new Set<number>();
    const afterGap = new Set(this.gaps.map((gap) => gap.last + 1));
    let lastAuthentic = -1;
    for (const observation of this.observations) {
      if (!observation.problems.includes('mac-invalid') && !observation.problems.includes('hash-mismatch')) {
        lastAuthentic = observation.position;
      }
    }
    for (const observation of this.observations) {
      const { position, bodySeq, problems } = observation;
      const has = (problem: RecordProblem) => problems.includes(problem);
      if (has('unreadable') || has('hash-mismatch')) {
        findings.push(
          failure('altered', `record ${position} altered: its content does not match the hash written with it`, {
            firstSeq: position,
            lastSeq: position,
          }),
        );
        explained.add(position);
      } else if (has('mac-invalid')) {
        // Written without the key. Inserted if nothing genuine follows it, if the records after it were
        // shifted to make room, or if the log went on from it (the next record links to it); an existing
        // record rewritten in place leaves the next record's link pointing at the original instead.
        const next = byPosition.get(position + 1);
        const isInserted =
          position > lastAuthentic ||
          (next?.bodySeq !== undefined && next.bodySeq === next.position - 1) ||
          (next !== undefined && !next.problems.includes('chain-break'));
        findings.push(
          isInserted
            ? failure('inserted', `record ${position} inserted: pciq did not write it (its MAC does not verify)`, {
                firstSeq: position,
                lastSeq: position,
              })
            : failure('altered', `record ${position} altered: rewritten with a new hash, but its MAC does not verify`, {
                firstSeq: position,
                lastSeq: position,
              }),
        );
        explained.add(position);
      }
      if (has('misplaced') && bodySeq !== undefined && !explained.has(position)) {
        const partner = byPosition.get(bodySeq);
        if (partner?.bodySeq === position && !explained.has(bodySeq)) {
          findings.push(
            failure('reordered', `records ${Math.min(position, bodySeq)} and ${Math.max(position, bodySeq)} swapped`, {
              firstSeq: Math.min(position, bodySeq),
              lastSeq: Math.max(position, bodySeq),
            }),
          );
          explained.add(bodySeq);
        } else {
          findings.push(
            failure('reordered', `record ${bodySeq} found at position ${position}: records moved`, {
              firstSeq: position,
              lastSeq: position,
            }),
          );
        }
        explained.add(position);
      }
      if (has('chain-break') && !explained.has(position) && !explained.has(position - 1) && !afterGap.has(position)) {
        findings.push(
          failure('altered', `chain broken between records ${position - 1} and ${position}: one of them was altered`, {
            firstSeq: position - 1,
            lastSeq: position,
          }),
        );
        explained.add(position);
      }
      if (has('index-mismatch') && !explained.has(position)) {
        findings.push(
          failure(
            'altered',
            `record ${position}: its search columns were changed (the record itself matches its hash)`,
            {
              firstSeq: position,
              lastSeq: position,
            },
          ),
        );
      }
    }
    return findings;
  }
}
