/**
 * Serverless functions end to end: handlers written for AWS Lambda, deployed and mapped with `pciq functions`,
 * fed by a real `pciq serve` from queues that the AWS SDK sends to.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createFunctionRole } from '../support/function-role.ts';
import { pciq, pciqJson } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { sqsClient } from '../support/sqs-client.ts';
import { waitFor } from '../support/wait-for.ts';

interface LogEntry {
  requestId: string;
  outcome: string;
  text: string;
}

describe('functions on queues, end to end', () => {
  let data: ReturnType<typeof initDataDir>;
  let server: PciqServer;
  let sqs: SQSClient;
  let endpoint: string;
  let account: string;
  let codeDirs = 0;

  const dataArgs = () => ['--data-dir', data.dataDir, '--key-file', data.keyFile];
  const functions = (...args: string[]) => pciq(['functions', ...args, ...dataArgs()]);
  const role = () => `arn:aws:iam::${account}:role/order-processor`;

  /** Deploys `source` as index.mjs with handler index.handler and the test role. */
  function deploy(name: string, source: string, ...extra: string[]): void {
    deployAs(role(), name, source, ...extra);
  }

  /** Deploys as `deploy` does, with the execution role `roleArn`. */
  function deployAs(roleArn: string, name: string, source: string, ...extra: string[]): void {
    const result = functions(
      'deploy',
      name,
      '--code',
      code(source),
      '--handler',
      'index.handler',
      '--role',
      roleArn,
      ...extra,
    );
    assert.equal(result.status, 0, result.stderr);
  }

  const eventually = <T>(what: string, condition: () => Promise<T | false | undefined>) =>
    waitFor(what, condition, { timeoutMs: 90_000, intervalMs: 250 });

  function code(source: string, file = 'index.mjs'): string {
    const dir = join(data.dataDir, '..', `code-${codeDirs++}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, file), source);
    return dir;
  }

  async function createQueue(name: string, attributes: Record<string, string> = {}): Promise<string> {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    return created.QueueUrl!;
  }

  async function sendAll(queueUrl: string, bodies: readonly string[]): Promise<void> {
    for (let i = 0; i < bodies.length; i += 10) {
      const entries = bodies.slice(i, i + 10).map((body, index) => ({ Id: String(index), MessageBody: body }));
      const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      assert.equal(sent.Failed?.length ?? 0, 0);
    }
  }

  async function depth(queueUrl: string): Promise<number> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
  }

  function logs(name: string): LogEntry[] {
    return pciqJson<LogEntry[]>([
      'functions',
      'logs',
      name,
      '--since',
      '1h',
      '--limit',
      '10000',
      '--json',
      ...dataArgs(),
    ]);
  }

  /** What handlers printed with console.log, one entry per line. */
  function printed(name: string): string[] {
    return logs(name).flatMap((entry) =>
      entry.text
        .split('\n')
        .map((line) => line.split('\t'))
        .filter((fields) => fields[2] === 'INFO')
        .map((fields) => fields.slice(3).join('\t')),
    );
  }

  function auditRecords(eventType: string): Array<Record<string, unknown>> {
    const page = pciqJson<{ records: Array<Record<string, unknown>> }>([
      'audit',
      'search',
      '--event-type',
      eventType,
      '--json',
      ...dataArgs(),
    ]);
    return page.records;
  }

  /** Requests pciq refused, as the audit trail recorded them, made with the given user agent. */
  function refusedRequestsFrom(userAgent: string): Array<{ error: string; origin: { userAgent: string } }> {
    return pciqJson<{ records: Array<{ error: string; origin: { userAgent: string } }> }>([
      'audit',
      'search',
      '--outcome',
      'failure',
      '--limit',
      '1000',
      '--json',
      ...dataArgs(),
    ]).records.filter((record) => record.origin.userAgent === userAgent);
  }

  before(async () => {
    data = initDataDir();
    account = data.bootstrap.accountId;
    createFunctionRole('order-processor', dataArgs());
    // Default serving: a primary (which runs the functions) and worker processes (which serve the API).
    server = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile, extra: ['--workers', '2'] });
    endpoint = await server.endpoint;
    sqs = sqsClient(endpoint, data.bootstrap);
  });

  after(async () => {
    sqs?.destroy();
    assert.equal(await server.stop(), 0, 'SIGTERM drains and exits 0');
    data.remove();
  });

  it('runs an unchanged Lambda handler: one failing record of ten is redelivered alone, then dead-lettered', async () => {
    const dlqUrl = await createQueue('orders-dlq');
    const queueUrl = await createQueue('orders', {
      VisibilityTimeout: '2',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: `arn:aws:sqs:us-east-1:${account}:orders-dlq`,
        maxReceiveCount: 3,
      }),
    });
    const handler = `
      export const handler = async (event) => {
        const batchItemFailures = [];
        for (const record of event.Records) {
          const order = JSON.parse(record.body);
          if (order.poison) {
            console.log(\`cannot process order \${order.id}, attempt \${record.attributes.ApproximateReceiveCount}\`);
            batchItemFailures.push({ itemIdentifier: record.messageId });
            continue;
          }
          console.log(\`processed order \${order.id}\`);
        }
        return { batchItemFailures };
      };`;
    deploy('process-orders', handler, '--timeout', '1');
    const mapped = functions(
      'map',
      'process-orders',
      '--queue',
      'orders',
      '--batch-size',
      '10',
      '--report-batch-item-failures',
    );
    assert.equal(mapped.status, 0, mapped.stderr);
    assert.match(
      mapped.stderr,
      /warning: the queue's visibility timeout \(2 s\) is under 6 x the function timeout \(1 s\)/,
    );
    await sendAll(
      queueUrl,
      Array.from({ length: 10 }, (_, i) => JSON.stringify({ id: i, ...(i === 7 ? { poison: true } : {}) })),
    );
    const dead = await eventually('the poison message in the dead-letter queue', async () => {
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
      );
      return (received.Messages?.length ?? 0) > 0 && received.Messages;
    });
    assert.deepEqual(
      dead.map((message) => JSON.parse(message.Body!)),
      [{ id: 7, poison: true }],
    );
    assert.equal(dead[0]!.Attributes?.DeadLetterQueueSourceArn, `arn:aws:sqs:us-east-1:${account}:orders`);
    await eventually('the source queue to empty', async () => (await depth(queueUrl)) === 0);
    const lines = printed('process-orders');
    assert.deepEqual(
      lines.filter((line) => line.startsWith('processed')).sort(),
      [0, 1, 2, 3, 4, 5, 6, 8, 9].map((id) => `processed order ${id}`).sort(),
      'every good order processed exactly once',
    );
    assert.deepEqual(
      lines.filter((line) => line.startsWith('cannot')),
      ['cannot process order 7, attempt 1', 'cannot process order 7, attempt 2', 'cannot process order 7, attempt 3'],
      'only the failed record came back, up to maxReceiveCount',
    );
  });

  it('fails a handler that reads the data directory or the key file, and audits both attempts', async () => {
    await createQueue('probe', { VisibilityTimeout: '30' });
    const handler = `
      import { readFileSync, readdirSync } from 'node:fs';
      export const handler = async (event) => {
        const target = event.Records[0].body;
        return target === 'key' ? readFileSync(process.env.KEY_FILE) : readdirSync(process.env.DATA_DIR);
      };`;
    deploy('probe', handler, '--env', `DATA_DIR=${data.dataDir}`, '--env', `KEY_FILE=${data.keyFile}`);
    assert.equal(functions('map', 'probe', '--queue', 'probe', '--batch-size', '1').status, 0);
    await sendAll(`${endpoint}/${account}/probe`, ['key', 'data']);
    const denied = await eventually('both refusals in the audit trail', async () => {
      const records = auditRecords('lambda:SandboxAccessDenied');
      return records.length >= 2 && records;
    });
    assert.deepEqual(
      denied.map((record) => (record.details as Record<string, unknown>).deniedResource).sort(),
      [data.dataDir, data.keyFile].sort(),
    );
    for (const record of denied) {
      assert.equal(record.error, 'AccessDenied');
      assert.equal(
        (record.actor as { principal: string }).principal,
        `arn:aws:sts::${account}:assumed-role/order-processor/probe`,
      );
    }
    const failures = auditRecords('lambda:Invoke').filter((record) =>
      String(record.resource).includes(':function:probe:'),
    );
    assert.ok(failures.length >= 2);
    assert.ok(
      failures.every(
        (record) => record.outcome === 'failure' && (record.details as { code?: string }).code === 'ERR_ACCESS_DENIED',
      ),
    );
    const entries = logs('probe');
    assert.ok(entries.every((entry) => entry.outcome === 'error'));
    assert.match(entries[0]!.text, /Invoke Error .*Access to this API has been restricted/);
  });

  it("reaches pciq's endpoint over TLS it verifies with the CA it was given, where its calls are audited", async () => {
    const queueUrl = await createQueue('caller', { VisibilityTimeout: '30' });
    const handler = `
      export const handler = async () => {
        const response = await fetch(process.env.AWS_ENDPOINT_URL_SQS, {
          method: 'POST',
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues', 'user-agent': 'probe-from-function' },
          body: '{}',
        });
        console.log('status', response.status, (await response.json()).__type);
      };`;
    deploy('caller', handler);
    assert.equal(functions('map', 'caller', '--queue', 'caller').status, 0);
    await sendAll(queueUrl, ['go']);
    const [line] = await eventually('the handler to call pciq', async () => {
      const lines = printed('caller');
      return lines.length > 0 && lines;
    });
    // An unsigned request is refused by pciq itself, which proves the TLS connection was made and verified.
    assert.match(line!, /^status 40\d .*MissingAuthenticationToken/);
    const refused = refusedRequestsFrom('probe-from-function');
    assert.equal(refused[0]?.error, 'MissingAuthenticationToken');
  });

  it('hands handlers tokens, never card numbers, and refuses and audits their attempt to detokenize', async () => {
    // The handler calls without signing, as code that tries its luck would: refused. (Signed with its role
    // session's credentials, a role without pciq:Detokenize is refused with AccessDeniedException.) No PAN.
    const queueUrl = await createQueue('payments', { VisibilityTimeout: '30' });
    const handler = `
      export const handler = async (event) => {
        const { card } = JSON.parse(event.Records[0].body);
        console.log('card field', card.startsWith('tok_') ? 'is a token' : 'is not a token');
        const response = await fetch(process.env.AWS_ENDPOINT_URL, {
          method: 'POST',
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'PciqVault.Detokenize', 'user-agent': 'detokenize-from-function' },
          body: JSON.stringify({ Token: card, Redaction: 'plain', Reason: 'function' }),
        });
        const answer = await response.json();
        console.log('detokenize', response.status, answer.__type ?? '', answer.Value ?? '');
      };`;
    deploy('payments', handler);
    assert.equal(functions('map', 'payments', '--queue', 'payments').status, 0);
    await sendAll(queueUrl, [JSON.stringify({ order: 9, card: '4111 1111 1111 1111' })]);
    const lines = await eventually('the handler to try', async () => {
      const seen = printed('payments');
      return seen.length >= 2 && seen;
    });
    assert.deepEqual(lines[0], 'card field is a token');
    assert.match(lines[1]!, /^detokenize 4\d\d \S+ $/);
    assert.doesNotMatch(JSON.stringify(logs('payments')), /4111 1111 1111 1111|4111111111111111/);
    const refused = refusedRequestsFrom('detokenize-from-function');
    assert.equal(refused.length, 1);
  });

  it("applies a change of the role's policies to the pollers, which run in a process serving no requests", async () => {
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    };
    const allowQueues = (...names: string[]) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
            Resource: names.map((name) => `arn:aws:sqs:us-east-1:${account}:${name}`),
          },
        ],
      });
    const iam = (...args: string[]) => {
      const result = pciq(['iam', ...args, ...dataArgs()]);
      assert.equal(result.status, 0, result.stderr);
    };
    iam('create-role', 'narrow', '--trust-policy', JSON.stringify(trust));
    iam('put-policy', '--role', 'narrow', 'poll', '--document', allowQueues('narrow-a'));
    const narrowRole = `arn:aws:iam::${account}:role/narrow`;
    const source = 'export const handler = async (event) => { console.log(event.Records[0].body); };';
    for (const name of ['narrow-a', 'narrow-b']) {
      await createQueue(name, { VisibilityTimeout: '30' });
      deployAs(narrowRole, name, source);
    }
    assert.equal(functions('map', 'narrow-a', '--queue', 'narrow-a').status, 0);
    await sendAll(`${endpoint}/${account}/narrow-a`, ['first']);
    await eventually('the first queue consumed', async () => printed('narrow-a').includes('first'));
    // The running server has now evaluated the role's policies; the grant on the second queue comes later.
    iam('put-policy', '--role', 'narrow', 'poll', '--document', allowQueues('narrow-a', 'narrow-b'));
    const mapped = functions('map', 'narrow-b', '--queue', 'narrow-b');
    assert.equal(mapped.status, 0, mapped.stderr);
    await sendAll(`${endpoint}/${account}/narrow-b`, ['second']);
    await eventually('the second queue consumed under the new policy', async () =>
      printed('narrow-b').includes('second'),
    );
  });

  it('processes 10 000 messages exactly once with maximum concurrency 8', async () => {
    const queueUrl = await createQueue('bulk', { VisibilityTimeout: '60' });
    const handler = 'export const handler = async (event) => { for (const r of event.Records) console.log(r.body); };';
    deploy('bulk', handler, '--timeout', '10');
    await sendAll(
      queueUrl,
      Array.from({ length: 10_000 }, (_, i) => `bulk-${i}`),
    );
    const mapped = functions(
      'map',
      'bulk',
      '--queue',
      'bulk',
      '--batch-size',
      '100',
      '--batch-window',
      '1',
      '--max-concurrency',
      '8',
    );
    assert.equal(mapped.status, 0, mapped.stderr);
    await waitFor('the queue to drain', async () => (await depth(queueUrl)) === 0, {
      timeoutMs: 240_000,
      intervalMs: 250,
    });
    const lines = printed('bulk');
    assert.equal(lines.length, 10_000, 'no message processed twice');
    assert.equal(new Set(lines).size, 10_000, 'every message processed');
  });
});
