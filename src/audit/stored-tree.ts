import type { AuditReads } from '../storage/index.ts';
import { interiorHash } from './merkle/hashes.ts';
import type { NodeSource } from './merkle/proofs.ts';

/**
 * Subtrees of 2^8 leaves and more are stored when a checkpoint closes them (like the tiles of a
 * transparency log), so a proof reads a few stored nodes and at most a few hundred leaves, whatever the
 * size of the log. Smaller subtrees are computed from the records' stored leaf hashes.
 */
export const storedNodeMinLevel = 8;

/**
 * Raised when a proof needs leaves no longer in the hot store (archived) and no stored node stands in for
 * them; the archive segment carries their proof.
 */
export class TreeUnavailableError extends Error {}

export class StoredTree implements NodeSource {
  private readonly audit: AuditReads;

  constructor(audit: AuditReads) {
    this.audit = audit;
  }

  async node(level: number, index: number): Promise<Buffer> {
    const stored = await this.audit.treeNode(level, index);
    if (stored) return Buffer.from(stored);
    if (level <= storedNodeMinLevel) {
      const fromLeaves = await this.fromLeaves(level, index);
      if (fromLeaves) return fromLeaves;
      // Some leaves are archived: the nodes pinned at the archive boundary stand in for them.
      if (level === 0) {
        throw new TreeUnavailableError(`record ${index} is archived; its archive segment carries its proof`);
      }
    }
    return interiorHash(await this.node(level - 1, index * 2), await this.node(level - 1, index * 2 + 1));
  }

  private async fromLeaves(level: number, index: number): Promise<Buffer | undefined> {
    const width = 2 ** level;
    const first = index * width;
    const leaves = await this.audit.leafHashes(first, first + width);
    if (leaves.length !== width) return undefined;
    let layer: Buffer[] = leaves.map((leaf) => Buffer.from(leaf));
    while (layer.length > 1) {
      const next: Buffer[] = [];
      for (let i = 0; i < layer.length; i += 2) next.push(interiorHash(layer[i]!, layer[i + 1]!));
      layer = next;
    }
    return layer[0]!;
  }
}
