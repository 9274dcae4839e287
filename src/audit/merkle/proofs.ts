import { CompactRange } from './compact-range.ts';
import { hashBytes, interiorHash, isPowerOfTwo, splitPoint } from './hashes.ts';

/** Where proof generation reads the tree: the root of any complete subtree, leaves being level 0. */
export interface NodeSource {
  node(level: number, index: number): Promise<Buffer>;
}

/**
 * MTH(D[start:end]) for a range the RFC 9162 recursion produces: a complete, aligned subtree is read from
 * the source; anything else splits at the largest power of two below its size.
 */
export async function rangeHash(source: NodeSource, start: number, end: number): Promise<Buffer> {
  const size = end - start;
  if (size < 1) throw new RangeError(`empty range [${start}, ${end})`);
  if (isPowerOfTwo(size) && start % size === 0) return source.node(Math.log2(size), start / size);
  const k = splitPoint(size);
  return interiorHash(await rangeHash(source, start, start + k), await rangeHash(source, start + k, end));
}

/** The compact range [0, size): one complete subtree per set bit of `size`, largest first. */
export async function compactRangeAt(source: NodeSource, size: number): Promise<CompactRange> {
  const nodes: Buffer[] = [];
  let offset = 0;
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level;
    if (Math.floor(size / width) % 2 === 1) {
      nodes.push(await source.node(level, offset / width));
      offset += width;
    }
  }
  return new CompactRange(size, nodes);
}

/** RFC 9162 §2.1.3.1: the audit path of leaf `index` in the tree of the first `size` leaves. */
export async function inclusionProof(source: NodeSource, index: number, size: number): Promise<Buffer[]> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new RangeError(`leaf ${index} is not in a tree of ${size} leaves`);
  }
  // PATH(m, D[start:end]) walked from the root down; the RFC lists the siblings leaf-first.
  const siblings: Buffer[] = [];
  let start = 0;
  let end = size;
  let m = index;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      siblings.push(await rangeHash(source, start + k, end));
      end = start + k;
    } else {
      siblings.push(await rangeHash(source, start, start + k));
      start += k;
      m -= k;
    }
  }
  return siblings.reverse();
}

/** RFC 9162 §2.1.4.1: proof that the tree of `oldSize` leaves is a prefix of the tree of `newSize` leaves. */
export async function consistencyProof(source: NodeSource, oldSize: number, newSize: number): Promise<Buffer[]> {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize) {
    throw new RangeError(`no consistency proof from ${oldSize} to ${newSize} leaves`);
  }
  if (oldSize === 0 || oldSize === newSize) return [];
  const nodes: Buffer[] = [];
  // SUBPROOF(m, D[start:end], b), iteratively: each step adds one node, appended after the deeper ones.
  const collected: Buffer[] = [];
  let start = 0;
  let end = newSize;
  let m = oldSize;
  let isWholeOldTree = true;
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      collected.push(await rangeHash(source, start + k, end));
      end = start + k;
    } else {
      collected.push(await rangeHash(source, start, start + k));
      start += k;
      m -= k;
      isWholeOldTree = false;
    }
  }
  if (!isWholeOldTree) nodes.push(await rangeHash(source, start, end));
  for (let i = collected.length - 1; i >= 0; i--) nodes.push(collected[i]!);
  return nodes;
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === hashBytes;
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** RFC 9162 §2.1.3.2: the root an audit path leads to, or undefined when the path cannot be right. */
export function rootFromInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
): Buffer | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return undefined;
  if (!isHash(leaf) || !Array.isArray(path) || !path.every(isHash)) return undefined;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = interiorHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = interiorHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const computed = rootFromInclusion(leaf, index, size, path);
  return computed !== undefined && isHash(root) && sameHash(computed, root);
}

/** RFC 9162 §2.1.4.2, with the two trivial cases (empty old tree, equal sizes) handled first. */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize) {
    return false;
  }
  if (!isHash(oldRoot) || !isHash(newRoot) || !Array.isArray(proof) || !proof.every(isHash)) return false;
  if (oldSize === newSize) return proof.length === 0 && sameHash(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = interiorHash(c, fr);
      sr = interiorHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = interiorHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && sameHash(fr, oldRoot) && sameHash(sr, newRoot);
}

/** A node source over leaf hashes held in memory (small trees, bundles, tests). */
export class LeafArraySource implements NodeSource {
  private readonly leaves: readonly Uint8Array[];
  private readonly cache = new Map<string, Buffer>();

  constructor(leaves: readonly Uint8Array[]) {
    this.leaves = leaves;
  }

  async node(level: number, index: number): Promise<Buffer> {
    return this.nodeSync(level, index);
  }

  private nodeSync(level: number, index: number): Buffer {
    if (level === 0) {
      const leaf = this.leaves[index];
      if (!leaf) throw new RangeError(`leaf ${index} is not held`);
      return Buffer.from(leaf);
    }
    const key = `${level}/${index}`;
    let hash = this.cache.get(key);
    if (!hash) {
      hash = interiorHash(this.nodeSync(level - 1, index * 2), this.nodeSync(level - 1, index * 2 + 1));
      this.cache.set(key, hash);
    }
    return hash;
  }
}
