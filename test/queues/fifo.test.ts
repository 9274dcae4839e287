import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FifoSelection } from '../../src/queues/fifo-selection.ts';
import type { SendEntry } from '../../src/queues/index.ts';
import { caller, QueueHarness } from '../support/queue-harness.ts';

describe('FIFO selection (pure)', () => {
  const row = (seq: number, group: string, visibleAtMs = 0, expiresAtMs = 1e12) => ({
    seq,
    groupKey: group,
    visibleAtMs,
    expiresAtMs,
    receiveCount: 0,
    sentAtMs: 0,
  });

  it('takes a run of one group before moving on to the next', () => {
    const selection = new FifoSelection(100);
    for (const r of [row(1, 'a'), row(2, 'b'), row(3, 'a'), row(4, 'b'), row(5, 'a')]) selection.add(r);
    assert.deepEqual(selection.pick(10), [1, 3, 5, 2, 4]);
    assert.deepEqual(selection.pick(4), [1, 3, 5, 2]);
  });

  it('blocks a group whose oldest message is in flight or delayed, and everything after it in that group', () => {
    const selection = new FifoSelection(100);
    for (const r of [row(1, 'a', 500), row(2, 'a'), row(3, 'b'), row(4, 'b', 200), row(5, 'b')]) selection.add(r);
    assert.deepEqual(selection.pick(10), [3]);
  });

  it('ignores expired messages instead of letting them block their group', () => {
    const selection = new FifoSelection(100);
    for (const r of [row(1, 'a', 500, 50), row(2, 'a')]) selection.add(r);
    assert.deepEqual(selection.pick(10), [2]);
  });
});

describe('FIFO queues', () => {
  let h: QueueHarness;
  beforeEach(() => {
    h = new QueueHarness();
  });
  afterEach(() => h.close());

  it('delivers each group in send order and keeps a group closed while one of its messages is in flight', async () => {
    const q = await h.createQueue('orders.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    for (const [group, body] of [
      ['a', 'a1'],
      ['b', 'b1'],
      ['a', 'a2'],
      ['b', 'b2'],
      ['a', 'a3'],
    ]) {
      await h.send(q, body!, { groupId: group });
    }
    const first = await h.bodies(q, { maxMessages: 2 });
    assert.deepEqual(first, ['a1', 'a2']);
    // a is in flight: only b may be received now.
    assert.deepEqual(await h.bodies(q, { maxMessages: 10 }), ['b1', 'b2']);
    assert.deepEqual(await h.bodies(q), [], 'both groups in flight');
    h.clock.advance(30_000);
    assert.deepEqual(await h.bodies(q), ['a1', 'a2', 'a3', 'b1', 'b2'], 'after the timeout, order is intact');
  });

  it('opens a group again once its in-flight messages are deleted', async () => {
    const q = await h.createQueue('delete-opens.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    await h.send(q, 'x1', { groupId: 'g' });
    await h.send(q, 'x2', { groupId: 'g' });
    const [m1] = await h.receive(q, { maxMessages: 1 });
    assert.equal(m1?.body, 'x1');
    assert.deepEqual(await h.bodies(q), []);
    await h.service.deleteMessage(q, m1!.receiptHandle);
    assert.deepEqual(await h.bodies(q), ['x2']);
  });

  it('gives increasing sequence numbers and reports group and deduplication ids', async () => {
    const q = await h.createQueue('seq.fifo', { FifoQueue: 'true' });
    const r1 = await h.send(q, 'one', { groupId: 'g', deduplicationId: 'd1' });
    const r2 = await h.send(q, 'two', { groupId: 'g', deduplicationId: 'd2' });
    assert.ok(r1.sequenceNumber && r2.sequenceNumber && r2.sequenceNumber > r1.sequenceNumber);
    assert.equal(r1.sequenceNumber.length, 20);
    const [message] = await h.receive(q, { maxMessages: 1 });
    assert.equal(message?.attributes['MessageGroupId'], 'g');
    assert.equal(message?.attributes['MessageDeduplicationId'], 'd1');
    assert.equal(message?.attributes['SequenceNumber'], r1.sequenceNumber);
  });

  it('drops a duplicate deduplication id within 5 minutes and accepts it after', async () => {
    const q = await h.createQueue('dedup.fifo', { FifoQueue: 'true' });
    const first = await h.send(q, 'pay 10', { groupId: 'g', deduplicationId: 'order-1' });
    h.clock.advance(4 * 60_000);
    const duplicate = await h.send(q, 'pay 10 again', { groupId: 'g', deduplicationId: 'order-1' });
    assert.equal(duplicate.messageId, first.messageId, 'a duplicate is acknowledged with the original id');
    assert.equal(duplicate.sequenceNumber, first.sequenceNumber);
    h.clock.advance(60_000);
    const later = await h.send(q, 'pay 10 later', { groupId: 'g', deduplicationId: 'order-1' });
    assert.notEqual(later.messageId, first.messageId);
    assert.deepEqual(await h.bodies(q), ['pay 10', 'pay 10 later']);
  });

  it('deduplicates by the SHA-256 of the body with ContentBasedDeduplication', async () => {
    const q = await h.createQueue('content.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    await h.send(q, 'same body', { groupId: 'g1' });
    await h.send(q, 'same body', { groupId: 'g2' });
    await h.send(q, 'other body', { groupId: 'g1' });
    const messages = await h.receive(q);
    assert.deepEqual(
      messages.map((m) => m.body),
      ['same body', 'other body'],
    );
    assert.equal(
      messages[0]?.attributes['MessageDeduplicationId'],
      '8f6372a8b1509601faa57ff3a292cfcccb95aa2325c18b8e50b0c035ea1648fe', // printf 'same body' | sha256sum,
    );
  });

  it('deduplicates per group with DeduplicationScope messageGroup', async () => {
    const q = await h.createQueue('scope.fifo', {
      FifoQueue: 'true',
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    });
    await h.send(q, 'a', { groupId: 'g1', deduplicationId: 'same' });
    await h.send(q, 'b', { groupId: 'g2', deduplicationId: 'same' });
    await h.send(q, 'c', { groupId: 'g1', deduplicationId: 'same' });
    assert.deepEqual(await h.bodies(q), ['a', 'b']);
  });

  it('requires a group id, a deduplication id (or content-based deduplication), and no per-message delay', async () => {
    const q = await h.createQueue('rules.fifo', { FifoQueue: 'true' });
    await assert.rejects(h.send(q, 'm', { deduplicationId: 'd' }), /MissingParameter/);
    await assert.rejects(h.send(q, 'm', { groupId: 'g' }), /InvalidParameterValue/);
    await assert.rejects(
      h.send(q, 'm', { groupId: 'g', deduplicationId: 'd', delaySeconds: 5 }),
      /InvalidParameterValue/,
    );
  });

  it('refuses a deduplication id on a standard queue but accepts a group id (fair queues)', async () => {
    const q = await h.createQueue('standard');
    await assert.rejects(h.send(q, 'm', { deduplicationId: 'd' }), /InvalidParameterValue/);
    await h.send(q, 'm', { groupId: 'tenant-1' });
    const [message] = await h.receive(q);
    assert.equal(message?.attributes['MessageGroupId'], 'tenant-1');
  });

  it('answers a receive retried with its ReceiveRequestAttemptId with the same messages and handles', async () => {
    const q = await h.createQueue('attempts.fifo', {
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
      VisibilityTimeout: '60',
    });
    await h.send(q, 'a1', { groupId: 'a' });
    await h.send(q, 'b1', { groupId: 'b' });
    const seen = (messages: Awaited<ReturnType<typeof h.receive>>) =>
      messages.map((m) => [m.body, m.receiptHandle, m.attributes['ApproximateReceiveCount']]);
    const first = await h.receive(q, { maxMessages: 1, attemptId: 'try-1' });
    assert.equal(first[0]?.body, 'a1');
    h.clock.advance(50_000);
    assert.deepEqual(seen(await h.receive(q, { maxMessages: 1, attemptId: 'try-1' })), seen(first));
    // The retry restarted the visibility timeout: 100 s after the first receive, a1 still holds group a.
    h.clock.advance(50_000);
    assert.deepEqual(await h.bodies(q, { attemptId: 'try-2' }), ['b1']);
    // Past the 5-minute deduplication interval the same id is a new receive, with a new handle.
    h.clock.advance(5 * 60_000);
    const later = await h.receive(q, { maxMessages: 1, attemptId: 'try-1' });
    assert.equal(later[0]?.body, 'a1');
    assert.notEqual(later[0]?.receiptHandle, first[0]?.receiptHandle);
  });

  it('serves a retried ReceiveRequestAttemptId as a new receive once one of its messages changed', async () => {
    const q = await h.createQueue('changed.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    await h.send(q, 'a1', { groupId: 'a' });
    await h.send(q, 'a2', { groupId: 'a' });
    const [first] = await h.receive(q, { maxMessages: 1, attemptId: 'try-1' });
    await h.service.deleteMessage(q, first!.receiptHandle);
    assert.deepEqual(await h.bodies(q, { maxMessages: 1, attemptId: 'try-1' }), ['a2']);
  });

  it('refuses a whole FIFO batch when an entry lacks its group id or its deduplication id', async () => {
    const q = await h.createQueue('batch-ids.fifo', { FifoQueue: 'true' });
    const entry = (id: string, extra: Partial<SendEntry>) => ({
      id,
      body: id,
      attributes: {},
      systemAttributes: {},
      ...extra,
    });
    const good = entry('good', { groupId: 'g', deduplicationId: 'd-good' });
    await assert.rejects(h.service.sendMessages(caller, q, [good, entry('no-group', { deduplicationId: 'd' })], true), {
      code: 'InvalidParameterValue',
      message: 'The request must contain the parameter MessageGroupId.',
    });
    await assert.rejects(h.service.sendMessages(caller, q, [good, entry('no-dedup', { groupId: 'g' })], true), {
      code: 'InvalidParameterValue',
      message: /ContentBasedDeduplication enabled or MessageDeduplicationId provided/,
    });
    assert.deepEqual(await h.bodies(q), [], 'nothing of either batch was stored');
  });

  it('stores neither group ids nor deduplication ids in clear', async () => {
    const q = await h.createQueue('private.fifo', { FifoQueue: 'true' });
    await h.send(q, 'm', { groupId: 'customer-4242-group', deduplicationId: 'dedup-secret-id' });
    await h.store.close();
    const { readFileSync, readdirSync } = await import('node:fs');
    for (const file of readdirSync(h.dir.path)) {
      const bytes = readFileSync(`${h.dir.path}/${file}`).toString('latin1');
      assert.ok(!bytes.includes('customer-4242-group'), `${file} holds the group id in clear`);
      assert.ok(!bytes.includes('dedup-secret-id'), `${file} holds the deduplication id in clear`);
    }
  });
});
