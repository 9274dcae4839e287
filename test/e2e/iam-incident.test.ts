/**
 * Acceptance, on a real `pciq serve` with two worker processes, driven with the AWS SDK v3 IAM, STS and SQS
 * clients: quarantining a principal (from the CLI, another process) makes its next SDK call fail with
 * AccessDenied, its sessions issued before stop working, its snapshot verifies and holds no secret, and
 * release is refused while rules on it fail. An IAM policy allowing "*" raises a finding through the
 * on-change mode and, with auto-remediation on, its statement is detached and the change audited. A dry
 * run's plan forces MFA enrolment on a person without MFA.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AttachRolePolicyCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UntagUserCommand,
} from '@aws-sdk/client-iam';
import { CreateQueueCommand, ListQueuesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { createUserWithPolicy } from '../support/iam-users.ts';
import { auditSearchAsync, pciqAsync, pciqJsonAsync } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { clientConfig, type TestCredentials } from '../support/sqs-client.ts';
import { authenticator, awayFromStepBoundary } from '../support/totp.ts';
import { waitFor } from '../support/wait-for.ts';

interface FindingJson {
  rule: string;
  status: string;
  resource: string;
}

interface AuditJson {
  records: Array<{ type: string; resource: string; outcome: string; details: Record<string, unknown> }>;
}

describe('IAM incident response and compliance on pciq serve', () => {
  const data = initDataDir();
  const args = ['--data-dir', data.dataDir, '--key-file', data.keyFile];
  const account = data.bootstrap.accountId;
  const clients: Array<{ destroy(): void }> = [];
  let server: PciqServer;
  let endpoint: string;
  let iam: IAMClient;
  let queueUrl: string;

  const client = <T extends { destroy(): void }>(made: T): T => {
    clients.push(made);
    return made;
  };
  const sqsAs = (credentials: TestCredentials) =>
    client(new SQSClient(clientConfig(endpoint, data.bootstrap, credentials)));
  const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

  const userWithKey = (name: string, statements: object[]) => createUserWithPolicy(iam, name, 'work', statements);

  /** Roles anyone in the account may assume, each allowed to assume further roles (chaining) and list queues. */
  async function createChainableRoles(roles: string[]): Promise<void> {
    const trust = policy({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: 'sts:AssumeRole',
    });
    for (const role of roles) {
      await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: trust }));
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: role,
          PolicyName: 'work',
          PolicyDocument: policy({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sqs:ListQueues'], Resource: '*' }),
        }),
      );
    }
  }

  async function assumeRole(credentials: TestCredentials, role: string, sessionName: string): Promise<TestCredentials> {
    const sts = client(new STSClient(clientConfig(endpoint, data.bootstrap, credentials)));
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${role}`, RoleSessionName: sessionName }),
    );
    return {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    };
  }

  async function enrolMfa(userName: string): Promise<void> {
    const { VirtualMFADevice } = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: userName }));
    const code = authenticator(Buffer.from(VirtualMFADevice!.Base32StringSeed!).toString('ascii'));
    await awayFromStepBoundary();
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: userName,
        SerialNumber: VirtualMFADevice!.SerialNumber!,
        AuthenticationCode1: code(0),
        AuthenticationCode2: code(1),
      }),
    );
  }

  before(async () => {
    const config = join(data.dataDir, '..', 'compliance.json');
    writeFileSync(config, JSON.stringify({ autoRemediate: ['iam-policy-allows-all-actions'] }));
    server = new PciqServer({ ...data, extra: ['--workers', '2', '--compliance-config', config] });
    endpoint = await server.endpoint;
    iam = client(new IAMClient(clientConfig(endpoint, data.bootstrap)));
    const admin = sqsAs(data.bootstrap);
    queueUrl = (await admin.send(new CreateQueueCommand({ QueueName: 'ledger' }))).QueueUrl!;
  });
  after(async () => {
    for (const made of clients) made.destroy();
    await server.stop();
    data.remove();
  });

  it('quarantines a principal: its next SDK call is denied, its sessions end, its snapshot verifies', async () => {
    const clerk = await userWithKey('clerk', [
      { Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:ListQueues'], Resource: '*' },
      { Effect: 'Allow', Action: 'sts:GetSessionToken', Resource: '*' },
    ]);
    // A person: a password and no MFA device yet, which a rule reports.
    await iam.send(
      new CreateLoginProfileCommand({
        UserName: 'clerk',
        Password: 'Corr3ct-horse-battery',
        PasswordResetRequired: true,
      }),
    );
    const asClerk = sqsAs(clerk);
    const sts = client(new STSClient(clientConfig(endpoint, data.bootstrap, clerk)));
    const session = (await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!;
    const asSession = sqsAs({
      accessKeyId: session.AccessKeyId!,
      secretAccessKey: session.SecretAccessKey!,
      sessionToken: session.SessionToken!,
    });
    const send = (sqs: SQSClient) => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'entry' }));
    // Both workers serve the clerk before the quarantine (their caches are warm).
    for (let i = 0; i < 4; i++) {
      await send(asClerk);
      await send(asSession);
    }

    const quarantined = await pciqAsync([
      'incident',
      'quarantine',
      'principal',
      'clerk',
      '--reason',
      'access key found in a public repository',
      ...args,
    ]);
    assert.equal(quarantined.status, 0, quarantined.stderr);
    const deniedAt = Date.now();
    assert.match(quarantined.stdout, /CONTAINED {2}principal arn:aws:iam::\d{12}:user\/clerk/);
    assert.match(quarantined.stdout, /every request denied .* 1 session\(s\) issued before now revoked/);
    const id = /^(INC-\S+)/.exec(quarantined.stdout)![1]!;
    const file = /snapshot +(\S+)/.exec(quarantined.stdout)![1]!;
    // The server learns of it on the next request, whichever worker takes it.
    for (let i = 0; i < 4; i++) {
      await assert.rejects(send(asClerk), (error: Error) => {
        assert.equal(error.name, 'AccessDenied');
        assert.match(error.message, /with an explicit deny in an identity-based policy/);
        return true;
      });
      await assert.rejects(send(asSession), { name: 'InvalidClientTokenId' });
    }
    assert.ok(Date.now() - deniedAt < 1_000 + 4 * 500, 'the denials came at once');
    // Another administrator cannot lift the quarantine behind incident response's back.
    await assert.rejects(iam.send(new UntagUserCommand({ UserName: 'clerk', TagKeys: ['pciq:quarantine'] })), {
      name: 'InvalidInputException',
    });

    const verified = await pciqAsync(['incident', 'snapshot', 'verify', file]);
    assert.equal(verified.status, 0, verified.stdout);
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(clerk.secretAccessKey), 'no access key secret in the snapshot');
    assert.ok(!text.includes(session.SecretAccessKey!) && !text.includes(session.SessionToken!), 'no session secret');
    const snapshot = JSON.parse(text) as {
      content: {
        configuration: { accessKeys: Array<{ accessKeyId: string }>; login: unknown };
        policies: { own: { inline: Array<{ policyName: string }> } };
        sessions: Array<{ accessKeyId: string }>;
        audit: { resourceRecords: number[]; export: unknown };
      };
    };
    assert.deepEqual(
      snapshot.content.configuration.accessKeys.map((key) => key.accessKeyId),
      [clerk.accessKeyId],
    );
    assert.deepEqual(
      snapshot.content.policies.own.inline.map((item) => item.policyName),
      ['work'],
    );
    assert.deepEqual(
      snapshot.content.sessions.map((item) => item.accessKeyId),
      [session.AccessKeyId],
    );
    assert.ok(snapshot.content.audit.resourceRecords.length > 0 && snapshot.content.audit.export !== null);

    const search = await auditSearchAsync<AuditJson>('incident:Quarantine', args);
    const record = search.records.find((item) => item.details.incidentId === id)!;
    assert.deepEqual(JSON.parse(String(record.details.before)), { quarantine: null, sessions: [session.AccessKeyId] });
    assert.deepEqual(JSON.parse(String(record.details.after)), { quarantine: id, sessions: [] });

    const refused = await pciqAsync(['incident', 'release', id, ...args]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /stays contained: .*user-without-mfa/);
    await enrolMfa('clerk');
    const released = await pciqAsync(['incident', 'release', id, ...args]);
    assert.equal(released.status, 0, released.stderr);
    await send(asClerk);
    await assert.rejects(send(asSession), { name: 'InvalidClientTokenId' });
  });

  it('quarantining a user ends the role sessions its sessions chained to, and those of a quarantined role', async () => {
    const courier = await userWithKey('courier', [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]);
    await createChainableRoles(['hop-one', 'hop-two', 'hop-three']);
    const assume = (credentials: TestCredentials, role: string) => assumeRole(credentials, role, 'courier');
    // courier → hop-one → hop-two (role chaining): the last session acts as hop-two, not as courier.
    const first = await assume(courier, 'hop-one');
    const chained = await assume(first, 'hop-two');
    await sqsAs(chained).send(new ListQueuesCommand({}));

    const quarantined = await pciqAsync([
      'incident',
      'quarantine',
      'principal',
      'courier',
      '--reason',
      'stolen',
      ...args,
    ]);
    assert.equal(quarantined.status, 0, quarantined.stderr);
    assert.match(quarantined.stdout, / 2 session\(s\) issued before now revoked/);
    await assert.rejects(sqsAs(first).send(new ListQueuesCommand({})), { name: 'InvalidClientTokenId' });
    await assert.rejects(sqsAs(chained).send(new ListQueuesCommand({})), { name: 'InvalidClientTokenId' });

    // A role's quarantine reaches what its sessions chained to as well.
    const fromRole = await assume(data.bootstrap, 'hop-one');
    const fromRoleChained = await assume(fromRole, 'hop-three');
    const roleQuarantine = await pciqAsync([
      'incident',
      'quarantine',
      'principal',
      'role/hop-one',
      '--reason',
      'role credentials leaked',
      ...args,
    ]);
    assert.equal(roleQuarantine.status, 0, roleQuarantine.stderr);
    await assert.rejects(sqsAs(fromRoleChained).send(new ListQueuesCommand({})), { name: 'InvalidClientTokenId' });
  });

  it("indexes in a principal's snapshot what its sessions did, chained ones included", async () => {
    const porter = await userWithKey('porter', [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]);
    await createChainableRoles(['dock-one', 'dock-two']);
    const assume = (credentials: TestCredentials, role: string) => assumeRole(credentials, role, 'shift');
    const first = await assume(porter, 'dock-one');
    await sqsAs(first).send(new ListQueuesCommand({}));
    await sqsAs(await assume(first, 'dock-two')).send(new ListQueuesCommand({}));

    const quarantined = await pciqAsync(['incident', 'quarantine', 'principal', 'porter', '--reason', 'x', ...args]);
    assert.equal(quarantined.status, 0, quarantined.stderr);
    const file = /snapshot +(\S+)/.exec(quarantined.stdout)![1]!;
    const indexed = (JSON.parse(readFileSync(file, 'utf8')) as { content: { audit: { resourceRecords: number[] } } })
      .content.audit.resourceRecords;
    const bySessions: Array<{ seq: number; type: string }> = [];
    for (const role of ['dock-one', 'dock-two']) {
      const { records } = await pciqJsonAsync<{ records: Array<{ seq: number; type: string }> }>([
        'audit',
        'search',
        '--principal',
        `arn:aws:sts::${account}:assumed-role/${role}/shift`,
        '--json',
        ...args,
      ]);
      bySessions.push(...records);
    }
    // The first session listed and assumed the second (its issuance recorded), which listed: the sessions'
    // own records, which name the session, not porter.
    assert.deepEqual(bySessions.map((record) => record.type).sort(), [
      'iam:IssueSession',
      'sqs:ListQueues',
      'sqs:ListQueues',
      'sts:AssumeRole',
    ]);
    for (const record of bySessions) assert.ok(indexed.includes(record.seq), `${record.type} ${record.seq} indexed`);
  });

  it("quarantining a function's role stops the function's pollers until release", async () => {
    const admin = sqsAs(data.bootstrap);
    // A batch refused while the role is quarantined returns to the queue after its visibility timeout.
    const inbox = (
      await admin.send(new CreateQueueCommand({ QueueName: 'settle-in', Attributes: { VisibilityTimeout: '5' } }))
    ).QueueUrl!;
    const dir = join(data.dataDir, '..', 'settler-code');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'index.mjs'),
      'export const handler = async (event) => { for (const r of event.Records) console.log(r.body); return { batchItemFailures: [] }; };\n',
    );
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'settler',
        AssumeRolePolicyDocument: policy({
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
        }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'settler',
        PolicyName: 'consume',
        PolicyDocument: policy({
          Effect: 'Allow',
          Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
          Resource: `arn:aws:sqs:us-east-1:${account}:settle-in`,
        }),
      }),
    );
    for (const command of [
      [
        'deploy',
        'settler',
        '--code',
        dir,
        '--handler',
        'index.handler',
        '--role',
        `arn:aws:iam::${account}:role/settler`,
      ],
      ['map', 'settler', '--queue', 'settle-in', '--batch-size', '1'],
    ]) {
      const result = await pciqAsync(['functions', ...command, ...args]);
      assert.equal(result.status, 0, result.stderr);
    }
    const printed = async () => {
      const logs = await pciqJsonAsync<Array<{ text: string }>>([
        'functions',
        'logs',
        'settler',
        '--since',
        '1h',
        '--json',
        ...args,
      ]);
      return logs.map((entry) => entry.text).join('\n');
    };
    await admin.send(new SendMessageCommand({ QueueUrl: inbox, MessageBody: 'settled-before' }));
    await waitFor('the function to run', async () => ((await printed()).includes('settled-before') ? true : undefined));

    const quarantined = await pciqAsync([
      'incident',
      'quarantine',
      'principal',
      'role/settler',
      '--reason',
      'handler exfiltrates',
      ...args,
    ]);
    assert.equal(quarantined.status, 0, quarantined.stderr);
    const id = /^(INC-\S+)/.exec(quarantined.stdout)![1]!;
    await admin.send(new SendMessageCommand({ QueueUrl: inbox, MessageBody: 'settled-during' }));
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    assert.ok(
      !(await printed()).includes('settled-during'),
      'no message reaches the function while its role is quarantined',
    );
    const denied = await auditSearchAsync<AuditJson>('iam:AccessDenied', args);
    assert.ok(
      denied.records.some(
        (item) =>
          item.details.action === 'sqs:ReceiveMessage' &&
          item.resource === `arn:aws:sqs:us-east-1:${account}:settle-in`,
      ),
    );

    const released = await pciqAsync(['incident', 'release', id, ...args]);
    assert.equal(released.status, 0, released.stderr);
    await waitFor(
      'the function to run again',
      async () => ((await printed()).includes('settled-during') ? true : undefined),
      { timeoutMs: 90_000, intervalMs: 1_000 },
    );
  });

  it('detaches an IAM policy statement allowing "*" within seconds of put-user-policy, and audits it', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'ops' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'ops',
        PolicyName: 'duties',
        PolicyDocument: policy(
          { Sid: 'Read', Effect: 'Allow', Action: 'sqs:ListQueues', Resource: '*' },
          { Sid: 'Everything', Effect: 'Allow', Action: '*', Resource: '*' },
        ),
      }),
    );
    const remaining = await waitFor('the wildcard statement to be detached', async () => {
      const { PolicyDocument } = await iam.send(new GetUserPolicyCommand({ UserName: 'ops', PolicyName: 'duties' }));
      const text = decodeURIComponent(PolicyDocument!);
      return text.includes('Everything') ? undefined : text;
    });
    assert.deepEqual(
      (JSON.parse(remaining) as { Statement: Array<{ Sid: string }> }).Statement.map((item) => item.Sid),
      ['Read'],
    );
    const resource = `arn:aws:iam::${account}:user/ops:inline-policy/duties`;
    const findings = await auditSearchAsync<AuditJson>('compliance:Finding', args);
    assert.ok(
      findings.records.some(
        (item) =>
          item.resource === resource &&
          item.details.rule === 'iam-policy-allows-all-actions' &&
          item.details.status === 'fail',
      ),
    );
    const remediated = await waitFor('the remediation record', async () => {
      const search = await auditSearchAsync<AuditJson>('compliance:Remediate', args);
      return search.records.find((item) => item.resource === resource);
    });
    assert.equal(remediated.details.approvedBy, 'policy:iam-policy-allows-all-actions');
    assert.match(String(remediated.details.before), /Everything/);
    assert.doesNotMatch(String(remediated.details.after), /Everything/);
  });

  it('detaches a managed policy made only of "*" from the role it was attached to', async () => {
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'batch',
        AssumeRolePolicyDocument: policy({
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: 'sts:AssumeRole',
        }),
      }),
    );
    const { Policy } = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'god-mode',
        PolicyDocument: policy({ Effect: 'Allow', Action: '*', Resource: '*' }),
      }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'batch', PolicyArn: Policy!.Arn! }));
    await waitFor('the policy to be detached', async () => {
      const { AttachedPolicies } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'batch' }));
      return AttachedPolicies?.length === 0 ? true : undefined;
    });
    const { remediations } = await pciqJsonAsync<{ remediations: Array<Record<string, unknown>> }>([
      'compliance',
      'remediations',
      '--json',
      ...args,
    ]);
    const row = remediations.find((item) => item.resource === Policy!.Arn)!;
    assert.equal(row.outcome, 'success');
    assert.deepEqual((row.before as { attachedTo: string[] }).attachedTo, ['role/batch']);
    assert.deepEqual((row.after as { attachedTo: string[] }).attachedTo, []);
  });

  it('reports detokenize allowed without MFA within seconds', async () => {
    await userWithKey('teller', [{ Effect: 'Allow', Action: 'pciq:Detokenize', Resource: '*' }]);
    const finding = await waitFor('the detokenize finding', async () => {
      const { findings } = await pciqJsonAsync<{ findings: FindingJson[] }>([
        'compliance',
        'findings',
        '--rule',
        'detokenize-without-mfa',
        '--json',
        ...args,
      ]);
      return findings.find((item) => item.resource === `arn:aws:iam::${account}:user/teller:inline-policy/work`);
    });
    assert.equal(finding.status, 'fail');
  });

  it("forces MFA enrolment from an approved plan: the person's other requests are denied until a device is enabled", async () => {
    const temp = await userWithKey('temp', [
      { Effect: 'Allow', Action: ['sqs:ListQueues', 'sts:GetSessionToken'], Resource: '*' },
    ]);
    await iam.send(
      new CreateLoginProfileCommand({
        UserName: 'temp',
        Password: 'Provisi0nal-secret-42',
        PasswordResetRequired: true,
      }),
    );
    const asTemp = sqsAs(temp);
    await asTemp.send(new ListQueuesCommand({}));
    // A session obtained without MFA, which the plan revokes.
    const sts = client(new STSClient(clientConfig(endpoint, data.bootstrap, temp)));
    const session = (await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!;
    const asSession = sqsAs({
      accessKeyId: session.AccessKeyId!,
      secretAccessKey: session.SecretAccessKey!,
      sessionToken: session.SessionToken!,
    });
    await asSession.send(new ListQueuesCommand({}));
    const planFile = join(data.dataDir, '..', 'iam-plan.json');
    const scan = await pciqAsync(['compliance', 'scan', '--plan', planFile, ...args]);
    assert.equal(scan.status, 0, scan.stderr);
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as {
      changes: Array<{ action: string; resource: string; before: unknown; after: unknown }>;
    };
    const tempArn = `arn:aws:iam::${account}:user/temp`;
    const actions = plan.changes.filter((change) => change.resource === tempArn);
    assert.deepEqual(
      actions.map((change) => change.action),
      ['require-mfa', 'revoke-sessions'],
    );
    assert.deepEqual(actions[1]!.before, { sessions: [session.AccessKeyId] });
    // Nothing changes before the plan is applied.
    await asTemp.send(new ListQueuesCommand({}));
    const applied = await pciqAsync(['compliance', 'apply', planFile, '--approver', 'security@example.com', ...args]);
    assert.equal(applied.status, 0, applied.stderr);
    await assert.rejects(asTemp.send(new ListQueuesCommand({})), (error: Error) => {
      assert.equal(error.name, 'AccessDenied');
      assert.match(error.message, /sqs:ListQueues .* with an explicit deny/);
      return true;
    });
    await assert.rejects(asSession.send(new ListQueuesCommand({})), { name: 'InvalidClientTokenId' });
    await enrolMfa('temp');
    await asTemp.send(new ListQueuesCommand({}));
    const { remediations } = await pciqJsonAsync<{ remediations: Array<Record<string, unknown>> }>([
      'compliance',
      'remediations',
      '--json',
      ...args,
    ]);
    const forced = remediations.find((row) => row.resource === tempArn && row.action === 'require-mfa')!;
    assert.equal(forced.outcome, 'success');
    assert.deepEqual(forced.before, { mfaRequired: null });
  });

  it('reports a role anyone may assume', async () => {
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'open-door',
        AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }),
      }),
    );
    const finding = await waitFor('the trust policy finding', async () => {
      const { findings } = await pciqJsonAsync<{ findings: FindingJson[] }>([
        'compliance',
        'findings',
        '--rule',
        'iam-trust-policy-open-to-all',
        '--json',
        ...args,
      ]);
      return findings.find((item) => item.resource === `arn:aws:iam::${account}:role/open-door:trust-policy`);
    });
    assert.equal(finding.status, 'fail');
  });
});
