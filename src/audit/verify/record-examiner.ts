import type { AuditRecordRow } from '../../storage/index.ts';
import { leafHash } from '../merkle/hashes.ts';
import { type AuditRecord, parseRecord } from '../record.ts';

export type RecordProblem =
  /** The body is not a record. */
  | 'unreadable'
  /** The body does not give the stored leaf hash. */
  | 'hash-mismatch'
  /** The MAC does not verify: not written by a holder of the root key. */
  | 'mac-invalid'
  /** The body says another position than the one it is stored at. */
  | 'misplaced'
  /** The body's `prev` is not the leaf hash of the record before it. */
  | 'chain-break'
  /** The search columns say something else than the body. */
  | 'index-mismatch';

export interface RecordExamination {
  /** Leaf hash recomputed from the stored body: what the Merkle tree must hold at this position. */
  hash: Buffer;
  record: AuditRecord | undefined;
  problems: RecordProblem[];
}

/**
 * Checks one stored record on its own and against its predecessor. `prevHash` undefined: the predecessor is
 * unknown (the start of a range). `isAuthentic` undefined: MACs are not checked (no root key at hand).
 */
export function examineRecord(
  row: AuditRecordRow,
  prevHash: Uint8Array | undefined,
  isAuthentic: ((hash: Uint8Array, mac: string) => boolean) | undefined,
): RecordExamination {
  const hash = leafHash(row.body);
  const problems: RecordProblem[] = [];
  let record: AuditRecord | undefined;
  try {
    record = parseRecord(row.body);
  } catch {
    problems.push('unreadable');
  }
  if (Buffer.compare(hash, row.hash) !== 0) problems.push('hash-mismatch');
  else if (isAuthentic && !isAuthentic(hash, row.mac)) problems.push('mac-invalid');
  if (record) {
    if (record.seq !== row.seq) problems.push('misplaced');
    if (prevHash && record.prev !== Buffer.from(prevHash).toString('hex')) problems.push('chain-break');
    if (
      Date.parse(record.time) !== row.timeMs ||
      record.type !== row.eventType ||
      record.outcome !== row.outcome ||
      record.actor.principal !== row.principal ||
      record.origin.ip !== row.sourceIp ||
      record.resource !== row.resource ||
      record.requestId !== row.requestId
    ) {
      problems.push('index-mismatch');
    }
  }
  return { hash, record, problems };
}
