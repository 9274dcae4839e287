import { createHash } from 'node:crypto';
import type { AuditCheckpointRow } from '../storage/index.ts';

export const checkpointReasons = ['start', 'interval', 'shutdown', 'command', 'export', 'archive'] as const;
export type CheckpointReason = (typeof checkpointReasons)[number];

/**
 * A signed tree head (RFC 9162 §4.10 in spirit): the Merkle root over the first `treeSize` records, the
 * chain head, and the hash of the previous checkpoint, so checkpoints form a chain of their own, as
 * AWS CloudTrail's digest files do. Signed with Ed25519 over the canonical JSON.
 */
export interface CheckpointStatement {
  v: 1;
  format: 'pciq-audit-checkpoint';
  /** Identifies the log, so a checkpoint of one trail cannot pass for another's. */
  log: string;
  seq: number;
  treeSize: number;
  /** MTH of records [0, treeSize), hex. */
  rootHash: string;
  /** Leaf hash of record treeSize - 1, hex; null for an empty log. */
  lastRecordHash: string | null;
  /** SHA-256 of the previous checkpoint's statement, hex; 64 zeros for the first. */
  prev: string;
  time: string;
  clock: string;
  reason: CheckpointReason;
  keyId: string;
}

export const genesisCheckpointPrev = '0'.repeat(64);

export function encodeCheckpoint(statement: Omit<CheckpointStatement, 'v' | 'format'>): string {
  const ordered: CheckpointStatement = {
    v: 1,
    format: 'pciq-audit-checkpoint',
    log: statement.log,
    seq: statement.seq,
    treeSize: statement.treeSize,
    rootHash: statement.rootHash,
    lastRecordHash: statement.lastRecordHash,
    prev: statement.prev,
    time: statement.time,
    clock: statement.clock,
    reason: statement.reason,
    keyId: statement.keyId,
  };
  return JSON.stringify(ordered);
}

export function parseCheckpoint(body: string): CheckpointStatement {
  const value = JSON.parse(body) as CheckpointStatement;
  if (
    typeof value !== 'object' ||
    value === null ||
    value.v !== 1 ||
    value.format !== 'pciq-audit-checkpoint' ||
    !Number.isSafeInteger(value.seq) ||
    !Number.isSafeInteger(value.treeSize) ||
    value.treeSize < 0 ||
    typeof value.rootHash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(value.rootHash) ||
    typeof value.prev !== 'string' ||
    typeof value.keyId !== 'string' ||
    typeof value.log !== 'string'
  ) {
    throw new Error('not a checkpoint of format 1');
  }
  return value;
}

/** What the next checkpoint's `prev` holds. */
export function checkpointHash(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** A checkpoint as it travels in bundles and API answers. */
export interface SignedCheckpoint {
  statement: string;
  /** Ed25519 signature of `statement`, base64. */
  signature: string;
}

export function signedCheckpointOf(row: Pick<AuditCheckpointRow, 'body' | 'signature'>): SignedCheckpoint {
  return { statement: row.body, signature: Buffer.from(row.signature).toString('base64') };
}
