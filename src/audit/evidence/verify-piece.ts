import type { KeyObject } from 'node:crypto';
import type { AuditRecordRow } from '../../storage/index.ts';
import { CompactRange } from '../merkle/compact-range.ts';
import { leafHash } from '../merkle/hashes.ts';
import { verifyConsistency, verifyInclusion } from '../merkle/proofs.ts';
import { type AuditRecord, parseRecord } from '../record.ts';
import { storedRowOf, unreadableRecord } from '../stored-record.ts';
import { ChainWalk } from '../verify/chain-walk.ts';
import { checkCheckpointChain } from '../verify/checkpoint-chain.ts';
import { type Finding, failure } from '../verify/findings.ts';
import { RootChecker } from '../verify/root-checker.ts';
import type { EvidencePiece } from './format.ts';

export interface PieceVerification {
  findings: Finding[];
  recordsChecked: number;
  checkpointsChecked: number;
  /** The compact range after the piece's last record, to continue with the next piece. */
  endRange: CompactRange | undefined;
  lastHash: Buffer | undefined;
}

const hexHash = /^[0-9a-f]{64}$/;

/** A stored-row view of a record body, so a piece is walked like the store is. */
function rowOf(seq: number, body: string): AuditRecordRow {
  const hash = leafHash(body);
  let record: AuditRecord;
  try {
    record = parseRecord(body);
  } catch {
    record = unreadableRecord(seq, 0);
  }
  return storedRowOf(record, { seq, body, hash, mac: '' });
}

function hashesOf(values: unknown, what: string): Buffer[] {
  if (!Array.isArray(values) || !values.every((value) => typeof value === 'string' && hexHash.test(value))) {
    throw new Error(`${what} is not a list of SHA-256 hashes`);
  }
  return values.map((value) => Buffer.from(value as string, 'hex'));
}

/**
 * Verifies one piece of evidence with nothing but its content and trusted public keys: the checkpoints'
 * signatures and chain, the records' chain, the roots of checkpoints inside the run, the consistency
 * proofs between checkpoints, and the inclusion of the last record in the anchor checkpoint — which,
 * through the chain, vouches for every record before it in the piece.
 */
export function verifyPiece(piece: EvidencePiece, keys: ReadonlyMap<string, KeyObject>): PieceVerification {
  const findings: Finding[] = [];
  const fail = (message: string) => ({
    findings: [...findings, failure('segment', message)],
    recordsChecked: 0,
    checkpointsChecked: 0,
    endRange: undefined,
    lastHash: undefined,
  });
  if (piece?.format !== 'pciq-audit-evidence/1') return fail('not a piece of pciq audit evidence (format 1)');
  const { firstSeq, lastSeq } = piece;
  if (!Number.isSafeInteger(firstSeq) || !Number.isSafeInteger(lastSeq) || lastSeq < firstSeq || firstSeq < 0) {
    return fail('the piece does not say which records it holds');
  }
  if (!Array.isArray(piece.records) || piece.records.length !== lastSeq - firstSeq + 1) {
    return fail(`records ${firstSeq}..${lastSeq}: the piece holds ${piece.records?.length ?? 0} records instead`);
  }
  let startRange: CompactRange;
  let prevHash: Buffer;
  try {
    startRange = CompactRange.fromJSON(piece.startRange);
    if (startRange.size !== firstSeq) throw new Error('start range of the wrong size');
    if (typeof piece.prevHash !== 'string' || !hexHash.test(piece.prevHash)) throw new Error('no previous hash');
    prevHash = Buffer.from(piece.prevHash, 'hex');
  } catch (error) {
    return fail(`records ${firstSeq}..${lastSeq}: ${(error as Error).message}`);
  }

  const rows = (Array.isArray(piece.checkpoints) ? piece.checkpoints : []).map((checkpoint, index) => {
    let seq = -1;
    try {
      seq = (JSON.parse(checkpoint.statement) as { seq: number }).seq;
    } catch {}
    return {
      seq: Number.isSafeInteger(seq) ? seq : index,
      treeSize: 0,
      timeMs: 0,
      body: String(checkpoint.statement),
      signature: Buffer.from(String(checkpoint.signature), 'base64'),
      frontier: '',
    };
  });
  const chain = checkCheckpointChain(rows, keys, {
    firstSeq: rows[0]?.seq ?? 0,
    prevHash: undefined,
    log: piece.log,
  });
  findings.push(...chain.findings);

  const walk = new ChainWalk({ seq: firstSeq, prevHash, tree: startRange.clone() }, undefined);
  const roots = new RootChecker(chain.checkpoints, firstSeq);
  piece.records.forEach((body, index) => {
    walk.push(rowOf(firstSeq + index, String(body)));
    const range = walk.range;
    if (range && walk.lastHash) roots.reached(range, walk.lastHash);
  });
  const walkFindings = walk.findings();
  findings.push(...roots.findings);

  const bySeq = new Map(chain.checkpoints.map((checkpoint) => [checkpoint.seq, checkpoint.statement]));
  try {
    for (const link of piece.consistency ?? []) {
      const from = bySeq.get(link.fromCheckpoint);
      const to = bySeq.get(link.toCheckpoint);
      if (!from || !to) continue;
      const proof = hashesOf(link.proof, `consistency proof ${link.fromCheckpoint}→${link.toCheckpoint}`);
      const holds = verifyConsistency(
        from.treeSize,
        to.treeSize,
        Buffer.from(from.rootHash, 'hex'),
        Buffer.from(to.rootHash, 'hex'),
        proof,
      );
      if (!holds) {
        findings.push(
          failure(
            'checkpoint',
            `checkpoints ${link.fromCheckpoint} and ${link.toCheckpoint} are not consistent: the log was rewritten between them`,
            { checkpoint: link.toCheckpoint },
          ),
        );
      }
    }
    const anchor = bySeq.get(piece.anchor?.checkpoint);
    const last = leafHash(String(piece.records[piece.records.length - 1]));
    if (!anchor) {
      findings.push(failure('checkpoint', `no valid signed checkpoint vouches for records ${firstSeq}..${lastSeq}`));
    } else if (
      verifyInclusion(
        last,
        lastSeq,
        anchor.treeSize,
        hashesOf(piece.anchor.inclusionProof, 'the inclusion proof'),
        Buffer.from(anchor.rootHash, 'hex'),
      )
    ) {
      // The last record is what was signed, and each record vouches for the one before it: walking back
      // from the end, the first link that fails names the record that was changed.
      const lastBreak = Math.max(-1, ...walk.brokenLinks);
      if (lastBreak > firstSeq) {
        const index = walkFindings.findIndex(
          (finding) => finding.firstSeq === lastBreak - 1 && finding.lastSeq === lastBreak,
        );
        const altered = failure(
          'altered',
          `record ${lastBreak - 1} altered: the records after it, which checkpoint ${anchor.seq} vouches for, do not link to it`,
          { firstSeq: lastBreak - 1, lastSeq: lastBreak - 1, checkpoint: anchor.seq },
        );
        if (index >= 0) walkFindings[index] = altered;
        else walkFindings.push(altered);
      }
    } else {
      findings.push(
        failure('altered', `record ${lastSeq} is not in the tree checkpoint ${anchor.seq} signed`, {
          firstSeq: lastSeq,
          lastSeq,
          checkpoint: anchor.seq,
        }),
      );
    }
  } catch (error) {
    findings.push(failure('segment', `records ${firstSeq}..${lastSeq}: ${(error as Error).message}`));
  }
  findings.unshift(...walkFindings);
  return {
    findings,
    recordsChecked: walk.recordsChecked,
    checkpointsChecked: chain.checkpoints.length,
    endRange: walk.range,
    lastHash: walk.lastHash,
  };
}
