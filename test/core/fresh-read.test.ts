import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { FreshRead } from '../../src/core/index.ts';

/** A store whose value changes on demand, and whose reads stay out until released (a round trip). */
class SlowStore {
  value = 0;
  sent = 0;
  private readonly outstanding: Array<() => void> = [];

  read = (): Promise<number> => {
    this.sent++;
    const value = this.value;
    return new Promise((resolve) => this.outstanding.push(() => resolve(value)));
  };

  /** Answers every read sent so far. */
  answer(): void {
    for (const resolve of this.outstanding.splice(0)) resolve();
  }
}

describe('FreshRead', () => {
  it('sends one read for every request that asks in the same turn', async () => {
    const store = new SlowStore();
    const reads = new FreshRead(store.read);
    const answers = Promise.all([reads.get(), reads.get(), reads.get()]);
    await nextTurn();
    store.answer();
    assert.deepEqual(await answers, [0, 0, 0]);
    assert.equal(store.sent, 1);
  });

  it('never answers a request with a read sent before it asked: latecomers share the next read', async () => {
    const store = new SlowStore();
    const reads = new FreshRead(store.read);
    const early = reads.get();
    await nextTurn();
    assert.equal(store.sent, 1, 'the first read is out');
    // Committed after the first read was sent, before these requests arrived: they must see it.
    store.value = 1;
    const late = [reads.get(), reads.get()];
    await nextTurn();
    assert.equal(store.sent, 1, 'one read at a time');
    store.answer();
    assert.equal(await early, 0);
    await nextTurn();
    assert.equal(store.sent, 2, 'the latecomers share one read, sent when the first is back');
    store.answer();
    assert.deepEqual(await Promise.all(late), [1, 1]);
  });

  it('fails only the requests whose read failed', async () => {
    let fail = true;
    const reads = new FreshRead(async () => {
      if (fail) throw new Error('connection lost');
      return 'r2';
    });
    await assert.rejects(reads.get(), /connection lost/);
    fail = false;
    assert.equal(await reads.get(), 'r2');
  });
});
