import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { account, ComplianceHarness, seen } from '../support/compliance-harness.ts';

const daySec = 86_400;

describe('the default pack on queues', () => {
  let h: ComplianceHarness;
  before(async () => {
    h = await new ComplianceHarness().open();
  });
  after(() => h.close());

  it("fails a queue sealed under the account's AWS managed key, passes it once set to a customer key", async () => {
    const queue = await h.createQueue('orders');
    const failed = await h.judge('queue-without-customer-key', h.queueArn('orders'));
    assert.equal(failed.status, 'fail');
    assert.equal(failed.severity, 'medium');
    assert.deepEqual(seen(failed), { isSystem: false, 'kmsKey.isCustomerKey': false });

    await h.keyAdmin.createKey(account, { alias: 'alias/pciq/queues' });
    await h.queues.setQueueAttributes(queue, { KmsMasterKeyId: 'alias/pciq/queues' });
    const passed = await h.judge('queue-without-customer-key', h.queueArn('orders'));
    assert.equal(passed.status, 'pass');
    assert.equal(seen(passed)['kmsKey.isCustomerKey'], true);
  });

  it("leaves pciq's own alerts queue out of the customer key rule", async () => {
    await h.createQueue('pciq-alerts');
    const finding = await h.judge('queue-without-customer-key', h.queueArn('pciq-alerts'));
    assert.equal(finding.status, 'pass');
    assert.deepEqual(seen(finding), { isSystem: true });
  });

  it('fails a queue keeping messages longer than 4 days without a documented need, passes it once the need is documented or retention lowered', async () => {
    const queue = await h.createQueue('settlements', { MessageRetentionPeriod: String(14 * daySec) });
    const failed = await h.judge('queue-retention-exceeds-need', h.queueArn('settlements'));
    assert.equal(failed.status, 'fail');
    assert.deepEqual(seen(failed), { isSystem: false, retentionExceedsNeed: true });
    assert.deepEqual(failed.requirements, ['3.2.1']);

    await h.queues.tagQueue(queue, { 'pciq:retention-need': '14d' });
    assert.equal((await h.judge('queue-retention-exceeds-need', h.queueArn('settlements'))).status, 'pass');

    // A need shorter than the retention fails again; lowering the retention to the need passes.
    await h.queues.tagQueue(queue, { 'pciq:retention-need': '7d' });
    assert.equal((await h.judge('queue-retention-exceeds-need', h.queueArn('settlements'))).status, 'fail');
    await h.queues.setQueueAttributes(queue, { MessageRetentionPeriod: String(7 * daySec) });
    assert.equal((await h.judge('queue-retention-exceeds-need', h.queueArn('settlements'))).status, 'pass');
  });

  it('fails a queue whose documented need cannot be read, passes it once written as seconds or days', async () => {
    const queue = await h.createQueue('refunds');
    await h.queues.tagQueue(queue, { 'pciq:retention-need': 'a week' });
    assert.equal((await h.judge('queue-retention-exceeds-need', h.queueArn('refunds'))).status, 'fail');
    await h.queues.tagQueue(queue, { 'pciq:retention-need': String(4 * daySec) });
    assert.equal((await h.judge('queue-retention-exceeds-need', h.queueArn('refunds'))).status, 'pass');
  });
});
