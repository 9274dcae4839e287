import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { QueueHarness, settle } from '../support/queue-harness.ts';

describe('long polling', () => {
  let h: QueueHarness;
  beforeEach(() => {
    h = new QueueHarness();
  });
  afterEach(() => h.close());

  it('wakes a waiting receive as soon as a message is sent, without the clock moving', async () => {
    const q = await h.createQueue('wake');
    let received: string[] | undefined;
    const pending = h.bodies(q, { waitTimeSec: 20 }).then((bodies) => {
      received = bodies;
    });
    await h.untilParked(q);
    assert.equal(received, undefined, 'still waiting');
    await h.send(q, 'hello');
    await pending;
    assert.deepEqual(received, ['hello']);
  });

  it('returns empty when the wait time passes', async () => {
    const q = await h.createQueue('timeout');
    let received: string[] | undefined;
    const pending = h.bodies(q, { waitTimeSec: 5 }).then((bodies) => {
      received = bodies;
    });
    await h.untilParked(q);
    h.clock.advance(4_999);
    await settle();
    assert.equal(received, undefined);
    h.clock.advance(1);
    await pending;
    assert.deepEqual(received, []);
  });

  it('uses the queue ReceiveMessageWaitTimeSeconds when the receive sets none', async () => {
    const q = await h.createQueue('queue-wait', { ReceiveMessageWaitTimeSeconds: '3' });
    let done = false;
    const pending = h.bodies(q).then(() => {
      done = true;
    });
    await h.untilParked(q);
    assert.equal(done, false);
    h.clock.advance(3_000);
    await pending;
  });

  it('wakes when a delayed message becomes visible during the wait', async () => {
    const q = await h.createQueue('delayed-wake');
    await h.send(q, 'later', { delaySeconds: 2 });
    let received: string[] | undefined;
    const pending = h.bodies(q, { waitTimeSec: 20 }).then((bodies) => {
      received = bodies;
    });
    await h.untilParked(q);
    h.clock.advance(2_000);
    await pending;
    assert.deepEqual(received, ['later']);
  });

  it('returns at once when the caller aborts', async () => {
    const q = await h.createQueue('abort');
    const controller = new AbortController();
    const aborted = h.receive(q, { waitTimeSec: 20 }, controller.signal);
    await h.untilParked(q);
    controller.abort();
    assert.deepEqual(await aborted, []);
  });

  it('does not miss a send that commits together with its empty look', async () => {
    const q = await h.createQueue('race');
    // Both units of work land in the same group commit: the receive's empty claim first, then the send.
    const receive = h.bodies(q, { waitTimeSec: 20 });
    for (let i = 0; i < 20; i++) await Promise.resolve(); // the receive queues its claim; nothing commits yet
    const send = h.send(q, 'raced');
    await send;
    // A missed wake-up would park until the deadline; after 2 s of real time the test releases it and fails.
    let missed = false;
    const timer = setTimeout(() => {
      missed = true;
      h.clock.advance(20_000);
    }, 2_000);
    const received = await receive;
    clearTimeout(timer);
    assert.equal(missed, false, 'the send woke the receive');
    assert.deepEqual(received, ['raced']);
  });
});
