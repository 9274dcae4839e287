/**
 * The PostgreSQL driver shares the IAM revision read among concurrent requests. What makes that safe: a
 * caller is only ever answered by a read sent after it asked, so it sees every change committed before.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FreshRead } from '../../src/storage/postgres/fresh-read.ts';

/** A read whose answers the test releases one by one, each answer the number of reads sent before it. */
function controlledRead() {
  const pending: Array<() => void> = [];
  let sent = 0;
  const read = () => {
    const answer = ++sent;
    return new Promise<number>((resolve) => pending.push(() => resolve(answer)));
  };
  const answerNext = async () => {
    pending.shift()!();
    // Let the answer and what it starts (the following read) run.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { read, answerNext, sentCount: () => sent };
}

describe('postgres: reads shared by concurrent requests', () => {
  it('answers a caller that asked while a read was in flight with the next read, not that one', async () => {
    const { read, answerNext, sentCount } = controlledRead();
    const shared = new FreshRead(read);
    const first = shared.get();
    const second = shared.get();
    const third = shared.get();
    assert.equal(sentCount(), 1, 'one read in flight at a time');
    await answerNext();
    assert.equal(await first, 1);
    assert.equal(sentCount(), 2, 'the read for those who asked meanwhile went out once the first was back');
    await answerNext();
    assert.equal(await second, 2);
    assert.equal(await third, 2);
  });

  it('sends a read at once when none is in flight', async () => {
    const { read, answerNext, sentCount } = controlledRead();
    const shared = new FreshRead(read);
    const first = shared.get();
    await answerNext();
    await first;
    const later = shared.get();
    assert.equal(sentCount(), 2);
    await answerNext();
    assert.equal(await later, 2);
  });
});
