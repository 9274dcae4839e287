import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuditRuntime, parseAuditConfig } from '../../src/audit/index.ts';
import { account, ComplianceHarness, seen } from '../support/compliance-harness.ts';
import { editOneByte, tamper } from '../support/tamper.ts';

describe('the default pack on the audit trail', () => {
  let h: ComplianceHarness;
  let trail: string;
  before(async () => {
    h = await new ComplianceHarness().open();
    trail = h.singletonArn('audit-trail');
    // Some history to verify: each change is recorded.
    await h.user('recorded');
  });
  after(() => h.close());

  it('fails a trail with an altered record, passes it once the record is restored', async () => {
    assert.equal((await h.judge('audit-trail-unverifiable', trail)).status, 'pass');
    const database = join(h.dir.path, 'pciq.db');
    let original = '';
    tamper(database, (db) => {
      original = (db.prepare('SELECT body FROM audit_records WHERE seq = 1').get() as { body: string }).body;
      editOneByte(db, 1);
    });
    const failed = await h.judge('audit-trail-unverifiable', trail);
    assert.equal(failed.status, 'fail');
    assert.equal(failed.severity, 'critical');
    assert.deepEqual(seen(failed), { 'verification.isValid': false });

    // Restored, as from a backup.
    tamper(database, (db) => db.prepare('UPDATE audit_records SET body = ? WHERE seq = 1').run(original));
    assert.equal((await h.judge('audit-trail-unverifiable', trail)).status, 'pass');
  });

  it('fails a trail keeping less than 12 months, passes it once a server starts with the PCI DSS retention', async () => {
    assert.equal((await h.judge('audit-retention-below-12-months', trail)).status, 'pass');
    // No configuration goes below PCI DSS (validateRetention refuses it): a state edited in the database is
    // what leaves a trail keeping less.
    await h.store.write((tx) => tx.audit.setState('retention', JSON.stringify({ retainDays: 180, hotDays: 30 })));
    const failed = await h.judge('audit-retention-below-12-months', trail);
    assert.equal(failed.status, 'fail');
    assert.deepEqual(seen(failed), { 'retention.retainDays': 180 });
    await h.store.write((tx) => tx.audit.setState('retention', JSON.stringify({ retainDays: 365, hotDays: 30 })));
    const hotTooShort = await h.judge('audit-retention-below-12-months', trail);
    assert.equal(hotTooShort.status, 'fail');
    assert.deepEqual(seen(hotTooShort), { 'retention.hotDays': 30 });

    // `pciq serve` applies its configuration's retention at start, upwards only.
    const runtime = await AuditRuntime.open({
      store: h.store,
      keyring: h.trail.keyring,
      clock: h.clock,
      config: parseAuditConfig({ retention: { retainDays: 400, hotDays: 90 } }),
      archiveDir: join(h.dir.path, 'audit-archive'),
      accountId: account,
      log: () => undefined,
    });
    await runtime.stop();
    const passed = await h.judge('audit-retention-below-12-months', trail);
    assert.equal(passed.status, 'pass');
    assert.deepEqual(seen(passed), { 'retention.retainDays': 400, 'retention.hotDays': 90 });
  });

  it('fails a server configured with no review rules, passes it once started with the default rules', async () => {
    await h.startServer({ audit: parseAuditConfig({ rules: [] }) });
    const failed = await h.judge('audit-review-disabled', trail);
    assert.equal(failed.status, 'fail');
    assert.deepEqual(seen(failed), { 'review.isEnabled': false });

    await h.startServer({ audit: parseAuditConfig({}) });
    assert.equal((await h.judge('audit-review-disabled', trail)).status, 'pass');
  });

  it('fails a server that verifies its trail less than daily or never, passes it once verification is daily', async () => {
    await h.startServer({ audit: parseAuditConfig({ verifyIntervalSec: 0 }) });
    const off = await h.judge('audit-self-verification-off', trail);
    assert.equal(off.status, 'fail');
    assert.deepEqual(seen(off), { 'selfVerification.isEnabled': false });
    await h.startServer({ audit: parseAuditConfig({ verifyIntervalSec: 2 * 86_400 }) });
    assert.equal((await h.judge('audit-self-verification-off', trail)).status, 'fail');

    await h.startServer({ audit: parseAuditConfig({ verifyIntervalSec: 86_400 }) });
    assert.equal((await h.judge('audit-self-verification-off', trail)).status, 'pass');
  });
});
