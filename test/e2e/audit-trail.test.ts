import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import { pciq, pciqJson } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { auditApi, signedRequest } from '../support/signed-request.ts';
import { sqsClient } from '../support/sqs-client.ts';

// Card data and a message body the trail must never hold. 4111… is the standard Visa test PAN.
const pan = '4111111111111111';
const panForms = [pan, '4111 1111 1111 1111', '4111-1111-1111-1111'];
const bodyMarker = 'secret-body-marker-7f3a9c';

interface AuditRecordJson {
  seq: number;
  kind: string;
  type: string;
  category: string;
  outcome: string;
  error: string | null;
  time: string;
  clock: string;
  requestId: string | null;
  actor: { principal: string | null; accessKeyId: string | null; accountId: string | null };
  origin: { ip: string | null; userAgent: string | null; tls: string | null; node: string };
  resource: string | null;
  data: { messageIds?: string[]; count?: number } | null;
  isIntact: boolean;
}

describe('the audit trail of a real pciq serve', () => {
  const data = initDataDir();
  const dirArgs = ['--data-dir', data.dataDir, '--key-file', data.keyFile];
  const webhookSecret = 'e2e-webhook-secret-value';
  const hooks: Array<{ atMs: number; body: string; headers: IncomingMessage['headers'] }> = [];
  let hookArrived: (() => void) | undefined;
  const webhook = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      response.writeHead(204).end();
      // `pciq init` created the administrator: its privilege-change alerts arrive at the first start.
      if (JSON.parse(body).rule === 'privilege-change') return;
      hooks.push({ atMs: Date.now(), body, headers: request.headers });
      hookArrived?.();
    });
  });
  let server: PciqServer;
  let endpoint: string;
  let sqs: SQSClient;
  const requestIds = new Map<string, { expect: 'success' | 'failure'; authenticated: boolean; label: string }>();
  let records: AuditRecordJson[] = [];
  let serverOutput = '';

  function client(
    credentials: { accessKeyId: string; secretAccessKey: string } = data.bootstrap,
    extra: Record<string, unknown> = {},
  ): SQSClient {
    return sqsClient(endpoint, data.bootstrap, credentials, { customUserAgent: `card ${pan}`, ...extra });
  }

  /** Sends a command, remembering its request id and whether it should have succeeded. */
  async function call<T>(label: string, run: () => Promise<T>, authenticated = true): Promise<T | undefined> {
    try {
      const output = (await run()) as T & { $metadata: { requestId?: string } };
      requestIds.set(output.$metadata.requestId!, { expect: 'success', authenticated, label });
      return output;
    } catch (error) {
      const requestId = (error as { $metadata?: { requestId?: string } }).$metadata?.requestId;
      assert.ok(requestId, `${label}: the error carries a request id`);
      requestIds.set(requestId, { expect: 'failure', authenticated, label });
      return undefined;
    }
  }

  before(async () => {
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const config = join(data.dataDir, '..', 'audit.json');
    writeFileSync(
      config,
      JSON.stringify({
        clockSource: 'ntp:time.example.test',
        checkpointIntervalSec: 1,
        alerts: {
          queue: 'pciq-alerts',
          webhook: {
            url: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/alerts`,
            secretEnv: 'PCIQ_E2E_WEBHOOK_SECRET',
          },
        },
      }),
    );
    process.env.PCIQ_E2E_WEBHOOK_SECRET = webhookSecret;
    server = new PciqServer({ ...data, extra: ['--audit-config', config] });
    endpoint = await server.endpoint;
    sqs = client();
  });

  after(async () => {
    sqs?.destroy();
    await server?.stop();
    webhook.close();
    data.remove();
  });

  it('raises a brute-force alert within seconds of the 11th failed signature from one address', async () => {
    const attacker = client({ accessKeyId: data.bootstrap.accessKeyId, secretAccessKey: 'z'.repeat(40) });
    const arrived = new Promise<void>((resolve) => {
      hookArrived = resolve;
    });
    for (let i = 0; i < 11; i++) await call(`brute force ${i}`, () => attacker.send(new ListQueuesCommand({})), false);
    const lastFailureMs = Date.now();
    attacker.destroy();
    const timeout = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 10_000).unref());
    assert.notEqual(await Promise.race([arrived, timeout]), 'late', 'the webhook heard of it');
    const hook = hooks[0]!;
    assert.ok(hook.atMs - lastFailureMs < 5_000, `alerted ${hook.atMs - lastFailureMs} ms after the 11th failure`);
    const alert = JSON.parse(hook.body);
    assert.equal(alert.rule, 'brute-force-origin');
    assert.equal(alert.severity, 'high');
    assert.equal(alert.detail.group.value, '127.0.0.1');
    const { createHmac } = await import('node:crypto');
    assert.equal(
      hook.headers['x-pciq-signature'],
      `sha256=${createHmac('sha256', webhookSecret).update(hook.body).digest('hex')}`,
    );
    const queue = await sqs.send(new GetQueueUrlCommand({ QueueName: 'pciq-alerts' }));
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl!, MaxNumberOfMessages: 10, WaitTimeSeconds: 5 }),
    );
    assert.ok(Messages?.some((message) => JSON.parse(message.Body!).rule === 'brute-force-origin'));
  });

  it('records every SQS flow of both protocols, refusals included, then stops cleanly', async () => {
    const created = await call('CreateQueue', () =>
      sqs.send(new CreateQueueCommand({ QueueName: 'audited', tags: { team: 'payments' } })),
    );
    const QueueUrl = created!.QueueUrl!;
    await call('GetQueueUrl', () => sqs.send(new GetQueueUrlCommand({ QueueName: 'audited' })));
    await call('ListQueues', () => sqs.send(new ListQueuesCommand({})));
    await call('SendMessage', () =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: `card ${pan} ${bodyMarker}`,
          MessageAttributes: { card: { DataType: 'String', StringValue: panForms[1]! } },
        }),
      ),
    );
    await call('SendMessageBatch', () =>
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: panForms.map((form, i) => ({ Id: `e${i}`, MessageBody: `${form} ${bodyMarker}` })),
        }),
      ),
    );
    const received = await call('ReceiveMessage', () =>
      sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 })),
    );
    const [first, second, ...rest] = received!.Messages!;
    await call('ChangeMessageVisibility', () =>
      sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first!.ReceiptHandle!, VisibilityTimeout: 60 }),
      ),
    );
    await call('DeleteMessage', () =>
      sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: second!.ReceiptHandle! })),
    );
    await call('DeleteMessageBatch', () =>
      sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: rest.map((message, i) => ({ Id: `d${i}`, ReceiptHandle: message.ReceiptHandle! })),
        }),
      ),
    );
    await call('GetQueueAttributes', () =>
      sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })),
    );
    await call('SetQueueAttributes', () =>
      sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: '45' } })),
    );
    await call('TagQueue', () => sqs.send(new TagQueueCommand({ QueueUrl, Tags: { env: 'test' } })));
    await call('ListQueueTags', () => sqs.send(new ListQueueTagsCommand({ QueueUrl })));
    await call('UntagQueue', () => sqs.send(new UntagQueueCommand({ QueueUrl, TagKeys: ['env'] })));
    await call('PurgeQueue', () => sqs.send(new PurgeQueueCommand({ QueueUrl })));
    // Failures the client causes: no such queue (with card data in the URL), an invalid parameter.
    await call('SendMessage to a missing queue', () =>
      sqs.send(
        new SendMessageCommand({ QueueUrl: `${endpoint}/${data.bootstrap.accountId}/q${pan}`, MessageBody: 'x' }),
      ),
    );
    await call('ReceiveMessage with a bad parameter', () =>
      sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 99 })),
    );
    // Refused authentication: a wrong secret, an unknown key, a request signed an hour ago.
    const wrongSecret = client({ ...data.bootstrap, secretAccessKey: 'x'.repeat(40) });
    await call('wrong secret', () => wrongSecret.send(new ListQueuesCommand({})), false);
    wrongSecret.destroy();
    const unknownKey = client({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'y'.repeat(40) });
    await call('unknown key', () => unknownKey.send(new ListQueuesCommand({})), false);
    unknownKey.destroy();
    const skewed = client(data.bootstrap, { systemClockOffset: -3_600_000 });
    await call('expired signature', () => skewed.send(new ListQueuesCommand({})), false);
    skewed.destroy();
    // The Query protocol, and requests no SDK would send: malformed JSON, an unknown action.
    const signer = {
      endpoint,
      caFile: data.bootstrap.caFile,
      region: data.bootstrap.region,
      credentials: data.bootstrap,
    };
    const query = await signedRequest({
      ...signer,
      service: 'sqs',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListQueues&Version=2012-11-05',
    });
    assert.equal(query.status, 200);
    requestIds.set(/<RequestId>([^<]+)<\/RequestId>/.exec(query.body)![1]!, {
      expect: 'success',
      authenticated: true,
      label: 'Query ListQueues',
    });
    for (const [label, headers, body] of [
      ['malformed JSON', { 'x-amz-target': 'AmazonSQS.SendMessage' }, `{"MessageBody": "${pan}`],
      ['unknown action', { 'x-amz-target': 'AmazonSQS.FlyAway' }, '{}'],
    ] as const) {
      const response = await signedRequest({
        ...signer,
        service: 'sqs',
        headers: { 'content-type': 'application/x-amz-json-1.0', ...headers },
        body,
      });
      assert.equal(response.status, 400, label);
      requestIds.set(String(response.headers['x-amzn-requestid']), { expect: 'failure', authenticated: true, label });
    }
    // The audit API: reading the trail over the API is itself recorded.
    const search = await auditApi(signer, 'SearchRecords', { EventType: 'sqs:SendMessage', MaxResults: 10 });
    assert.equal(search.status, 200, search.body);
    assert.ok((search.json.Records as unknown[]).length >= 2);
    requestIds.set(String(search.headers['x-amzn-requestid']), {
      expect: 'success',
      authenticated: true,
      label: 'SearchRecords',
    });
    await call('DeleteQueue', () => sqs.send(new DeleteQueueCommand({ QueueUrl })));

    sqs.destroy();
    assert.equal(await server.stop(), 0, 'SIGTERM drains and exits 0');
    serverOutput = server.stdout + server.stderr;
    records = pciqJson<{ records: AuditRecordJson[] }>([
      'audit',
      'search',
      '--json',
      '--limit',
      '1000',
      ...dirArgs,
    ]).records;

    for (const [requestId, expected] of requestIds) {
      const mine = records.filter((record) => record.requestId === requestId && record.kind === 'request');
      assert.equal(mine.length, 1, `${expected.label}: exactly one record`);
      const [record] = mine as [AuditRecordJson];
      assert.equal(record.outcome, expected.expect, `${expected.label}: outcome`);
      assert.match(record.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.equal(record.clock, 'ntp:time.example.test');
      assert.match(record.type, /^(sqs|audit):[A-Za-z()]+$/, expected.label);
      assert.equal(record.origin.ip, '127.0.0.1');
      assert.ok(record.origin.userAgent, `${expected.label}: user agent`);
      assert.match(record.origin.tls ?? '', /^TLSv1\.[23]$/);
      assert.ok(record.actor.accessKeyId, `${expected.label}: the key used or claimed`);
      if (expected.authenticated) assert.match(record.actor.principal ?? '', /^arn:aws:iam::\d{12}:user\/admin$/);
      if (expected.expect === 'failure') assert.ok(record.error, `${expected.label}: error code`);
      assert.ok(record.isIntact);
    }
    // The request's own record: a send that carried card numbers also has the guard's vault:Tokenize event.
    const byLabel = (label: string) =>
      records.find(
        (record) =>
          record.kind === 'request' &&
          record.requestId === [...requestIds].find(([, value]) => value.label === label)![0],
      )!;
    assert.equal(byLabel('SendMessage').resource, `arn:aws:sqs:us-east-1:${data.bootstrap.accountId}:audited`);
    assert.equal(byLabel('SendMessage').data?.messageIds?.length, 1);
    assert.equal(byLabel('SendMessageBatch').data?.messageIds?.length, 3);
    assert.equal(byLabel('ReceiveMessage').data?.messageIds?.length, 4);
    assert.equal(byLabel('wrong secret').error, 'SignatureDoesNotMatch');
    assert.equal(byLabel('unknown key').error, 'InvalidClientTokenId');
    assert.match(byLabel('expired signature').error ?? '', /Expired/);
    assert.equal(byLabel('malformed JSON').error, 'MalformedRequest');
    assert.equal(byLabel('unknown action').type, 'sqs:FlyAway', 'what was attempted');
    assert.equal(byLabel('unknown action').error, 'InvalidAction');
    assert.equal(byLabel('Query ListQueues').type, 'sqs:ListQueues');
    assert.equal(byLabel('SearchRecords').type, 'audit:SearchRecords');
    assert.equal(byLabel('SearchRecords').category, 'audit');
    const types = records.map((record) => record.type);
    for (const type of ['pciq:AuditLogStarted', 'pciq:ServerStarted', 'pciq:ServerStopped', 'pciq:AuditLogStopped']) {
      assert.ok(types.includes(type), `${type} is recorded`);
    }
  });

  it('keeps card data and message bodies out of the store, the archive, the logs and exports', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else files.push(path);
      }
    };
    walk(data.dataDir);
    assert.ok(files.some((file) => file.endsWith('pciq.db')));
    const exported = join(data.dataDir, '..', 'export.json');
    assert.equal(pciq(['audit', 'export', '--out', exported, ...dirArgs]).status, 0);
    const haystacks = [
      ...files.map((file) => [file, readFileSync(file).toString('latin1')] as const),
      ['export', readFileSync(exported, 'utf8')] as const,
      ['search output', JSON.stringify(records)] as const,
      ['server output', serverOutput] as const,
    ];
    for (const [where, text] of haystacks) {
      for (const needle of [...panForms, bodyMarker]) assert.ok(!text.includes(needle), `${needle} found in ${where}`);
    }
    assert.ok(
      records.some((record) => record.origin.userAgent?.includes('[digits removed]')),
      'masked, not dropped',
    );
  });

  it('verifies the trail, and an export on its own with the key pinned', () => {
    const verify = pciqJson<{ result: string; recordsChecked: number; findings: Array<{ isFailure: boolean }> }>([
      'audit',
      'verify',
      '--json',
      ...dirArgs,
    ]);
    assert.equal(verify.result, 'pass');
    assert.ok(verify.findings.every((finding) => !finding.isFailure));
    const keyId = /fingerprint \(SHA-256 of the public key\) ([0-9a-f]{64})/.exec(
      pciq(['audit', 'public-key', ...dirArgs]).stdout,
    )![1]!;
    const bundle = join(data.dataDir, '..', 'export.json');
    const checked = pciq(['audit', 'verify', '--bundle', bundle, '--key-id', keyId]);
    assert.equal(checked.status, 0, checked.stdout + checked.stderr);
    assert.match(checked.stdout, /^pciq audit verify: PASS/);
    const wrongKey = pciq(['audit', 'verify', '--bundle', bundle, '--key-id', 'a'.repeat(64)]);
    assert.equal(wrongKey.status, 3);
    assert.match(wrongKey.stdout, /not with the key you pinned/);
  });

  it('lists the alerts, with where each went', () => {
    const { alerts } = pciqJson<{ alerts: Array<{ ruleId: string; delivery: Record<string, { status: string }> }> }>([
      'alerts',
      'list',
      '--json',
      ...dirArgs,
    ]);
    const bruteForce = alerts.find((alert) => alert.ruleId === 'brute-force-origin');
    assert.deepEqual(
      Object.fromEntries(Object.entries(bruteForce!.delivery).map(([sink, state]) => [sink, state.status])),
      { log: 'delivered', queue: 'delivered', webhook: 'delivered' },
    );
    assert.ok(
      alerts.some((alert) => alert.ruleId === 'audit-logging-stopped'),
      'the stop of audit logging raised one',
    );
    const text = pciq(['alerts', 'list', ...dirArgs]);
    assert.match(text.stdout, /high\s+brute-force-origin/);
  });
});
