/**
 * Acceptance: incident response on a real `pciq serve` with the AWS SDK v3. Quarantine takes a signed
 * snapshot first (which verifies on its own and never holds card data in clear), then contains: a queue
 * refuses receives, a key stops sealing. Release is refused while rules fail, unless the risk is accepted.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { pciqAsync, pciqJsonAsync } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { sqsClient } from '../support/sqs-client.ts';

const pan = '4111111111111111';

async function errorOf(work: Promise<unknown>): Promise<{ name: string; message: string } | undefined> {
  try {
    await work;
    return undefined;
  } catch (error) {
    return error as { name: string; message: string };
  }
}

describe('incident response on pciq serve', () => {
  const data = initDataDir();
  const args = ['--data-dir', data.dataDir, '--key-file', data.keyFile];
  let server: PciqServer;
  let sqs: SQSClient;
  let url: string;
  let incidentId: string;
  let snapshotFile: string;

  before(async () => {
    server = new PciqServer({ ...data, extra: ['--workers', '1'] });
    sqs = sqsClient(await server.endpoint, data.bootstrap);
    url = (await sqs.send(new CreateQueueCommand({ QueueName: 'payments' }))).QueueUrl!;
    const arn = `arn:aws:sqs:us-east-1:${data.bootstrap.accountId}:payments`;
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: {
          Policy: JSON.stringify({
            Statement: [{ Sid: 'Anyone', Effect: 'Allow', Principal: '*', Action: 'sqs:*', Resource: arn }],
          }),
        },
      }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `{"pan":"${pan}","amount":42}` }));
  });
  after(async () => {
    await server.stop();
    data.remove();
  });

  it('quarantines a queue: snapshot first, then receives, purge and delete are refused', async () => {
    const result = await pciqAsync([
      'incident',
      'quarantine',
      'queue',
      'payments',
      '--reason',
      'consumer credentials leaked',
      ...args,
    ]);
    assert.equal(result.status, 0, result.stderr);
    incidentId = /^(INC-\d{8}-[a-z]{6}) {2}CONTAINED {2}queue /.exec(result.stdout)![1]!;
    snapshotFile = /snapshot +(\S+)/.exec(result.stdout)![1]!;
    const timeline = result.stdout.slice(result.stdout.indexOf('timeline'));
    assert.ok(timeline.indexOf('snapshot') < timeline.indexOf('contained'), 'the snapshot comes before containment');
    // The server's cache of queue rows lives one second: past it, the quarantine holds.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const refused = await errorOf(sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0 })));
    assert.equal(refused?.name, 'AccessDenied');
    assert.match(refused!.message, new RegExp(`quarantined by incident ${incidentId}`));
    assert.equal((await errorOf(sqs.send(new PurgeQueueCommand({ QueueUrl: url }))))?.name, 'AccessDenied');
    // Nor does a shorter retention expire what it holds, or the orders sent to it meanwhile.
    const shortened = await errorOf(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { MessageRetentionPeriod: '60' } })),
    );
    assert.equal(shortened?.name, 'AccessDenied');
    assert.match(shortened!.message, /lowering MessageRetentionPeriod is refused/);
    // Producers are not turned away: no order is lost while the queue is investigated.
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'order 2' }));
  });

  it('writes a snapshot that verifies on its own and holds no card data in clear', async () => {
    const keyId = (await pciqAsync(['incident', 'public-key', ...args])).stdout.trim();
    const verified = await pciqAsync(['incident', 'snapshot', 'verify', snapshotFile, '--key-id', keyId]);
    assert.equal(verified.status, 0, verified.stdout);
    assert.match(verified.stdout, /^pciq incident snapshot verify: PASS/);
    const text = readFileSync(snapshotFile, 'utf8');
    for (const form of [pan, '4111 1111 1111 1111', Buffer.from(pan).toString('base64')])
      assert.ok(!text.includes(form));
    const snapshot = JSON.parse(text) as {
      content: {
        messages: Array<{ sealedPayload: string }>;
        audit: { export: { pieces: unknown[] }; resourceRecords: number[] };
        policies: { queuePolicy: string };
      };
    };
    assert.equal(snapshot.content.messages.length, 1);
    assert.ok(snapshot.content.audit.export.pieces.length > 0);
    assert.ok(snapshot.content.audit.resourceRecords.length >= 3);
    assert.match(snapshot.content.policies.queuePolicy, /Anyone/);

    const tampered = join(data.dataDir, '..', 'tampered.json');
    copyFileSync(snapshotFile, tampered);
    writeFileSync(tampered, text.replace('"receiveCount":0', '"receiveCount":1'));
    const failed = await pciqAsync(['incident', 'snapshot', 'verify', tampered]);
    assert.equal(failed.status, 3);
    assert.match(failed.stdout, /FAIL {2}content altered/);
    const otherKey = await pciqAsync(['incident', 'snapshot', 'verify', snapshotFile, '--key-id', '0'.repeat(64)]);
    assert.equal(otherKey.status, 3);
  });

  it('refuses release while rules on the queue fail, and releases once they pass', async () => {
    const refused = await pciqAsync(['incident', 'release', incidentId, ...args]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /stays contained: .*queue-policy-open-to-all/);
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: '' } }));
    // The queue's other findings (no customer key, no dead-letter queue) are accepted by their owner.
    for (const rule of ['queue-without-customer-key', 'queue-without-dead-letter-queue']) {
      const muted = await pciqAsync([
        'compliance',
        'mute',
        '--rule',
        rule,
        '--resource',
        `arn:aws:sqs:us-east-1:${data.bootstrap.accountId}:payments`,
        '--reason',
        'migration to the customer key next sprint',
        '--owner',
        'payments-team',
        '--expires',
        '14d',
        ...args,
      ]);
      assert.equal(muted.status, 0, muted.stderr);
    }
    const released = await pciqAsync(['incident', 'release', incidentId, ...args]);
    assert.equal(released.status, 0, released.stderr);
    assert.match(released.stdout, /RELEASED/);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const bodies: string[] = [];
    for (let attempt = 0; attempt < 5 && bodies.length < 2; attempt++) {
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      bodies.push(...(received.Messages ?? []).map((message) => message.Body!));
    }
    // Both messages come back; the card number was tokenized by the guard when it was sent.
    assert.equal(bodies.length, 2);
    assert.ok(bodies.includes('order 2'));
    assert.ok(
      bodies.some((body) => /^\{"pan":"tok_[a-z0-9]+","amount":42\}$/.test(body)),
      bodies.join(' | '),
    );
    assert.ok(bodies.every((body) => !body.includes(pan)));
  });

  it('quarantines a key, and releases it only with the risk accepted while a rule fails', async () => {
    assert.equal((await pciqAsync(['keys', 'create', '--alias', 'alias/cards', ...args])).status, 0);
    const cards = (
      await sqs.send(new CreateQueueCommand({ QueueName: 'cards', Attributes: { KmsMasterKeyId: 'alias/cards' } }))
    ).QueueUrl!;
    await sqs.send(new SendMessageCommand({ QueueUrl: cards, MessageBody: 'before' }));
    const quarantined = await pciqAsync([
      'incident',
      'quarantine',
      'key',
      'alias/cards',
      '--reason',
      'key material may be exposed',
      ...args,
    ]);
    assert.equal(quarantined.status, 0, quarantined.stderr);
    const id = /^(INC-\S+)/.exec(quarantined.stdout)![1]!;
    assert.equal(
      (await errorOf(sqs.send(new SendMessageCommand({ QueueUrl: cards, MessageBody: 'after' }))))?.name,
      'KmsDisabled',
    );
    // A second incident on the key is refused before it writes a snapshot of its own.
    const snapshots = readdirSync(join(data.dataDir, 'incidents')).length;
    const again = await pciqAsync(['incident', 'quarantine', 'key', 'alias/cards', '--reason', 'again', ...args]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, new RegExp(`is quarantined already \\(${id}\\)`));
    assert.equal(readdirSync(join(data.dataDir, 'incidents')).length, snapshots);
    // A key pending deletion is refused before a snapshot as well, saying what to do.
    assert.equal((await pciqAsync(['keys', 'create', '--alias', 'alias/retired', ...args])).status, 0);
    assert.equal((await pciqAsync(['keys', 'schedule-deletion', 'alias/retired', ...args])).status, 0);
    const pending = await pciqAsync(['incident', 'quarantine', 'key', 'alias/retired', '--reason', 'x', ...args]);
    assert.equal(pending.status, 1);
    assert.match(pending.stderr, /is pending deletion, .*cancel its deletion first/);
    assert.equal(readdirSync(join(data.dataDir, 'incidents')).length, snapshots);
    const enable = await pciqAsync(['keys', 'enable', 'alias/cards', ...args]);
    assert.notEqual(enable.status, 0);
    assert.match(enable.stderr, /quarantined by incident/);
    // Nor is it deleted: that would crypto-shred what it seals, the snapshot's sealed messages included.
    const deletion = await pciqAsync(['keys', 'schedule-deletion', 'alias/cards', '--days', '7', ...args]);
    assert.notEqual(deletion.status, 0);
    assert.match(deletion.stderr, new RegExp(`quarantined by incident ${id}; its deletion is refused until`));

    const refused = await pciqAsync(['incident', 'release', id, ...args]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /key-rotation-disabled/);
    const released = await pciqAsync([
      'incident',
      'release',
      id,
      '--accept-risk',
      'rotation is scheduled for the weekend',
      ...args,
    ]);
    assert.equal(released.status, 0, released.stderr);
    assert.match(released.stdout, /risk accepted: rotation is scheduled for the weekend/);
    await sqs.send(new SendMessageCommand({ QueueUrl: cards, MessageBody: 'after' }));

    const shown = await pciqJsonAsync<{ status: string; release: { acceptedRisk: string; failingRules: string[] } }>([
      'incident',
      'show',
      id,
      '--json',
      ...args,
    ]);
    assert.equal(shown.status, 'released');
    assert.deepEqual(shown.release.failingRules, ['key-rotation-disabled']);
    const { incidents } = await pciqJsonAsync<{ incidents: Array<{ id: string }> }>([
      'incident',
      'list',
      '--json',
      ...args,
    ]);
    assert.deepEqual(incidents.map((incident) => incident.id).sort(), [incidentId, id].sort());
    const search = await pciqJsonAsync<{
      records: Array<{ type: string; outcome: string; details: Record<string, unknown> }>;
    }>(['audit', 'search', '--json', ...args]);
    const types = search.records.map((record) => `${record.type}:${record.outcome}`);
    for (const expected of [
      'incident:Snapshot:success',
      'incident:Quarantine:success',
      'incident:Release:failure',
      'incident:Release:success',
    ]) {
      assert.ok(types.includes(expected), expected);
    }
    assert.ok(
      search.records.some((record) => record.details?.acceptedRisk === 'rotation is scheduled for the weekend'),
    );
    assert.equal((await pciqAsync(['audit', 'verify', ...args])).status, 0);
  });

  it('lets no message out of a quarantined dead-letter queue through a message move task', async () => {
    const queueArn = (name: string) => `arn:aws:sqs:us-east-1:${data.bootstrap.accountId}:${name}`;
    const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: 'refunds-dlq' }))).QueueUrl!;
    await sqs.send(
      new CreateQueueCommand({
        QueueName: 'refunds',
        Attributes: {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn('refunds-dlq'), maxReceiveCount: 1 }),
        },
      }),
    );
    const review = (await sqs.send(new CreateQueueCommand({ QueueName: 'refunds-review' }))).QueueUrl!;
    for (let i = 0; i < 20; i++) await sqs.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: `refund ${i}` }));
    // One message a second: the task is still running when the queue is quarantined.
    await sqs.send(
      new StartMessageMoveTaskCommand({
        SourceArn: queueArn('refunds-dlq'),
        DestinationArn: queueArn('refunds-review'),
        MaxNumberOfMessagesPerSecond: 1,
      }),
    );
    const quarantined = await pciqAsync(['incident', 'quarantine', 'queue', 'refunds-dlq', '--reason', 'x', ...args]);
    assert.equal(quarantined.status, 0, quarantined.stderr);
    const id = /^(INC-\S+)/.exec(quarantined.stdout)![1]!;
    const left = async () =>
      Number(
        (
          await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['ApproximateNumberOfMessages'] }),
          )
        ).Attributes!.ApproximateNumberOfMessages,
      );
    const atQuarantine = await left();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.equal(await left(), atQuarantine, 'no message left the quarantined queue');
    const { Results } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: queueArn('refunds-dlq') }));
    // SQS lists the newest task first, and names a task's handle only while it runs.
    const task = Results![0]!;
    assert.equal(task.Status, 'FAILED');
    assert.match(task.FailureReason!, new RegExp(`quarantined by incident ${id}`));
    const refused = await errorOf(
      sqs.send(
        new StartMessageMoveTaskCommand({
          SourceArn: queueArn('refunds-dlq'),
          DestinationArn: queueArn('refunds-review'),
        }),
      ),
    );
    assert.equal(refused?.name, 'AccessDenied');
    assert.match(refused!.message, new RegExp(`quarantined by incident ${id}`));
    const moved = await sqs.send(new ReceiveMessageCommand({ QueueUrl: review, MaxNumberOfMessages: 10 }));
    assert.ok((moved.Messages ?? []).length < 20);
  });

  it('quarantines through a policy whose action is quarantine, from an approved plan', async () => {
    const exposed = (await sqs.send(new CreateQueueCommand({ QueueName: 'exposed' }))).QueueUrl!;
    const arn = `arn:aws:sqs:us-east-1:${data.bootstrap.accountId}:exposed`;
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: exposed,
        Attributes: {
          Policy: JSON.stringify({
            Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sqs:ReceiveMessage', Resource: arn }],
          }),
        },
      }),
    );
    const policies = join(data.dataDir, '..', 'contain.json');
    writeFileSync(
      policies,
      JSON.stringify({
        policies: [
          {
            name: 'contain-public-queues',
            resource: 'queue',
            severity: 'critical',
            requirements: ['12.10.1', '7.2.1'],
            remediation: 'Investigate who received from the queue while it was public.',
            filters: [
              { key: 'policy.isOpenToAll', op: 'eq', value: true },
              { key: 'quarantine', op: 'absent' },
            ],
            actions: [{ type: 'quarantine', reason: 'the queue was open to everyone' }],
          },
        ],
      }),
    );
    const planFile = join(data.dataDir, '..', 'contain-plan.json');
    const planned = await pciqAsync(['compliance', 'scan', '--policies', policies, '--plan', planFile, ...args]);
    assert.equal(planned.status, 0, planned.stderr);
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as { changes: Array<{ action: string; resource: string }> };
    assert.ok(plan.changes.some((change) => change.action === 'quarantine' && change.resource === arn));
    const applied = await pciqAsync(['compliance', 'apply', planFile, ...args]);
    assert.equal(applied.status, 0, applied.stderr);
    const { incidents } = await pciqJsonAsync<{ incidents: Array<{ target: string; reason: string; status: string }> }>(
      ['incident', 'list', '--json', ...args],
    );
    const opened = incidents.find((incident) => incident.target === arn)!;
    assert.equal(opened.status, 'contained');
    assert.equal(opened.reason, 'the queue was open to everyone');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.equal((await errorOf(sqs.send(new ReceiveMessageCommand({ QueueUrl: exposed }))))?.name, 'AccessDenied');
  });

  it('quarantines a function: its queue mappings stop until release, and its secrets stay out of the snapshot', async () => {
    const secret = 'hunter2-not-for-snapshots-7731';
    const dir = join(data.dataDir, '..', 'settle-code');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.mjs'), 'export const handler = async () => ({ batchItemFailures: [] });\n');
    await sqs.send(new CreateQueueCommand({ QueueName: 'settlements' }));
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    };
    const role = await pciqAsync(['iam', 'create-role', 'settle', '--trust-policy', JSON.stringify(trust), ...args]);
    assert.equal(role.status, 0, role.stderr);
    const consume = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
          Resource: `arn:aws:sqs:us-east-1:${data.bootstrap.accountId}:settlements`,
        },
      ],
    };
    const granted = await pciqAsync([
      'iam',
      'put-policy',
      '--role',
      'settle',
      'consume',
      '--document',
      JSON.stringify(consume),
      ...args,
    ]);
    assert.equal(granted.status, 0, granted.stderr);
    const deployed = await pciqAsync([
      'functions',
      'deploy',
      'settle',
      '--code',
      dir,
      '--handler',
      'index.handler',
      '--role',
      `arn:aws:iam::${data.bootstrap.accountId}:role/settle`,
      '--env',
      `DB_PASSWORD=${secret}`,
      ...args,
    ]);
    assert.equal(deployed.status, 0, deployed.stderr);
    const mapped = await pciqAsync(['functions', 'map', 'settle', '--queue', 'settlements', ...args]);
    assert.equal(mapped.status, 0, mapped.stderr);
    const { findings } = await pciqJsonAsync<{ findings: Array<{ rule: string; resource: string; status: string }> }>([
      'compliance',
      'scan',
      '--json',
      ...args,
    ]);
    const fnArn = `arn:aws:lambda:us-east-1:${data.bootstrap.accountId}:function:settle`;
    assert.equal(
      findings.find((f) => f.rule === 'function-secrets-in-environment' && f.resource === fnArn)?.status,
      'fail',
    );

    const quarantined = await pciqAsync([
      'incident',
      'quarantine',
      'function',
      'settle',
      '--reason',
      'handler exfiltrates',
      ...args,
    ]);
    assert.equal(quarantined.status, 0, quarantined.stderr);
    assert.match(quarantined.stdout, /function stopped: its queue mappings disabled/);
    const id = /^(INC-\S+)/.exec(quarantined.stdout)![1]!;
    const file = /snapshot +(\S+)/.exec(quarantined.stdout)![1]!;
    assert.ok(!readFileSync(file, 'utf8').includes(secret), 'the snapshot holds no secret value');
    assert.equal((await pciqAsync(['incident', 'snapshot', 'verify', file])).status, 0);
    // A second incident on it is refused: its release would restart what the first one contains.
    const again = await pciqAsync(['incident', 'quarantine', 'function', 'settle', '--reason', 'again', ...args]);
    assert.equal(again.status, 1);
    assert.match(
      again.stderr,
      new RegExp(`function arn:aws:lambda:\\S+:function:settle is quarantined already \\(${id}\\)`),
    );
    const stopped = await pciqJsonAsync<Array<{ state: string; uuid: string }>>([
      'functions',
      'mappings',
      'settle',
      '--json',
      ...args,
    ]);
    assert.deepEqual(
      stopped.map((m) => m.state),
      ['Disabled'],
    );
    // Nobody starts it again behind incident response's back.
    const restarted = await pciqAsync(['functions', 'enable', stopped[0]!.uuid, ...args]);
    assert.equal(restarted.status, 1);
    assert.match(
      restarted.stderr,
      new RegExp(`Function settle is quarantined by incident ${id}: .*pciq incident release ${id}`),
    );
    const remapped = await pciqAsync(['functions', 'map', 'settle', '--queue', 'payments', ...args]);
    assert.equal(remapped.status, 1);
    assert.match(remapped.stderr, /is quarantined by incident/);

    const refused = await pciqAsync(['incident', 'release', id, ...args]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /function-secrets-in-environment/);
    const released = await pciqAsync([
      'incident',
      'release',
      id,
      '--accept-risk',
      'secret moves to the vault this week',
      ...args,
    ]);
    assert.equal(released.status, 0, released.stderr);
    const running = await pciqJsonAsync<Array<{ state: string }>>([
      'functions',
      'mappings',
      'settle',
      '--json',
      ...args,
    ]);
    assert.deepEqual(
      running.map((m) => m.state),
      ['Enabled'],
    );
  });

  it('refuses to quarantine the account root, saying how to contain it instead', async () => {
    const result = await pciqAsync([
      'incident',
      'quarantine',
      'principal',
      `arn:aws:iam::${data.bootstrap.accountId}:root`,
      '--reason',
      'r',
      ...args,
    ]);
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /the account root cannot be quarantined: no policy restricts it\. Deactivate its access keys/,
    );
    const unknown = await pciqAsync(['incident', 'quarantine', 'principal', 'nobody', '--reason', 'r', ...args]);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /there is no user or role nobody in account \d{12}/);
  });

  it('says loudly, in the incident and its snapshot, how many messages a partial snapshot leaves out', async () => {
    const backlog = (await sqs.send(new CreateQueueCommand({ QueueName: 'backlog' }))).QueueUrl!;
    // One message more than a snapshot holds, ten per batch, a few batches at a time.
    const total = 10_001;
    const batches = Array.from({ length: Math.ceil(total / 10) }, (_, batch) =>
      Array.from({ length: Math.min(10, total - batch * 10) }, (_, i) => ({
        Id: `m${i}`,
        MessageBody: `order ${batch * 10 + i}`,
      })),
    );
    for (let next = 0; next < batches.length; next += 20) {
      await Promise.all(
        batches
          .slice(next, next + 20)
          .map((Entries) => sqs.send(new SendMessageBatchCommand({ QueueUrl: backlog, Entries }))),
      );
    }
    const result = await pciqAsync(['incident', 'quarantine', 'queue', 'backlog', '--reason', 'flood', ...args]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /PARTIAL: messages: the oldest 10000 of 10001 are in this snapshot; 1 newer ones/);
    const file = /snapshot +(\S+)/.exec(result.stdout)![1]!;
    const snapshot = JSON.parse(readFileSync(file, 'utf8')) as {
      content: { messages: unknown[]; omissions: string[] };
    };
    assert.equal(snapshot.content.messages.length, 10_000);
    assert.equal(snapshot.content.omissions.length, 1);
    assert.match(snapshot.content.omissions[0]!, /1 newer ones .* left out/);
    const verified = await pciqAsync(['incident', 'snapshot', 'verify', file]);
    assert.equal(verified.status, 0, verified.stdout);
    assert.match(verified.stdout, /^PARTIAL {2}messages: the oldest 10000 of 10001/m);
    const id = /^(INC-\S+)/.exec(result.stdout)![1]!;
    const shown = await pciqJsonAsync<{ snapshot: { omissions: string[] } }>([
      'incident',
      'show',
      id,
      '--json',
      ...args,
    ]);
    assert.deepEqual(shown.snapshot.omissions, snapshot.content.omissions);
    const released = await pciqAsync(['incident', 'release', id, '--accept-risk', 'load test', ...args]);
    assert.equal(released.status, 0, released.stderr);
  });
});
