import { PciqError } from '../core/index.ts';
import type { AuditCheckpointRow, Store } from '../storage/index.ts';
import { parseCheckpoint, type SignedCheckpoint, signedCheckpointOf } from './checkpoint.ts';
import { consistencyProof, inclusionProof } from './merkle/proofs.ts';
import { StoredTree, TreeUnavailableError } from './stored-tree.ts';

export interface InclusionEvidence {
  seq: number;
  /** The record's leaf hash, hex; compare it with SHA-256(0x00 ‖ record body). */
  leafHash: string;
  treeSize: number;
  /** RFC 9162 audit path, hex, leaf first. */
  proof: string[];
  checkpoint: SignedCheckpoint;
}

export interface ConsistencyEvidence {
  from: SignedCheckpoint;
  to: SignedCheckpoint;
  /** RFC 9162 consistency proof, hex. */
  proof: string[];
}

function notFound(message: string): PciqError {
  return new PciqError('ResourceNotFoundException', message);
}

function unavailable(error: unknown): never {
  if (error instanceof TreeUnavailableError) {
    throw notFound('That part of the trail is archived; its archive segment carries its own proof.');
  }
  throw error;
}

/** Proves record `seq` is in the tree a signed checkpoint commits to (the first that covers it, by default). */
export async function proveInclusion(store: Store, seq: number, checkpointSeq?: number): Promise<InclusionEvidence> {
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw new PciqError('InvalidParameterValue', 'The record must be a seq >= 0.');
  return store.read(async (tx) => {
    const checkpoint =
      checkpointSeq === undefined
        ? await tx.audit.checkpointCovering(seq + 1)
        : (await tx.audit.checkpoints(checkpointSeq, 1)).find((row) => row.seq === checkpointSeq);
    if (!checkpoint) {
      const head = await tx.audit.head();
      if (!head || head.seq < seq) {
        throw notFound(`There is no record ${seq}: the trail's last record is ${head ? head.seq : 'none yet'}.`);
      }
      throw notFound(`No signed checkpoint covers record ${seq} yet; checkpoints follow at an interval.`);
    }
    if (checkpoint.treeSize <= seq) throw notFound(`Checkpoint ${checkpoint.seq} does not cover record ${seq}.`);
    const [leaf] = await tx.audit.leafHashes(seq, seq + 1);
    if (!leaf) throw notFound(`Record ${seq} is not in the hot store; its archive segment carries its proof.`);
    const proof = await inclusionProof(new StoredTree(tx.audit), seq, checkpoint.treeSize).catch(unavailable);
    return {
      seq,
      leafHash: Buffer.from(leaf).toString('hex'),
      treeSize: checkpoint.treeSize,
      proof: proof.map((node) => node.toString('hex')),
      checkpoint: signedCheckpointOf(checkpoint),
    };
  });
}

/** Proves the tree of checkpoint `fromSeq` is a prefix of the tree of checkpoint `toSeq` (append-only). */
export async function proveConsistency(store: Store, fromSeq: number, toSeq: number): Promise<ConsistencyEvidence> {
  if (!Number.isSafeInteger(fromSeq) || !Number.isSafeInteger(toSeq) || fromSeq < 0 || fromSeq > toSeq) {
    throw new PciqError('InvalidParameterValue', 'Give two checkpoint numbers, the older first.');
  }
  return store.read(async (tx) => {
    const find = async (seq: number): Promise<AuditCheckpointRow> => {
      const [row] = await tx.audit.checkpoints(seq, 1);
      if (!row || row.seq !== seq) throw notFound(`There is no checkpoint ${seq}.`);
      return row;
    };
    const from = await find(fromSeq);
    const to = await find(toSeq);
    const proof = await consistencyProof(
      new StoredTree(tx.audit),
      parseCheckpoint(from.body).treeSize,
      parseCheckpoint(to.body).treeSize,
    ).catch(unavailable);
    return {
      from: signedCheckpointOf(from),
      to: signedCheckpointOf(to),
      proof: proof.map((node) => node.toString('hex')),
    };
  });
}
