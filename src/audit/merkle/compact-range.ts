import { emptyRoot, hashBytes, interiorHash } from './hashes.ts';

/** A complete subtree's root: leaves [index × 2^level, (index + 1) × 2^level). */
export interface SubtreeRoot {
  level: number;
  index: number;
  hash: Buffer;
}

/**
 * The compact range [0, size) of a Merkle tree: the roots of the maximal complete subtrees its leaves
 * form, largest first (one per set bit of `size`). Enough to compute the tree head and to keep appending
 * without the earlier leaves, which is how checkpoints extend the tree incrementally.
 */
export class CompactRange {
  private nodes: Buffer[];
  private count: number;

  constructor(size = 0, nodes: Buffer[] = []) {
    if (nodes.length !== popCount(size) || nodes.some((node) => node.length !== hashBytes)) {
      throw new Error(`a compact range of ${size} leaves holds ${popCount(size)} hashes of ${hashBytes} bytes`);
    }
    this.count = size;
    this.nodes = nodes.map((node) => Buffer.from(node));
  }

  get size(): number {
    return this.count;
  }

  /** The subtree roots, largest first, with their positions. */
  get subtrees(): SubtreeRoot[] {
    const out: SubtreeRoot[] = [];
    let offset = 0;
    let position = 0;
    for (let level = 52; level >= 0; level--) {
      const width = 2 ** level;
      if (Math.floor(this.count / width) % 2 === 1) {
        out.push({ level, index: offset / width, hash: this.nodes[position++]! });
        offset += width;
      }
    }
    return out;
  }

  /** Appends a leaf hash; returns the complete subtrees of two or more leaves that it closed. */
  append(leaf: Uint8Array): SubtreeRoot[] {
    const closed: SubtreeRoot[] = [];
    let hash: Buffer = Buffer.from(leaf);
    let level = 0;
    let index = this.count;
    // Each trailing 1 bit of the old size is a subtree of the same width waiting for a right sibling.
    for (let remaining = this.count; remaining % 2 === 1; remaining = Math.floor(remaining / 2)) {
      hash = interiorHash(this.nodes.pop()!, hash);
      level++;
      index = Math.floor(index / 2);
      closed.push({ level, index, hash });
    }
    this.nodes.push(hash);
    this.count++;
    return closed;
  }

  /** MTH of the leaves so far (RFC 9162 §2.1.1): the subtree roots folded from the right. */
  root(): Buffer {
    if (this.nodes.length === 0) return Buffer.from(emptyRoot);
    let root = this.nodes[this.nodes.length - 1]!;
    for (let i = this.nodes.length - 2; i >= 0; i--) root = interiorHash(this.nodes[i]!, root);
    return root;
  }

  clone(): CompactRange {
    return new CompactRange(this.count, this.nodes);
  }

  toJSON(): { size: number; nodes: string[] } {
    return { size: this.count, nodes: this.nodes.map((node) => node.toString('hex')) };
  }

  static fromJSON(value: unknown): CompactRange {
    const candidate = value as { size?: unknown; nodes?: unknown };
    if (
      typeof candidate !== 'object' ||
      candidate === null ||
      !Number.isSafeInteger(candidate.size) ||
      (candidate.size as number) < 0 ||
      !Array.isArray(candidate.nodes) ||
      !candidate.nodes.every((node) => typeof node === 'string' && /^[0-9a-f]{64}$/.test(node))
    ) {
      throw new Error('not a compact range: expected {size, nodes: [hex SHA-256, …]}');
    }
    return new CompactRange(
      candidate.size as number,
      (candidate.nodes as string[]).map((node) => Buffer.from(node, 'hex')),
    );
  }
}

function popCount(n: number): number {
  let bits = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) bits += rest % 2;
  return bits;
}
