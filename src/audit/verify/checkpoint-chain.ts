import type { KeyObject } from 'node:crypto';
import type { AuditCheckpointRow } from '../../storage/index.ts';
import { type CheckpointStatement, checkpointHash, genesisCheckpointPrev, parseCheckpoint } from '../checkpoint.ts';
import { verifyBytes } from '../signing-key.ts';
import { type Finding, failure } from './findings.ts';

export interface CheckedCheckpoint {
  seq: number;
  statement: CheckpointStatement;
}

/**
 * Checks checkpoints on their own and as a chain: statement readable, signed by a known key, numbered
 * without gaps, each naming the previous one's hash, trees that never shrink, one log. Returns the
 * checkpoints whose signatures hold (the only ones whose roots mean anything) and the findings.
 */
export function checkCheckpointChain(
  rows: readonly AuditCheckpointRow[],
  keys: ReadonlyMap<string, KeyObject>,
  expected: { firstSeq: number; prevHash: string | undefined; log: string | undefined },
): { checkpoints: CheckedCheckpoint[]; findings: Finding[] } {
  const checkpoints: CheckedCheckpoint[] = [];
  const findings: Finding[] = [];
  let nextSeq = expected.firstSeq;
  let prevHash = expected.prevHash ?? (expected.firstSeq === 0 ? genesisCheckpointPrev : undefined);
  let lastSize = -1;
  let log = expected.log;
  for (const row of rows) {
    const place = { checkpoint: row.seq };
    if (row.seq > nextSeq) {
      findings.push(failure('checkpoint', `checkpoints ${nextSeq}..${row.seq - 1} removed`, { checkpoint: nextSeq }));
      prevHash = undefined;
    }
    nextSeq = row.seq + 1;
    let statement: CheckpointStatement;
    try {
      statement = parseCheckpoint(row.body);
    } catch {
      findings.push(failure('checkpoint', `checkpoint ${row.seq} altered: it is no longer a checkpoint`, place));
      prevHash = undefined;
      continue;
    }
    const thisHash = checkpointHash(row.body);
    const key = keys.get(statement.keyId);
    if (!key) {
      findings.push(
        failure('checkpoint', `checkpoint ${row.seq} is signed by an unknown key ${statement.keyId}`, place),
      );
    } else if (!verifyBytes(key, row.body, row.signature)) {
      findings.push(failure('checkpoint', `checkpoint ${row.seq} altered: its signature does not verify`, place));
    } else {
      if (statement.seq !== row.seq) {
        findings.push(failure('checkpoint', `checkpoint ${statement.seq} found at position ${row.seq}`, place));
      }
      if (prevHash !== undefined && statement.prev !== prevHash) {
        findings.push(
          failure('checkpoint', `checkpoint ${row.seq} does not follow checkpoint ${row.seq - 1}: chain broken`, place),
        );
      }
      if (statement.treeSize < lastSize) {
        findings.push(failure('checkpoint', `checkpoint ${row.seq} has a smaller tree than the one before`, place));
      }
      if (log !== undefined && statement.log !== log) {
        findings.push(failure('checkpoint', `checkpoint ${row.seq} belongs to another log (${statement.log})`, place));
      }
      log ??= statement.log;
      lastSize = statement.treeSize;
      checkpoints.push({ seq: row.seq, statement });
    }
    prevHash = thisHash;
  }
  return { checkpoints, findings };
}
