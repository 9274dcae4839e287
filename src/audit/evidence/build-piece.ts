import type { AuditReads } from '../../storage/index.ts';
import { signedCheckpointOf } from '../checkpoint.ts';
import { compactRangeAt, consistencyProof, inclusionProof } from '../merkle/proofs.ts';
import { genesisPrev } from '../record.ts';
import { StoredTree } from '../stored-tree.ts';
import type { EvidencePiece } from './format.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Raised when a piece cannot be built: records missing, or nothing signed covers them yet. */
export class EvidenceUnavailableError extends Error {}

/**
 * Builds the evidence for hot records firstSeq..lastSeq. A signed checkpoint must already cover lastSeq
 * (callers write one first). The tree nodes come from the store; if they were tampered with, the proofs
 * simply fail to verify.
 */
export async function buildPiece(
  audit: AuditReads,
  log: string,
  firstSeq: number,
  lastSeq: number,
): Promise<EvidencePiece> {
  const rows = await audit.records(firstSeq, lastSeq - firstSeq + 1);
  if (rows.length !== lastSeq - firstSeq + 1 || rows.some((row, index) => row.seq !== firstSeq + index)) {
    throw new EvidenceUnavailableError(
      `records ${firstSeq}..${lastSeq} are not all in the store; run \`pciq audit verify\``,
    );
  }
  const anchor = await audit.checkpointCovering(lastSeq + 1);
  if (!anchor) throw new EvidenceUnavailableError(`no signed checkpoint covers record ${lastSeq} yet`);
  const first = (await audit.checkpointCovering(firstSeq + 1))!;
  const checkpoints = await audit.checkpoints(first.seq, anchor.seq - first.seq + 1);
  const tree = new StoredTree(audit);
  const consistency: EvidencePiece['consistency'] = [];
  for (let i = 1; i < checkpoints.length; i++) {
    const from = checkpoints[i - 1]!;
    const to = checkpoints[i]!;
    const proof = await consistencyProof(tree, from.treeSize, to.treeSize);
    consistency.push({ fromCheckpoint: from.seq, toCheckpoint: to.seq, proof: proof.map(hex) });
  }
  return {
    format: 'pciq-audit-evidence/1',
    log,
    firstSeq,
    lastSeq,
    prevHash: await previousHash(audit, firstSeq),
    startRange: (await compactRangeAt(tree, firstSeq)).toJSON(),
    records: rows.map((row) => row.body),
    checkpoints: checkpoints.map(signedCheckpointOf),
    consistency,
    anchor: {
      checkpoint: anchor.seq,
      inclusionProof: (await inclusionProof(tree, lastSeq, anchor.treeSize)).map(hex),
    },
  };
}

async function previousHash(audit: AuditReads, firstSeq: number): Promise<string> {
  if (firstSeq === 0) return genesisPrev;
  const [hot] = await audit.leafHashes(firstSeq - 1, firstSeq);
  if (hot) return hex(hot);
  const segment = (await audit.segments()).find((candidate) => candidate.lastSeq === firstSeq - 1);
  if (!segment) throw new EvidenceUnavailableError(`record ${firstSeq - 1} is neither in the store nor archived`);
  return hex(segment.lastHash);
}
