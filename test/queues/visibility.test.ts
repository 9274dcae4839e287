import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { QueueHarness } from '../support/queue-harness.ts';

describe('visibility timeout', () => {
  let h: QueueHarness;
  beforeEach(() => {
    h = new QueueHarness();
  });
  afterEach(() => h.close());

  it('hides a received message until its visibility timeout passes, then redelivers it', async () => {
    const q = await h.createQueue('vis', { VisibilityTimeout: '30' });
    await h.send(q, 'once');
    const [first] = await h.receive(q);
    assert.equal(first?.body, 'once');
    assert.equal(first?.attributes['ApproximateReceiveCount'], '1');
    h.clock.advance(29_999);
    assert.deepEqual(await h.bodies(q), []);
    h.clock.advance(1);
    const [again] = await h.receive(q);
    assert.equal(again?.body, 'once');
    assert.equal(again?.attributes['ApproximateReceiveCount'], '2');
    assert.notEqual(again?.receiptHandle, first?.receiptHandle);
    assert.equal(
      again?.attributes['ApproximateFirstReceiveTimestamp'],
      first?.attributes['ApproximateFirstReceiveTimestamp'],
    );
  });

  it('uses the VisibilityTimeout of the receive over the queue default', async () => {
    const q = await h.createQueue('vis-override', { VisibilityTimeout: '30' });
    await h.send(q, 'm');
    await h.receive(q, { visibilityTimeoutSec: 5 });
    h.clock.advance(5_000);
    assert.deepEqual(await h.bodies(q), ['m']);
  });

  it('never hands one message to two consumers inside its visibility window', async () => {
    const q = await h.createQueue('exclusive');
    for (let i = 0; i < 50; i++) await h.send(q, `m${i}`);
    const batches = await Promise.all(Array.from({ length: 10 }, () => h.bodies(q)));
    const all = batches.flat();
    assert.equal(all.length, 50);
    assert.equal(new Set(all).size, 50);
  });

  it('extends visibility with ChangeMessageVisibility and releases it at once with 0', async () => {
    const q = await h.createQueue('change', { VisibilityTimeout: '10' });
    await h.send(q, 'm');
    const [message] = await h.receive(q);
    await h.service.changeMessageVisibility(q, message!.receiptHandle, 60);
    h.clock.advance(30_000);
    assert.deepEqual(await h.bodies(q), [], 'still invisible after the original 10 s');
    await h.service.changeMessageVisibility(q, message!.receiptHandle, 0);
    assert.deepEqual(await h.bodies(q), ['m']);
  });

  it('answers a visibility change with an expired handle with success and leaves the message visible', async () => {
    const q = await h.createQueue('not-inflight', { VisibilityTimeout: '10' });
    await h.send(q, 'm');
    const [message] = await h.receive(q);
    h.clock.advance(10_000);
    await h.service.changeMessageVisibility(q, message!.receiptHandle, 30);
    assert.deepEqual(await h.bodies(q), ['m']);
  });

  it('refuses an expired handle on a FIFO queue: no visibility change, no delete', async () => {
    const q = await h.createQueue('expired.fifo', {
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
      VisibilityTimeout: '10',
    });
    await h.send(q, 'm', { groupId: 'g' });
    const [message] = await h.receive(q);
    h.clock.advance(10_000);
    await assert.rejects(h.service.changeMessageVisibility(q, message!.receiptHandle, 30), {
      code: 'MessageNotInflight',
    });
    await assert.rejects(h.service.deleteMessage(q, message!.receiptHandle), {
      code: 'InvalidParameterValue',
      message: /The receipt handle has expired/,
    });
    const [failed] = await h.service.deleteMessageBatch(q, [{ id: 'e', receiptHandle: message!.receiptHandle }]);
    assert.equal(failed?.ok, false);
    assert.deepEqual(await h.bodies(q), ['m'], 'still there for the next consumer');
  });

  it('refuses a visibility beyond 12 hours from the receive', async () => {
    const q = await h.createQueue('twelve-hours');
    await h.send(q, 'm');
    const [message] = await h.receive(q);
    h.clock.advance(10_000);
    await assert.rejects(h.service.changeMessageVisibility(q, message!.receiptHandle, 43_200), {
      code: 'InvalidParameterValue',
    });
    await h.service.changeMessageVisibility(q, message!.receiptHandle, 43_190);
  });

  it('does not let a stale receipt handle delete a message received again since', async () => {
    const q = await h.createQueue('stale', { VisibilityTimeout: '1' });
    await h.send(q, 'm');
    const [first] = await h.receive(q);
    h.clock.advance(1_000);
    const [second] = await h.receive(q);
    await h.service.deleteMessage(q, first!.receiptHandle);
    h.clock.advance(1_000);
    assert.deepEqual(await h.bodies(q), ['m'], 'the stale handle deleted nothing');
    await assert.rejects(h.service.changeMessageVisibility(q, second!.receiptHandle, 5), {
      code: 'InvalidParameterValue',
    });
  });

  it('deletes with the current handle, and deleting again is harmless', async () => {
    const q = await h.createQueue('delete');
    await h.send(q, 'm');
    const [message] = await h.receive(q, { visibilityTimeoutSec: 0 });
    await h.service.deleteMessage(q, message!.receiptHandle);
    await h.service.deleteMessage(q, message!.receiptHandle);
    assert.deepEqual(await h.bodies(q), []);
  });

  it('rejects malformed receipt handles and handles of another queue', async () => {
    const a = await h.createQueue('handles-a');
    const b = await h.createQueue('handles-b');
    await h.send(a, 'm');
    const [message] = await h.receive(a);
    await assert.rejects(h.service.deleteMessage(a, 'not-a-handle'), { code: 'ReceiptHandleIsInvalid' });
    await assert.rejects(h.service.deleteMessage(b, message!.receiptHandle), { code: 'ReceiptHandleIsInvalid' });
  });

  it('reports per-entry results for ChangeMessageVisibilityBatch', async () => {
    const q = await h.createQueue('vis-batch');
    await h.send(q, 'm');
    const [message] = await h.receive(q);
    const outcomes = await h.service.changeMessageVisibilityBatch(q, [
      { id: 'good', receiptHandle: message!.receiptHandle, visibilityTimeoutSec: 100 },
      { id: 'bad', receiptHandle: 'garbage', visibilityTimeoutSec: 100 },
    ]);
    assert.deepEqual(
      outcomes.map((o) => [o.id, o.ok, o.ok ? '' : o.code]),
      [
        ['good', true, ''],
        ['bad', false, 'ReceiptHandleIsInvalid'],
      ],
    );
  });
});
