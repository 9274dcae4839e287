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
    await settle();
    assert.equal(received, undefined, 'still waiting');
    const queue = await h.store.read((tx) => tx.getQueueByName(q.accountId, q.name));
    assert.equal(h.service.context.waiters.waitingOn(queue!.id), 1, 'parked, not polling');
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
    await settle();
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
    await settle();
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
    await settle();
    h.clock.advance(2_000);
    await pending;
    assert.deepEqual(received, ['later']);
  });

  it('returns at once when the caller aborts', async () => {
    const q = await h.createQueue('abort');
    const controller = new AbortController();
    const aborted = h.receive(q, { waitTimeSec: 20 }, controller.signal);
    await settle();
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
    let received: string[] | undefined;
    void receive.then((bodies) => {
      received = bodies;
    });
    await settle(20);
    assert.deepEqual(received, ['raced']);
  });
});
