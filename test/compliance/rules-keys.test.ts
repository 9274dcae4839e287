import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { account, ComplianceHarness, seen } from '../support/compliance-harness.ts';
import { caller } from '../support/queue-harness.ts';

const dayMs = 86_400_000;
const hourMs = 3_600_000;

describe('the default pack on KMS keys', () => {
  let h: ComplianceHarness;
  before(async () => {
    h = await new ComplianceHarness().open();
  });
  after(() => h.close());

  it('fails a customer key whose scheduled rotation is more than a day late, passes it once the rotation runs', async () => {
    const key = await h.keyAdmin.createKey(account, { rotationPeriodDays: 90 });
    const arn = h.keyArn(key.keyId);
    assert.equal((await h.judge('key-rotation-overdue', arn)).status, 'pass');
    // Due, but the server rotates due keys every minute: a few hours late is not yet overdue.
    h.clock.advance(90 * dayMs + 12 * hourMs);
    assert.equal((await h.judge('key-rotation-overdue', arn)).status, 'pass');
    h.clock.advance(13 * hourMs);
    const failed = await h.judge('key-rotation-overdue', arn);
    assert.equal(failed.status, 'fail');
    assert.equal(failed.severity, 'high');
    assert.deepEqual(seen(failed), { state: 'Enabled', 'rotation.isOverdue': true });

    // What `pciq serve` does every minute.
    await h.keys.runDueWork();
    assert.equal((await h.keyAdmin.describeKey(account, key.keyId)).currentVersion, 2);
    assert.equal((await h.judge('key-rotation-overdue', arn)).status, 'pass');
  });

  it('passes an overdue key once it is rotated on demand, as the remediation offers, until its new material is due', async () => {
    const key = await h.keyAdmin.createKey(account, { rotationPeriodDays: 90 });
    const arn = h.keyArn(key.keyId);
    h.clock.advance(92 * dayMs);
    assert.equal((await h.judge('key-rotation-overdue', arn)).status, 'fail');

    // `pciq keys rotate KEY`: new material now, while the server that rotates keys is down.
    await h.keyAdmin.rotateKey(account, key.keyId, true);
    assert.equal((await h.judge('key-rotation-overdue', arn)).status, 'pass');
    h.clock.advance(90 * dayMs + 12 * hourMs);
    assert.equal((await h.judge('key-rotation-overdue', arn)).status, 'pass');
    h.clock.advance(13 * hourMs);
    assert.equal((await h.judge('key-rotation-overdue', arn)).status, 'fail');
  });

  it('fails a key queues seal under while it is disabled, passes it once enabled again', async () => {
    const key = await h.keyAdmin.createKey(account, { alias: 'alias/payments' });
    await h.createQueue('payments', { KmsMasterKeyId: 'alias/payments' });
    const arn = h.keyArn(key.keyId);
    assert.equal((await h.judge('key-unusable-while-in-use', arn)).status, 'pass');

    await h.keyAdmin.disableKey(account, key.keyId);
    const failed = await h.judge('key-unusable-while-in-use', arn);
    assert.equal(failed.status, 'fail');
    assert.deepEqual(seen(failed), { state: 'Disabled', usedByQueueCount: 1, quarantine: null });

    await h.keyAdmin.enableKey(account, key.keyId);
    assert.equal((await h.judge('key-unusable-while-in-use', arn)).status, 'pass');
  });

  it('fails a key queues seal under while it is scheduled for deletion, passes it once deletion is cancelled and the key enabled', async () => {
    const key = await h.keyAdmin.createKey(account, {});
    await h.createQueue('chargebacks', { KmsMasterKeyId: key.arn });
    const arn = h.keyArn(key.keyId);

    await h.keyAdmin.scheduleKeyDeletion(account, key.keyId, 7);
    const failed = await h.judge('key-unusable-while-in-use', arn);
    assert.equal(failed.status, 'fail');
    assert.equal(seen(failed).state, 'PendingDeletion');

    await h.keyAdmin.cancelKeyDeletion(account, key.keyId);
    assert.equal(
      (await h.judge('key-unusable-while-in-use', arn)).status,
      'fail',
      'cancelled deletion leaves it disabled',
    );
    await h.keyAdmin.enableKey(account, key.keyId);
    assert.equal((await h.judge('key-unusable-while-in-use', arn)).status, 'pass');
  });

  it('fails a key a queue moved away from while the queue still holds messages sealed under it, passes it once they are gone', async () => {
    const previous = await h.keyAdmin.createKey(account, {});
    const current = await h.keyAdmin.createKey(account, {});
    const queue = await h.createQueue('refunds', { KmsMasterKeyId: previous.arn });
    const [sent] = await h.queues.sendMessages(
      caller,
      queue,
      [{ id: 'e', body: 'refund 42', attributes: {}, systemAttributes: {} }],
      false,
    );
    assert.ok(sent?.ok);
    // SQS leaves stored messages under the key that sealed them when KmsMasterKeyId changes.
    await h.queues.setQueueAttributes(queue, { KmsMasterKeyId: current.arn });
    const arn = h.keyArn(previous.keyId);
    await h.keyAdmin.disableKey(account, previous.keyId);
    const failed = await h.judge('key-unusable-while-in-use', arn);
    assert.equal(failed.status, 'fail');
    assert.deepEqual(seen(failed), { state: 'Disabled', usedByQueueCount: 1, quarantine: null });

    await h.keyAdmin.enableKey(account, previous.keyId);
    const received = await h.queues.receiveMessages(queue, {
      maxMessages: 10,
      systemAttributeNames: [],
      messageAttributeNames: [],
    });
    assert.deepEqual(
      received.map((message) => message.body),
      ['refund 42'],
    );
    await h.queues.deleteMessage(queue, received[0]!.receiptHandle);
    await h.keyAdmin.disableKey(account, previous.keyId);
    assert.equal((await h.judge('key-unusable-while-in-use', arn)).status, 'pass');
  });

  it('counts the queues a disabled key is still needed by: under its older versions and quarantined ones included, deleted ones not', async () => {
    const previous = await h.keyAdmin.createKey(account, {});
    const current = await h.keyAdmin.createKey(account, {});
    const moved = await h.createQueue('settlements', { KmsMasterKeyId: previous.arn });
    const [sent] = await h.queues.sendMessages(
      caller,
      moved,
      [{ id: 'e', body: 'settlement 7', attributes: {}, systemAttributes: {} }],
      false,
    );
    assert.ok(sent?.ok);
    await h.keyAdmin.rotateKey(account, previous.keyId, true);
    await h.queues.setQueueAttributes(moved, { KmsMasterKeyId: current.arn });
    const seized = await h.createQueue('seized-settlements', { KmsMasterKeyId: previous.arn });
    await h.queues.setQuarantine(seized, 'INC-3');
    const dropped = await h.createQueue('dropped-settlements', { KmsMasterKeyId: previous.arn });
    const arn = h.keyArn(previous.keyId);
    await h.keyAdmin.disableKey(account, previous.keyId);
    assert.equal(seen(await h.judge('key-unusable-while-in-use', arn)).usedByQueueCount, 3);

    await h.queues.deleteQueue(dropped);
    const failed = await h.judge('key-unusable-while-in-use', arn);
    assert.equal(failed.status, 'fail');
    assert.equal(seen(failed).usedByQueueCount, 2, 'the moved queue and the quarantined one');
  });

  it('passes a disabled key no queue uses', async () => {
    const key = await h.keyAdmin.createKey(account, {});
    await h.keyAdmin.disableKey(account, key.keyId);
    const finding = await h.judge('key-unusable-while-in-use', h.keyArn(key.keyId));
    assert.equal(finding.status, 'pass');
    assert.equal(seen(finding).usedByQueueCount, 0);
  });
});
