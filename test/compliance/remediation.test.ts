import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type ActionContext,
  defaultActions,
  proposeChanges,
  Remediator,
  stateDigest,
} from '../../src/compliance/index.ts';
import { account, ComplianceHarness } from '../support/compliance-harness.ts';

/** What remediation actions run with, on a harness's services. */
function actionContextOf(h: ComplianceHarness): ActionContext {
  return {
    store: h.store,
    trail: h.trail,
    clock: h.clock,
    accountId: account,
    region: h.region,
    queues: h.queues,
    keys: h.keyAdmin,
  };
}

describe('remediation under concurrent changes', () => {
  let h: ComplianceHarness;
  let context: ActionContext;
  before(async () => {
    h = await new ComplianceHarness().open();
    context = actionContextOf(h);
  });
  after(() => h.close());

  const queuePolicy = (...statements: object[]) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: statements.map((statement) => ({ Resource: h.queueArn('orders'), ...statement })),
    });
  const owner = { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sqs:*' };

  it('writes nothing over a state changed since the change was proposed, and records the refusal', async () => {
    const everyone = { Sid: 'Everyone', Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage' };
    const queue = await h.createQueue('orders', {
      Policy: queuePolicy({ ...owner, Action: 'sqs:SendMessage' }, everyone),
    });
    const actions = defaultActions();
    const scan = await h.scanner.scan(h.context(), {
      trigger: 'on-demand',
      policies: new Set(['queue-policy-open-to-all']),
    });
    const [change] = await proposeChanges(scan.findings, scan.resources, h.scanner, actions, context);
    assert.equal(change?.action, 'remove-wildcard-statements');

    // The owner narrows the policy while the change waits: an auditor may now receive, nobody else may send.
    const auditor = {
      Sid: 'Auditor',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${account}:user/auditor` },
      Action: 'sqs:ReceiveMessage',
    };
    const narrowed = queuePolicy({ ...owner, Action: 'sqs:SendMessage' }, auditor);
    await h.queues.setQueueAttributes(queue, { Policy: narrowed });

    const outcome = await new Remediator(actions, context).execute(change!, {
      planId: null,
      approvedBy: 'policy:queue-policy-open-to-all',
    });
    assert.equal(outcome.outcome, 'failure');
    assert.match(outcome.error!, /changed since this change was proposed; nothing was written/);
    assert.equal((await h.queues.getQueueAttributes(queue, ['Policy']))['Policy'], narrowed);
    const [logged] = await h.store.read((tx) => tx.compliance.remediations(1));
    assert.equal(logged?.outcome, 'failure');
    assert.equal(JSON.parse(logged!.after).Policy, narrowed, 'the log keeps the state actually found');
  });
});

describe('remediation records', () => {
  let h: ComplianceHarness;
  before(async () => {
    h = await new ComplianceHarness().open();
  });
  after(() => h.close());

  it('keeps the digests of both states whole, even those holding a run of 13 digits', async () => {
    const arn = h.queueArn('refunds');
    // A Sid that makes the SHA-256 of the state before hold 13 digits in a row (about one digest in ten does).
    const policyWith = (sid: string) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Sid: sid, Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: arn }],
      });
    let sid = '';
    for (let n = 0; !/\d{13}/.test(stateDigest({ Policy: policyWith(sid) })); n++) sid = `Everyone${n}`;
    await h.createQueue('refunds', { Policy: policyWith(sid) });
    const context = actionContextOf(h);
    const actions = defaultActions();
    const scan = await h.scanner.scan(h.context(), {
      trigger: 'on-demand',
      policies: new Set(['queue-policy-open-to-all']),
    });
    const [change] = await proposeChanges(scan.findings, scan.resources, h.scanner, actions, context);
    const outcome = await new Remediator(actions, context).execute(change!, { planId: 'p', approvedBy: 'alice' });
    assert.equal(outcome.outcome, 'success');

    const [row] = await h.store.read((tx) => tx.audit.search({ eventType: 'compliance:Remediate', limit: 1 }));
    const { details } = JSON.parse(row!.body) as { details: Record<string, string> };
    assert.equal(details.beforeDigest, stateDigest(change!.before));
    assert.match(details.beforeDigest!, /\d{13}/);
    assert.equal(details.afterDigest, stateDigest({ Policy: null }));
  });
});

describe('queue remediation', () => {
  let h: ComplianceHarness;
  before(async () => {
    h = await new ComplianceHarness().open();
  });
  after(() => h.close());

  /** Carries out the plan of one policy on the harness's queues, as `pciq compliance apply` would. */
  async function remediate(policy: string) {
    const context = actionContextOf(h);
    const actions = defaultActions();
    const scan = await h.scanner.scan(h.context(), { trigger: 'on-demand', policies: new Set([policy]) });
    const changes = await proposeChanges(scan.findings, scan.resources, h.scanner, actions, context);
    const remediator = new Remediator(actions, context);
    for (const change of changes) {
      const outcome = await remediator.execute(change, { planId: 'p', approvedBy: 'alice' });
      assert.equal(outcome.outcome, 'success', outcome.error);
    }
    return changes;
  }

  /** Every finding on the queue that fails, by rule. */
  async function failingRules(name: string): Promise<string[]> {
    const scan = await h.scanner.scan(h.context(), { trigger: 'on-demand', resourceIds: new Set([h.queueArn(name)]) });
    return scan.findings.filter((finding) => finding.status === 'fail').map((finding) => finding.rule);
  }

  it('gives a queue a dead-letter queue that passes the retention rule, with the documented need of its source', async () => {
    await h.createQueue('payments');
    await h.createQueue('settlements', { MessageRetentionPeriod: '604800' });
    await h.queues.tagQueue({ accountId: account, name: 'settlements' }, { 'pciq:retention-need': '7d' });
    const changes = await remediate('queue-without-dead-letter-queue');
    assert.deepEqual(changes.map((change) => change.resource).sort(), [
      h.queueArn('payments'),
      h.queueArn('settlements'),
    ]);

    // The dead-letter queues fail no rule their sources pass (both are under alias/aws/sqs, a finding of its own).
    for (const name of ['payments', 'settlements']) {
      const source = await failingRules(name);
      const dlq = await failingRules(`${name}-dlq`);
      assert.deepEqual(
        dlq.filter((rule) => !source.includes(rule)),
        [],
        `${name}-dlq fails ${dlq.join(', ')}`,
      );
      assert.ok(!dlq.includes('queue-retention-exceeds-need'));
    }
    const retentionOf = async (name: string) =>
      (await h.queues.getQueueAttributes({ accountId: account, name }, ['MessageRetentionPeriod']))[
        'MessageRetentionPeriod'
      ];
    assert.equal(await retentionOf('payments-dlq'), '345600', 'no longer than the default need of 4 days');
    assert.equal(await retentionOf('settlements-dlq'), '604800');
    assert.deepEqual(await h.queues.listQueueTags({ accountId: account, name: 'settlements-dlq' }), {
      'pciq:retention-need': '7d',
    });
  });

  it('uses a dead-letter queue of that name its owner created, instead of failing', async () => {
    await h.createQueue('invoices-dlq', { MessageRetentionPeriod: '86400' });
    await h.createQueue('invoices');
    await remediate('queue-without-dead-letter-queue');
    const { RedrivePolicy } = await h.queues.getQueueAttributes({ accountId: account, name: 'invoices' }, [
      'RedrivePolicy',
    ]);
    assert.equal(JSON.parse(RedrivePolicy!).deadLetterTargetArn, h.queueArn('invoices-dlq'));
    const { MessageRetentionPeriod } = await h.queues.getQueueAttributes({ accountId: account, name: 'invoices-dlq' }, [
      'MessageRetentionPeriod',
    ]);
    assert.equal(MessageRetentionPeriod, '86400', "the owner's settings stay");
  });

  it('does not shorten the retention of a queue whose documented need does not read', async () => {
    await h.createQueue('ledger', { MessageRetentionPeriod: '604800' });
    await h.queues.tagQueue({ accountId: account, name: 'ledger' }, { 'pciq:retention-need': '7 days' });
    const scan = await h.scanner.scan(h.context(), {
      trigger: 'on-demand',
      policies: new Set(['queue-retention-exceeds-need']),
      resourceIds: new Set([h.queueArn('ledger')]),
    });
    assert.equal(scan.findings[0]?.status, 'fail', 'the finding asks for the tag to be fixed');
    const changes = await proposeChanges(
      scan.findings,
      scan.resources,
      h.scanner,
      defaultActions(),
      actionContextOf(h),
    );
    assert.deepEqual(changes, [], 'no guess at 4 days deletes what the owner meant to keep for 7');
  });
});
