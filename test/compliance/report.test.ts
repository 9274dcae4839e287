import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildReport, reportCsv, reportHtml } from '../../src/compliance/index.ts';
import { account, ComplianceHarness } from '../support/compliance-harness.ts';

describe('the PCI DSS report on muted failures', () => {
  let h: ComplianceHarness;
  before(async () => {
    h = await new ComplianceHarness().open();
  });
  after(() => h.close());

  /** The report over one rule's findings, as `pciq report pci` builds it. */
  async function reportOn(rule: string) {
    const scan = await h.scanner.scan(h.context(), { trigger: 'on-demand', policies: new Set([rule]) });
    return buildReport(h.store, scan, { accountId: account, region: h.region, nowMs: h.clock.now() });
  }

  it('reads MUTED, not PASS, for a requirement whose only failures are muted, naming who muted them, why and until when', async () => {
    await h.createQueue('masked', { PciqDataPolicy: 'mask' });
    const rule = 'queue-data-policy-not-tokenize-or-reject';
    const unmuted = (await reportOn(rule)).requirements.find((requirement) => requirement.id === '3')!;
    assert.equal(unmuted.status, 'fail');

    const expiresAtMs = h.clock.now() + 30 * 86_400_000;
    await h.store.write((tx) =>
      tx.compliance.putMute({
        rule,
        resource: h.queueArn('masked'),
        reason: 'masked copies feed the fraud model, reviewed quarterly',
        owner: 'risk-team',
        expiresAtMs,
        createdAtMs: h.clock.now(),
        createdBy: 'alice',
      }),
    );
    const report = await reportOn(rule);
    const requirement = report.requirements.find((item) => item.id === '3')!;
    assert.equal(requirement.status, 'muted');
    assert.deepEqual(requirement.counts, { pass: 0, fail: 0, muted: 1 });
    assert.deepEqual(
      requirement.mutes.map(({ rule, resource, createdBy, owner, reason, expiresAt }) => ({
        rule,
        resource,
        createdBy,
        owner,
        reason,
        expiresAt,
      })),
      [
        {
          rule,
          resource: h.queueArn('masked'),
          createdBy: 'alice',
          owner: 'risk-team',
          reason: 'masked copies feed the fraud model, reviewed quarterly',
          expiresAt: new Date(expiresAtMs).toISOString(),
        },
      ],
    );

    const html = reportHtml(report);
    const section = html.slice(html.indexOf('id="requirement-3"'), html.indexOf('id="requirement-4"'));
    assert.match(section, /<span class="status-muted">MUTED<\/span>/);
    assert.doesNotMatch(section, /status-pass/);
    assert.match(
      section,
      /Muted by alice \(owner risk-team\) until \d{4}-\d\d-\d\d: masked copies feed the fraud model/,
    );

    const row = reportCsv(report)
      .split('\n')
      .find((line) => line.includes(rule));
    assert.match(row ?? '', /;FAIL;.*Muted by alice \(owner risk-team\) until .*;True;/);
  });
});
