import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { LogAlertSink } from '../../src/audit/alerts/alert.ts';
import { AlertDispatcher } from '../../src/audit/alerts/dispatcher.ts';
import { QueueAlertSink } from '../../src/audit/alerts/queue-sink.ts';
import { WebhookAlertSink } from '../../src/audit/alerts/webhook-sink.ts';
import { Reviewer } from '../../src/audit/review/reviewer.ts';
import { defaultRules } from '../../src/audit/review/rules.ts';
import { AuditHarness, caller } from '../support/audit-harness.ts';

/** A real local HTTP server standing in for a webhook receiver; answers with the statuses given, in turn. */
async function webhookReceiver(statuses: number[]) {
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`, received, server };
}

const harnesses: AuditHarness[] = [];
const servers: Server[] = [];
after(async () => {
  for (const server of servers) server.close();
  for (const h of harnesses) await h.close();
});

/** The reviewer with the default rules; a review that fails fails the test. */
function reviewerOf(h: AuditHarness, dispatcher: AlertDispatcher): Reviewer {
  return new Reviewer({ trail: h.trail, rules: defaultRules, dispatcher, onError: (e) => assert.fail(String(e)) });
}

async function failSignatures(h: AuditHarness, count: number, ip = '203.0.113.50') {
  for (let i = 0; i < count; i++) {
    const audit = h.auditor.begin({
      requestId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      origin: { ip, userAgent: 'attacker', tls: 'TLSv1.3', clientCertificate: null },
      type: 'sqs:ListQueues',
      category: 'management',
    });
    audit.identify({ principal: null, accessKeyId: 'AKIAUNKNOWNKEY000000', accountId: null });
    await h.auditor.finish(audit, 'InvalidClientTokenId');
  }
}

describe('alerts: log, webhook with retries, alerts queue', () => {
  it('delivers a brute-force alert to the log, the alerts queue, and a webhook that fails twice first', async () => {
    const h = await new AuditHarness().open();
    harnesses.push(h);
    const webhook = await webhookReceiver([500, 503]);
    servers.push(webhook.server);
    const lines: string[] = [];
    const dispatcher = new AlertDispatcher(h.trail, [
      new LogAlertSink((line) => lines.push(line)),
      new QueueAlertSink(h.queues, caller.accountId, 'pciq-alerts'),
      new WebhookAlertSink({ url: webhook.url, secret: 'webhook-secret', maxAttempts: 5 }),
    ]);
    const reviewer = reviewerOf(h, dispatcher);
    await reviewer.start();
    await failSignatures(h, 11);
    await reviewer.review();
    await dispatcher.settled();

    const [alert] = await h.service.listAlerts(0, 10);
    assert.equal(alert?.ruleId, 'brute-force-origin');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^pciq alert: \{.*"rule":"brute-force-origin"/);
    const messages = await h.queues.receiveMessages(
      { accountId: caller.accountId, name: 'pciq-alerts' },
      { maxMessages: 10, systemAttributeNames: [], messageAttributeNames: ['All'] },
    );
    assert.equal(messages.length, 1);
    assert.equal(JSON.parse(messages[0]!.body).rule, 'brute-force-origin');
    assert.equal(messages[0]!.messageAttributes['severity']?.stringValue, 'high');

    assert.equal(webhook.received.length, 1, 'first attempt, refused');
    assert.deepEqual(alert?.delivery['webhook'], {
      status: 'pending',
      attempts: 1,
      lastError: 'the webhook answered 500',
    });
    h.clock.advance(1_000);
    await dispatcher.settled();
    assert.equal(webhook.received.length, 2, 'retried after a second');
    h.clock.advance(2_000);
    await dispatcher.settled();
    assert.equal(webhook.received.length, 3, 'retried after two more');
    const [delivered] = await h.service.listAlerts(0, 10);
    assert.deepEqual(delivered?.delivery, {
      log: { status: 'delivered', attempts: 1 },
      queue: { status: 'delivered', attempts: 1 },
      webhook: { status: 'delivered', attempts: 3 },
    });
    const last = webhook.received[2]!;
    const body = JSON.parse(last.body);
    assert.equal(body.rule, 'brute-force-origin');
    assert.equal(body.detail.group.value, '203.0.113.50');
    assert.equal(
      last.headers['x-pciq-signature'],
      `sha256=${createHmac('sha256', 'webhook-secret').update(last.body).digest('hex')}`,
    );
    assert.ok(!last.body.includes('webhook-secret'));
    const raised = await h.service.search({ eventType: 'audit:AlertRaised', limit: 10 });
    assert.equal(raised.records.length, 1, 'the alert itself is in the trail');
    reviewer.stop();
  });

  it("never takes the alerts queue's writes for the request that happened to trigger the review", async () => {
    const h = await new AuditHarness().open();
    harnesses.push(h);
    await h.createQueue('pciq-alerts');
    const dispatcher = new AlertDispatcher(h.trail, [new QueueAlertSink(h.queues, caller.accountId, 'pciq-alerts')]);
    const reviewer = reviewerOf(h, dispatcher);
    await reviewer.start();
    await failSignatures(h, 10);
    const { requestId } = await h.request('sqs:ListQueues', async () => {
      await reviewer.review();
      await dispatcher.settled();
    });
    const [record, ...more] = await h.recordsOf(requestId);
    assert.deepEqual(more, []);
    assert.equal(record?.data, null, 'the alert message is not data of this request');
    const messages = await h.queues.receiveMessages(
      { accountId: caller.accountId, name: 'pciq-alerts' },
      { maxMessages: 10, systemAttributeNames: [], messageAttributeNames: [] },
    );
    assert.equal(messages.length, 1);
    reviewer.stop();
  });

  it('gives up on a webhook after its attempts, and records that the channel failed', async () => {
    const h = await new AuditHarness().open();
    harnesses.push(h);
    const webhook = await webhookReceiver([500, 500, 500]);
    servers.push(webhook.server);
    const dispatcher = new AlertDispatcher(h.trail, [new WebhookAlertSink({ url: webhook.url, maxAttempts: 3 })]);
    const reviewer = reviewerOf(h, dispatcher);
    await reviewer.start();
    await failSignatures(h, 10);
    await reviewer.review();
    for (const delayMs of [0, 1_000, 2_000]) {
      h.clock.advance(delayMs);
      await dispatcher.settled();
    }
    assert.equal(webhook.received.length, 3);
    const [alert] = await h.service.listAlerts(0, 10);
    assert.equal((alert!.delivery['webhook'] as { status: string }).status, 'failed');
    const failed = await h.service.search({ eventType: 'audit:AlertDelivery', limit: 10 });
    assert.equal(failed.records[0]?.record.outcome, 'failure');
    reviewer.stop();
  });

  it('resumes where it stopped: no alert twice, pending deliveries retried after a restart', async () => {
    const h = await new AuditHarness().open();
    harnesses.push(h);
    const webhook = await webhookReceiver([500]);
    servers.push(webhook.server);
    const sinks = () => [new WebhookAlertSink({ url: webhook.url, maxAttempts: 5 })];
    const first = new AlertDispatcher(h.trail, sinks());
    const reviewer = reviewerOf(h, first);
    await reviewer.start();
    await failSignatures(h, 10);
    await reviewer.review();
    await first.settled();
    reviewer.stop();

    const second = new AlertDispatcher(h.trail, sinks());
    const again = reviewerOf(h, second);
    await again.start();
    await second.settled();
    assert.equal((await h.service.listAlerts(0, 10)).length, 1, 'not raised twice');
    assert.equal(webhook.received.length, 2, 'the pending delivery was retried at start');
    assert.equal(
      ((await h.service.listAlerts(0, 10))[0]!.delivery['webhook'] as { status: string }).status,
      'delivered',
    );
    again.stop();
  });
});
