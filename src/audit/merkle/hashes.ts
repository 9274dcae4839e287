import { createHash, hash } from 'node:crypto';

/** SHA-256 output size: every hash in the tree. */
export const hashBytes = 32;

/** MTH of the empty tree (RFC 9162 §2.1.1): the hash of the empty string. */
export const emptyRoot: Buffer = createHash('sha256').digest();

/** RFC 9162 §2.1.1: a leaf is hashed with a 0x00 prefix, so no leaf can pass for an interior node. */
export function leafHash(data: Uint8Array | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const input = Buffer.allocUnsafe(bytes.length + 1);
  input[0] = 0;
  input.set(bytes, 1);
  return hash('sha256', input, 'buffer');
}

/** RFC 9162 §2.1.1: an interior node is the hash of 0x01, its left child and its right child. */
export function interiorHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256')
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest();
}

/** The largest power of two strictly smaller than `n` (n > 1): where RFC 9162 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}
