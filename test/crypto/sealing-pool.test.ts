import assert from 'node:assert/strict';
import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { additionalDataAt } from '../../src/crypto/envelope.ts';
import { aeadOpen, minItemsForWorker, type SealItem, sealingPool } from '../../src/crypto/index.ts';

const header = Buffer.from('pciq-test-header');
const aadPrefix = Buffer.concat([header, Buffer.from('scope')]);
const key = createSecretKey(randomBytes(32));

function items(count: number): SealItem[] {
  return Array.from({ length: count }, (_, i) => ({
    plaintext: `card ${i} ${'é'.repeat(i % 3)}`,
    encoding: i % 2 === 0 ? 'utf8' : 'latin1',
    place: `place:${i}`,
  }));
}

function openEach(sealed: readonly Buffer[], sealedItems: readonly SealItem[]): void {
  assert.equal(sealed.length, sealedItems.length);
  for (const [i, item] of sealedItems.entries()) {
    assert.deepEqual(sealed[i]!.subarray(0, header.length), header, 'the header leads each envelope');
    const plain = aeadOpen(key, sealed[i]!, header.length, additionalDataAt(aadPrefix, item.place));
    assert.equal(plain.toString(item.encoding), item.plaintext);
    assert.throws(() => aeadOpen(key, sealed[i]!, header.length, additionalDataAt(aadPrefix, 'elsewhere')));
  }
}

describe('sealing many items on a worker thread', () => {
  it('seals a large job on the worker, each envelope opening at its own place only', async () => {
    const job = items(3 * minItemsForWorker);
    const before = sealingPool.sealedOnWorker;
    const [first, second] = await Promise.all([
      sealingPool.seal({ key, header, aadPrefix }, job),
      sealingPool.seal({ key, header, aadPrefix }, job),
    ]);
    assert.equal(sealingPool.sealedOnWorker - before, 2 * job.length);
    openEach(first, job);
    openEach(second, job);
    assert.notDeepEqual(first[0], second[0], 'a fresh nonce for every seal');
  });

  it('seals a small job on the calling thread', async () => {
    const job = items(minItemsForWorker - 1);
    const before = sealingPool.sealedOnWorker;
    openEach(await sealingPool.seal({ key, header, aadPrefix }, job), job);
    assert.equal(sealingPool.sealedOnWorker, before);
  });

  it('gathers what callers ask for under one data key in a turn of the event loop into one job', async () => {
    const few = items(minItemsForWorker / 2 + 1);
    const under = { key, header, aadPrefix };
    const before = sealingPool.sealedOnWorker;
    const [first, second] = await Promise.all([
      sealingPool.sealGathered(under, few),
      sealingPool.sealGathered(under, few),
    ]);
    assert.equal(sealingPool.sealedOnWorker - before, 2 * few.length, 'each alone would be sealed here');
    openEach(first, few);
    openEach(second, few);
    const alone = items(2);
    openEach(await sealingPool.sealGathered(under, alone), alone);
    assert.equal(sealingPool.sealedOnWorker - before, 2 * few.length, 'a lone small ask is sealed here');
  });

  it('hands a busy turn back job by job: the first callers have their seals before the last ones are sealed', async () => {
    const under = { key, header, aadPrefix };
    const asks = Array.from({ length: 16 }, () => items(minItemsForWorker));
    const total = asks.length * minItemsForWorker;
    const before = sealingPool.sealedOnWorker;
    const sealedWhenDone: number[] = [];
    const sealed = await Promise.all(
      asks.map((ask) =>
        sealingPool.sealGathered(under, ask).then((envelopes) => {
          sealedWhenDone.push(sealingPool.sealedOnWorker - before);
          return envelopes;
        }),
      ),
    );
    for (const [i, envelopes] of sealed.entries()) openEach(envelopes, asks[i]!);
    assert.equal(sealingPool.sealedOnWorker - before, total);
    assert.ok(sealedWhenDone[0]! < total, `the first caller waited for all ${total} seals`);
  });

  it('rejects a job the worker cannot seal, and seals the next one', async () => {
    const wrongSize = createSecretKey(randomBytes(16));
    await assert.rejects(
      sealingPool.seal({ key: wrongSize, header, aadPrefix }, items(minItemsForWorker)),
      /sealing failed/,
    );
    const job = items(minItemsForWorker);
    openEach(await sealingPool.seal({ key, header, aadPrefix }, job), job);
  });
});
