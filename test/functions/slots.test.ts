import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvocationSlots } from '../../src/functions/slots.ts';

describe('invocation slots (the host-wide limit on sandboxes running at once)', () => {
  it('lets batches in up to the limit and makes the next one wait, which counts as a throttle', async () => {
    const slots = new InvocationSlots(2);
    const first = await slots.acquire();
    const second = await slots.acquire();
    assert.equal(first.waited || second.waited, false);
    let isThirdIn = false;
    const third = slots.acquire().then((slot) => {
      isThirdIn = true;
      return slot;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(isThirdIn, false);
    first.release();
    assert.equal((await third).waited, true);
    assert.equal(slots.busy, 2);
  });

  it('gives up waiting when stopped, without taking a slot from another waiter', async () => {
    const slots = new InvocationSlots(1);
    const held = await slots.acquire();
    const abort = new AbortController();
    const abandoned = slots.acquire(abort.signal);
    const patient = slots.acquire();
    abort.abort(new Error('stopping'));
    held.release();
    await assert.rejects(abandoned, /stopping/);
    assert.equal((await patient).waited, true);
    assert.equal(slots.busy, 1);
  });
});
