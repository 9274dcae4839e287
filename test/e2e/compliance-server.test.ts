/**
 * Acceptance: continuous compliance on a real `pciq serve`, driven with the AWS SDK v3. A queue policy
 * that opens the queue to everyone is detached by on-change auto-remediation within seconds, with the
 * change audited before and after; a policy allowing every action raises a finding within seconds; a dry
 * run's plan is applied exactly, once, and refused when edited or stale; the report renders every format.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { auditSearchAsync, pciqAsync, pciqJsonAsync } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { signedRequest } from '../support/signed-request.ts';
import { sqsClient } from '../support/sqs-client.ts';

interface FindingJson {
  rule: string;
  status: string;
  resource: string;
  muted: unknown;
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('continuous compliance on pciq serve', () => {
  const data = initDataDir();
  const args = ['--data-dir', data.dataDir, '--key-file', data.keyFile];
  let server: PciqServer;
  let sqs: SQSClient;
  let accountId: string;
  const policyOf = (name: string, statement: Record<string, unknown>) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Owner',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${accountId}:user/admin` },
          Action: 'sqs:SendMessage',
          Resource: `arn:aws:sqs:us-east-1:${accountId}:${name}`,
        },
        { Resource: `arn:aws:sqs:us-east-1:${accountId}:${name}`, ...statement },
      ],
    });

  before(async () => {
    accountId = data.bootstrap.accountId;
    const config = join(data.dataDir, '..', 'compliance.json');
    writeFileSync(config, JSON.stringify({ autoRemediate: ['queue-policy-open-to-all'] }));
    server = new PciqServer({ ...data, extra: ['--workers', '1', '--compliance-config', config] });
    sqs = sqsClient(await server.endpoint, data.bootstrap);
  });
  after(async () => {
    await server.stop();
    data.remove();
  });

  async function queueUrl(name: string): Promise<string> {
    return (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  }

  it('detaches a statement opening a queue to everyone within seconds, and audits before and after', async () => {
    const url = await queueUrl('orders');
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: {
          Policy: policyOf('orders', { Sid: 'Everyone', Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage' }),
        },
      }),
    );
    const policy = await eventually('the wildcard statement to be detached', async () => {
      const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy'] }));
      const text = attributes.Attributes?.Policy;
      return text && !text.includes('Everyone') ? text : undefined;
    });
    assert.deepEqual(
      (JSON.parse(policy) as { Statement: Array<{ Sid: string }> }).Statement.map((statement) => statement.Sid),
      ['Owner'],
    );
    // The change is recorded once it is made: the log may trail the attribute by a moment.
    const done = await eventually('the remediation record', async () => {
      const { remediations } = await pciqJsonAsync<{ remediations: Array<Record<string, unknown>> }>([
        'compliance',
        'remediations',
        '--json',
        ...args,
      ]);
      return remediations.find((row) => row.rule === 'queue-policy-open-to-all');
    });
    assert.equal(done.outcome, 'success');
    assert.equal(done.planId, null);
    assert.match(JSON.stringify(done.before), /Everyone/);
    assert.doesNotMatch(JSON.stringify(done.after), /Everyone/);
    const search = await auditSearchAsync<{
      records: Array<{
        type: string;
        resource: string;
        details: Record<string, unknown>;
        actor: { principal: string };
      }>;
    }>('compliance:Remediate', args);
    const record = search.records.find((item) => item.resource.endsWith(':orders'))!;
    assert.equal(record.details.policy, 'queue-policy-open-to-all');
    assert.equal(record.details.approvedBy, 'policy:queue-policy-open-to-all');
    assert.match(String(record.details.beforeDigest), /^[0-9a-f]{64}$/);
    assert.notEqual(record.details.beforeDigest, record.details.afterDigest);
    assert.equal(record.actor.principal, 'pciq');
  });

  it('raises a finding within seconds when a policy allows every action', async () => {
    const url = await queueUrl('refunds');
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: {
          Policy: policyOf('refunds', {
            Sid: 'Ops',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${accountId}:user/ops` },
            Action: '*',
          }),
        },
      }),
    );
    const finding = await eventually('the finding', async () => {
      const { findings } = await pciqJsonAsync<{ findings: FindingJson[] }>([
        'compliance',
        'findings',
        '--rule',
        'queue-policy-allows-all-actions',
        '--json',
        ...args,
      ]);
      return findings.find((item) => item.resource.endsWith(':refunds') && item.status === 'fail');
    });
    assert.equal(finding.muted, null);
    // The same finding through the admin API, with a SigV4-signed request as any AWS signer makes it.
    const response = await signedRequest({
      endpoint: await server.endpoint,
      caFile: data.bootstrap.caFile,
      region: data.bootstrap.region,
      credentials: data.bootstrap,
      service: 'compliance',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'PciqCompliance.ListFindings' },
      body: JSON.stringify({ Status: 'fail', Rule: 'queue-policy-allows-all-actions' }),
    });
    assert.equal(response.status, 200, response.body);
    const listed = (JSON.parse(response.body) as { Findings: FindingJson[] }).Findings;
    assert.ok(listed.some((item) => item.resource.endsWith(':refunds')));
    const refused = await signedRequest({
      endpoint: await server.endpoint,
      caFile: data.bootstrap.caFile,
      region: data.bootstrap.region,
      credentials: data.bootstrap,
      service: 'compliance',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'PciqCompliance.ListFindings' },
      body: JSON.stringify({ Status: 'broken' }),
    });
    assert.equal(refused.status, 400);
    assert.match(refused.body, /InvalidParameterValue.*Status must be fail, pass or muted/);
    // Not remediated: only queue-policy-open-to-all is automatic in this configuration.
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy'] }));
    assert.match(attributes.Attributes!.Policy!, /"Ops"/);
    const search = await auditSearchAsync<{ records: Array<{ details: Record<string, unknown>; resource: string }> }>(
      'compliance:Finding',
      args,
    );
    assert.ok(
      search.records.some(
        (item) => item.resource.endsWith(':refunds') && item.details.rule === 'queue-policy-allows-all-actions',
      ),
    );
  });

  it('judges NotPrincipal as open to everyone and NotAction or *:* as every action, and detaches them', async () => {
    const disputes = await queueUrl('disputes');
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: disputes,
        Attributes: {
          // Everyone but the auditor may receive: as open as Principal *.
          Policy: policyOf('disputes', {
            Sid: 'AllButAuditor',
            Effect: 'Allow',
            NotPrincipal: { AWS: `arn:aws:iam::${accountId}:user/auditor` },
            Action: 'sqs:ReceiveMessage',
          }),
        },
      }),
    );
    const policy = await eventually('the NotPrincipal statement to be detached', async () => {
      const attributes = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: disputes, AttributeNames: ['Policy'] }),
      );
      const text = attributes.Attributes?.Policy;
      return text && !text.includes('AllButAuditor') ? text : undefined;
    });
    assert.deepEqual(
      (JSON.parse(policy) as { Statement: Array<{ Sid: string }> }).Statement.map((statement) => statement.Sid),
      ['Owner'],
    );

    const ops = { AWS: `arn:aws:iam::${accountId}:user/ops` };
    for (const [name, statement] of [
      ['chargebacks', { Sid: 'AllButDelete', Effect: 'Allow', Principal: ops, NotAction: 'sqs:DeleteQueue' }],
      ['rebates', { Sid: 'EveryService', Effect: 'Allow', Principal: ops, Action: '*:*' }],
    ] as const) {
      const url = await queueUrl(name);
      await sqs.send(
        new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: policyOf(name, statement) } }),
      );
      await eventually(`the finding on ${name}`, async () => {
        const { findings } = await pciqJsonAsync<{ findings: FindingJson[] }>([
          'compliance',
          'findings',
          '--rule',
          'queue-policy-allows-all-actions',
          '--json',
          ...args,
        ]);
        return findings.find((item) => item.resource.endsWith(`:${name}`) && item.status === 'fail');
      });
    }
  });

  it('finds a queue whose guard masks card numbers instead of tokenizing them', async () => {
    // Set as a tag, as tooling that manages tags does; the attribute PciqDataPolicy would do the same.
    await sqs.send(new CreateQueueCommand({ QueueName: 'masked', tags: { 'pciq:data-policy': 'mask' } }));
    const finding = await eventually('the data policy finding', async () => {
      const { findings } = await pciqJsonAsync<{ findings: FindingJson[] }>([
        'compliance',
        'findings',
        '--rule',
        'queue-data-policy-not-tokenize-or-reject',
        '--json',
        ...args,
      ]);
      return findings.find((item) => item.resource.endsWith(':masked') && item.status === 'fail');
    });
    assert.equal(finding.muted, null);
    const { findings } = await pciqJsonAsync<{ findings: FindingJson[] }>([
      'compliance',
      'findings',
      '--rule',
      'queue-data-policy-not-tokenize-or-reject',
      '--status',
      'all',
      '--json',
      ...args,
    ]);
    // Queues with the default policy (tokenize) pass.
    assert.equal(findings.find((item) => item.resource.endsWith(':orders'))?.status, 'pass');
  });

  it('applies a dry run plan exactly once, and refuses it edited or stale', async () => {
    const dir = join(data.dataDir, '..');
    const planFile = join(dir, 'plan.json');
    const scan = await pciqAsync(['compliance', 'scan', '--plan', planFile, ...args]);
    assert.equal(scan.status, 0, scan.stderr);
    assert.match(scan.stdout, /plan .*plan\.json \(.*\): \d+ changes; review them, then run pciq compliance apply/);
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as {
      changes: Array<{ action: string; resource: string; after: Record<string, unknown> }>;
    };
    const detach = plan.changes.find(
      (change) => change.action === 'remove-wildcard-statements' && change.resource.endsWith(':refunds'),
    );
    assert.ok(detach, 'the plan detaches the wildcard statement of refunds');
    // Nothing changed by the dry run.
    const url = await queueUrl('refunds');
    const unchanged = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy', 'RedrivePolicy'] }),
    );
    assert.match(unchanged.Attributes!.Policy!, /"Ops"/);
    assert.equal(unchanged.Attributes?.RedrivePolicy, undefined);

    const edited = join(dir, 'plan-edited.json');
    writeFileSync(
      edited,
      JSON.stringify({ ...plan, changes: plan.changes.map((change) => ({ ...change, after: { Policy: null } })) }),
    );
    const refused = await pciqAsync(['compliance', 'apply', edited, ...args]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /the plan was changed after it was made/);

    const applied = await pciqAsync(['compliance', 'apply', planFile, '--approver', 'alice@example.com', ...args]);
    assert.equal(applied.status, 0, applied.stderr);
    assert.match(
      applied.stdout,
      new RegExp(`${plan.changes.length} of ${plan.changes.length} changes made, approved by alice@example.com`),
    );
    const fixed = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy', 'RedrivePolicy', 'KmsMasterKeyId'] }),
    );
    assert.doesNotMatch(fixed.Attributes!.Policy ?? '', /"Ops"/);
    assert.match(fixed.Attributes!.RedrivePolicy!, /refunds-dlq/);
    assert.equal(fixed.Attributes!.KmsMasterKeyId, 'alias/pciq/queues');
    const masked = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: await queueUrl('masked'), AttributeNames: ['All'] }),
    );
    assert.equal((masked.Attributes as Record<string, string>)['PciqDataPolicy'], 'tokenize');

    const again = await pciqAsync(['compliance', 'apply', planFile, ...args]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /was applied already/);

    const staleFile = join(dir, 'plan-stale.json');
    await queueUrl('payouts');
    assert.equal((await pciqAsync(['compliance', 'scan', '--plan', staleFile, ...args])).status, 0);
    const payouts = await queueUrl('payouts');
    const stalePlan = JSON.parse(readFileSync(staleFile, 'utf8')) as { changes: Array<{ resource: string }> };
    assert.ok(stalePlan.changes.some((change) => change.resource.endsWith(':payouts')));
    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: payouts, Attributes: { KmsMasterKeyId: 'alias/pciq/queues' } }),
    );
    const stale = await pciqAsync(['compliance', 'apply', staleFile, ...args]);
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, /the plan is stale: .*payouts.*nothing was applied/);
    const untouched = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: payouts, AttributeNames: ['RedrivePolicy'] }),
    );
    assert.equal(untouched.Attributes?.RedrivePolicy, undefined);

    const { remediations } = await pciqJsonAsync<{ remediations: Array<{ planId: string | null; actor: string }> }>([
      'compliance',
      'remediations',
      '--json',
      ...args,
    ]);
    assert.ok(remediations.some((row) => row.planId !== null));
  });

  it('refuses policies whose actions do not exist, act on other resources or have bad parameters, naming them', async () => {
    const file = join(data.dataDir, '..', 'actions.json');
    const policyWith = (resource: string, action: Record<string, unknown>) =>
      JSON.stringify({
        policies: [{ name: 'custom-dlq', resource, filters: [], actions: [action], autoRemediate: true }],
      });
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      [
        'queue',
        { type: 'set-dead-letter-que' },
        /policy custom-dlq: action set-dead-letter-que does not exist; the actions are .*set-dead-letter-queue/,
      ],
      ['kms-key', { type: 'set-dead-letter-queue' }, /action set-dead-letter-queue acts on queue, not on kms-key/],
      [
        'queue',
        { type: 'set-dead-letter-queue', maxReceiveCount: 0 },
        /action set-dead-letter-queue: parameter maxReceiveCount must be a whole number from 1 to 1000/,
      ],
    ];
    for (const [resource, action, message] of cases) {
      writeFileSync(file, policyWith(resource, action));
      const scan = await pciqAsync(['compliance', 'scan', '--policies', file, ...args]);
      assert.equal(scan.status, 1, scan.stdout);
      assert.match(scan.stderr, message);
    }
    writeFileSync(file, policyWith('queue', { type: 'quarantine', reason: 'exposed' }));
    assert.equal((await pciqAsync(['compliance', 'policies', '--policies', file, ...args])).status, 0);
  });

  it('reverts a remediation by writing the state before it back', async () => {
    const { remediations } = await pciqJsonAsync<{
      remediations: Array<{ id: number; action: string; resource: string }>;
    }>(['compliance', 'remediations', '--json', ...args]);
    const detach = remediations.find(
      (row) => row.action === 'remove-wildcard-statements' && row.resource.endsWith(':refunds'),
    )!;
    const reverted = await pciqAsync(['compliance', 'revert', String(detach.id), ...args]);
    assert.equal(reverted.status, 0, reverted.stderr);
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: await queueUrl('refunds'), AttributeNames: ['Policy'] }),
    );
    assert.match(attributes.Attributes!.Policy!, /"Ops"/);
  });

  it('writes the report as JSON with twelve requirement sections, Prowler CSV and OCSF', async () => {
    const report = await pciqJsonAsync<{
      format: string;
      requirements: Array<{ id: string; status: string }>;
      inventory: { queues: unknown[]; keys: unknown[] };
      audit: { isVerified: boolean };
      history: unknown[];
    }>(['report', 'pci', '--format', 'json', ...args]);
    assert.equal(report.format, 'pciq-pci-report/1');
    assert.deepEqual(
      report.requirements.map((requirement) => requirement.id),
      ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'],
    );
    assert.equal(report.requirements.find((requirement) => requirement.id === '7')!.status, 'fail');
    assert.ok(report.inventory.queues.length >= 4);
    assert.ok(report.inventory.keys.length >= 2);
    assert.equal(report.audit.isVerified, true);
    assert.ok(report.history.length >= 2);
    const csv = await pciqAsync(['report', 'pci', '--format', 'csv', ...args]);
    const [header, ...rows] = csv.stdout.trim().split('\n');
    assert.equal(
      header,
      'PROVIDER;ACCOUNTID;REGION;ASSESSMENTDATE;REQUIREMENTS_ID;REQUIREMENTS_DESCRIPTION;STATUS;STATUSEXTENDED;RESOURCEID;RESOURCENAME;CHECKID;SEVERITY;MUTED;REMEDIATION',
    );
    assert.ok(rows.some((row) => /;7\.2\.1;.*;FAIL;.*queue-policy-allows-all-actions;high;False;/.test(row)));
    assert.ok(rows.some((row) => /;5;.*;MANUAL;/.test(row)));
    const ocsf = await pciqJsonAsync<Array<Record<string, unknown>>>(['report', 'pci', '--format', 'ocsf', ...args]);
    const event = ocsf.find(
      (item) =>
        (item.finding_info as { title: string }).title === 'queue-policy-allows-all-actions' && item.status === 'New',
    )!;
    assert.equal(event.class_uid, 2004);
    assert.equal(event.type_uid, 200401);
    assert.equal(event.severity_id, 4);
    assert.deepEqual((event.compliance as { requirements: string[] }).requirements, ['7.2.1', '7.2.2']);
  });
});
