import type { KeyObject } from 'node:crypto';
import type { AuditCheckpointRow } from '../../storage/index.ts';
import { type CheckpointStatement, parseCheckpoint } from '../checkpoint.ts';
import type { KeptCheckpoint } from '../retention/kept-checkpoint-file.ts';
import { verifyBytes } from '../signing-key.ts';
import { type Finding, failure, note } from './findings.ts';

/**
 * Compares the store's checkpoints with the one kept in the archive directory: the store must still hold it,
 * unchanged. A store whose checkpoints end before it lost its end (PCI DSS 10.3.4), however authentic what
 * remains.
 */
export function checkKeptCheckpoint(
  kept: KeptCheckpoint,
  rows: readonly AuditCheckpointRow[],
  keys: ReadonlyMap<string, KeyObject>,
  log: string,
): Finding[] {
  const name = 'the checkpoint kept in the archive directory';
  if (kept.status === 'missing') {
    return rows.length === 0
      ? []
      : [note('checkpoint', `no checkpoint kept in the archive directory: removal of the trail's end is not checked`)];
  }
  let statement: CheckpointStatement;
  try {
    if (kept.status === 'unreadable') throw new Error('unreadable');
    statement = parseCheckpoint(kept.checkpoint.statement);
  } catch {
    return [failure('checkpoint', `${name} is unreadable`)];
  }
  const { checkpoint } = kept;
  const key = keys.get(statement.keyId);
  if (!key || !verifyBytes(key, checkpoint.statement, Buffer.from(checkpoint.signature, 'base64'))) {
    return [failure('checkpoint', `${name} (checkpoint ${statement.seq}) is not signed by this trail's keys`)];
  }
  if (statement.log !== log) {
    return [failure('checkpoint', `${name} belongs to another log (${statement.log})`)];
  }
  const place = { checkpoint: statement.seq };
  const stored = rows.find((row) => row.seq === statement.seq);
  if (stored) {
    return stored.body === checkpoint.statement
      ? []
      : [
          failure(
            'checkpoint',
            `checkpoint ${statement.seq} in the store is not the one kept in the archive directory: the trail was rewritten from there`,
            place,
          ),
        ];
  }
  const last = rows.at(-1);
  // A checkpoint missing from the middle of the chain is reported by the chain check.
  if (last && last.seq > statement.seq) return [];
  const covered = statement.treeSize > 0 ? ` (records up to ${statement.treeSize - 1})` : '';
  return [
    failure(
      'truncated',
      `checkpoint ${statement.seq} of ${statement.time}${covered} removed from the end: the archive directory keeps it, the store's checkpoints end ${last ? `at ${last.seq}` : 'before the first'}`,
      { ...place, ...(statement.treeSize > 0 ? { lastSeq: statement.treeSize - 1 } : {}) },
    ),
  ];
}
