import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { CompactRange } from '../../src/audit/merkle/compact-range.ts';
import { emptyRoot, interiorHash, leafHash } from '../../src/audit/merkle/hashes.ts';
import {
  compactRangeAt,
  consistencyProof,
  inclusionProof,
  LeafArraySource,
  rangeHash,
  verifyConsistency,
  verifyInclusion,
} from '../../src/audit/merkle/proofs.ts';

const hex = (buffer: Uint8Array) => Buffer.from(buffer).toString('hex');
const unhex = (text: string) => Buffer.from(text, 'hex');

// The Certificate Transparency reference tree (RFC 6962 test data, same hashing as RFC 9162).
const ctLeaves = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((data) => leafHash(unhex(data)));
const ctRoots = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

function rootOf(leaves: readonly Buffer[]): Buffer {
  const range = new CompactRange();
  for (const leaf of leaves) range.append(leaf);
  return range.root();
}

describe('Merkle tree hashing (RFC 9162 §2.1.1)', () => {
  it('gives the reference tree heads for every size from 0 to 8', async () => {
    assert.equal(hex(emptyRoot), ctRoots[0]);
    for (let size = 0; size <= 8; size++) {
      assert.equal(hex(rootOf(ctLeaves.slice(0, size))), ctRoots[size], `compact range, size ${size}`);
      if (size > 0) {
        const recursive = await rangeHash(new LeafArraySource(ctLeaves), 0, size);
        assert.equal(hex(recursive), ctRoots[size], `recursive, size ${size}`);
      }
    }
  });

  it('keeps leaves and interior nodes apart by their prefixes', () => {
    assert.equal(
      hex(leafHash(Buffer.alloc(0))),
      createHash('sha256')
        .update(Buffer.from([0]))
        .digest('hex'),
    );
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    assert.equal(
      hex(interiorHash(a, b)),
      createHash('sha256')
        .update(Buffer.from([1]))
        .update(a)
        .update(b)
        .digest('hex'),
    );
    assert.notEqual(hex(leafHash(Buffer.concat([a, b]))), hex(interiorHash(a, b)));
  });
});

describe('RFC 9162 §2.1.5 example tree of seven leaves, built by hand', () => {
  const [a, b, c, d, e, f, j] = Array.from({ length: 7 }, (_, i) => leafHash(`d${i}`)) as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
  ];
  const g = interiorHash(a, b);
  const h = interiorHash(c, d);
  const i = interiorHash(e, f);
  const k = interiorHash(g, h);
  const l = interiorHash(i, j);
  const root = interiorHash(k, l);
  const source = new LeafArraySource([a, b, c, d, e, f, j]);

  it('has the head the figure shows', () => {
    assert.equal(hex(rootOf([a, b, c, d, e, f, j])), hex(root));
  });

  it('gives the inclusion proofs the RFC lists: d0 [b, h, l], d3 [c, g, l], d4 [f, j, k], d6 [i, k]', async () => {
    const expected: Array<[number, Buffer[]]> = [
      [0, [b, h, l]],
      [3, [c, g, l]],
      [4, [f, j, k]],
      [6, [i, k]],
    ];
    for (const [index, proof] of expected) {
      const actual = await inclusionProof(source, index, 7);
      assert.deepEqual(actual.map(hex), proof.map(hex), `leaf ${index}`);
      assert.ok(verifyInclusion([a, b, c, d, e, f, j][index]!, index, 7, actual, root));
    }
  });

  it('gives the consistency proofs the RFC lists: from 3 [c, d, g, l], from 4 [l], from 6 [i, j, k]', async () => {
    const roots = [3, 4, 6].map((size) => rootOf([a, b, c, d, e, f, j].slice(0, size)));
    const expected: Array<[number, Buffer[]]> = [
      [3, [c, d, g, l]],
      [4, [l]],
      [6, [i, j, k]],
    ];
    for (const [index, [size, proof]] of expected.entries()) {
      const actual = await consistencyProof(source, size, 7);
      assert.deepEqual(actual.map(hex), proof.map(hex), `from ${size}`);
      assert.ok(verifyConsistency(size, 7, roots[index]!, root, actual));
    }
  });
});

describe('Merkle proofs against the reference vectors', () => {
  const source = new LeafArraySource(ctLeaves);

  it('reproduces the published inclusion proofs for leaves 0 and 5 of 8', async () => {
    assert.deepEqual((await inclusionProof(source, 0, 8)).map(hex), [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    assert.deepEqual((await inclusionProof(source, 5, 8)).map(hex), [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
  });

  it('reproduces the published consistency proofs from 2 and from 6 to 8', async () => {
    assert.deepEqual((await consistencyProof(source, 2, 8)).map(hex), [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    assert.deepEqual((await consistencyProof(source, 6, 8)).map(hex), [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
  });
});

describe('Merkle proofs over every small tree', () => {
  const leaves = Array.from({ length: 40 }, (_, i) => leafHash(`record ${i}`));
  const source = new LeafArraySource(leaves);
  const roots = Array.from({ length: 41 }, (_, size) => rootOf(leaves.slice(0, size)));

  it('proves every leaf of every tree size, and refuses a proof for another leaf, size or root', async () => {
    for (let size = 1; size <= 40; size++) {
      for (let index = 0; index < size; index++) {
        const proof = await inclusionProof(source, index, size);
        assert.ok(verifyInclusion(leaves[index]!, index, size, proof, roots[size]!), `${index} of ${size}`);
        assert.ok(!verifyInclusion(leaves[index]!, index, size, proof, roots[size - 1]!));
        if (size > 1) {
          const other = (index + 1) % size;
          assert.ok(!verifyInclusion(leaves[other]!, index, size, proof, roots[size]!), `other leaf ${other}`);
          assert.ok(!verifyInclusion(leaves[index]!, other, size, proof, roots[size]!), `other index ${other}`);
        }
      }
    }
  });

  it('rejects mangled inclusion proofs: a flipped bit, a missing or an extra node', async () => {
    for (let size = 2; size <= 40; size++) {
      for (let index = 0; index < size; index++) {
        const proof = await inclusionProof(source, index, size);
        const flipped = proof.map((node) => Buffer.from(node));
        flipped[flipped.length - 1]![5]! ^= 0x10;
        assert.ok(!verifyInclusion(leaves[index]!, index, size, flipped, roots[size]!));
        assert.ok(!verifyInclusion(leaves[index]!, index, size, proof.slice(0, -1), roots[size]!));
        assert.ok(!verifyInclusion(leaves[index]!, index, size, [...proof, Buffer.alloc(32)], roots[size]!));
      }
    }
    assert.ok(!verifyInclusion(leaves[0]!, 3, 3, [], roots[3]!), 'index beyond the tree');
    assert.ok(!verifyInclusion(Buffer.alloc(31), 0, 1, [], roots[1]!), 'short leaf hash');
  });

  it('proves every older tree consistent with every newer one, and refuses mangled or mismatched proofs', async () => {
    for (let newSize = 1; newSize <= 40; newSize++) {
      for (let oldSize = 0; oldSize <= newSize; oldSize++) {
        const proof = await consistencyProof(source, oldSize, newSize);
        assert.ok(
          verifyConsistency(oldSize, newSize, roots[oldSize]!, roots[newSize]!, proof),
          `${oldSize} → ${newSize}`,
        );
        if (oldSize > 0 && oldSize < newSize) {
          assert.ok(!verifyConsistency(oldSize, newSize, roots[oldSize - 1]!, roots[newSize]!, proof));
          assert.ok(!verifyConsistency(oldSize, newSize, roots[oldSize]!, roots[newSize - 1]!, proof));
          const flipped = proof.map((node) => Buffer.from(node));
          flipped[0]![0]! ^= 0x01;
          assert.ok(!verifyConsistency(oldSize, newSize, roots[oldSize]!, roots[newSize]!, flipped));
          assert.ok(!verifyConsistency(oldSize, newSize, roots[oldSize]!, roots[newSize]!, proof.slice(0, -1)));
          assert.ok(
            !verifyConsistency(oldSize, newSize, roots[oldSize]!, roots[newSize]!, [...proof, Buffer.alloc(32)]),
          );
        }
      }
    }
    assert.ok(!verifyConsistency(5, 4, roots[5]!, roots[4]!, []), 'a tree does not shrink');
    assert.ok(!verifyConsistency(4, 4, roots[4]!, roots[5]!, []), 'equal sizes need equal roots');
  });

  it('refuses to generate proofs outside the tree', async () => {
    await assert.rejects(inclusionProof(source, 5, 5), RangeError);
    await assert.rejects(consistencyProof(source, 6, 5), RangeError);
  });
});

describe('compact ranges', () => {
  const leaves = Array.from({ length: 300 }, (_, i) => leafHash(`leaf ${i}`));
  const source = new LeafArraySource(leaves);

  it('grows leaf by leaf to the same heads and subtrees as the tree itself, reporting each subtree it closes', async () => {
    const range = new CompactRange();
    for (let size = 1; size <= leaves.length; size++) {
      const closed = range.append(leaves[size - 1]!);
      for (const node of closed) assert.equal(hex(node.hash), hex(await source.node(node.level, node.index)));
      // Leaf n closes one subtree per trailing 1 bit of n - 1.
      let expectedClosed = 0;
      for (let rest = size - 1; rest % 2 === 1; rest = Math.floor(rest / 2)) expectedClosed++;
      assert.equal(closed.length, expectedClosed);
      if (size % 37 === 0 || size === leaves.length) {
        assert.equal(hex(range.root()), hex(await rangeHash(source, 0, size)));
        assert.deepEqual(range.toJSON(), (await compactRangeAt(source, size)).toJSON());
      }
    }
    assert.deepEqual(
      range.subtrees.map(({ level, index }) => [level, index]),
      [
        [8, 0],
        [5, 8],
        [3, 36],
        [2, 74],
      ],
    );
  });

  it('survives a round trip through JSON and refuses malformed ones', () => {
    const range = new CompactRange();
    for (const leaf of leaves.slice(0, 11)) range.append(leaf);
    const copy = CompactRange.fromJSON(JSON.parse(JSON.stringify(range)));
    assert.equal(hex(copy.root()), hex(range.root()));
    assert.throws(() => CompactRange.fromJSON({ size: 3, nodes: [hex(leaves[0]!)] }), /compact range of 3 leaves/);
    assert.throws(() => CompactRange.fromJSON({ size: 1, nodes: ['zz'] }), /not a compact range/);
    assert.throws(() => CompactRange.fromJSON(null), /not a compact range/);
  });
});
