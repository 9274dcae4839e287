/**
 * Event source mappings with AWS Lambda's SQS semantics, run in-process on real parts (SQLite, key service,
 * audit trail, queue engine) with real sandboxed handler processes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { accountId, FunctionsHarness, waitFor } from '../support/functions-harness.ts';
import { caller } from '../support/queue-harness.ts';

describe('event source mappings', () => {
  let harness: FunctionsHarness;
  before(async () => {
    harness = await FunctionsHarness.open();
  });
  after(() => harness.close());

  it("deletes a batch its handler processed, and hands the handler Lambda's SQS record shape", async () => {
    await harness.deploy('shape', 'export const handler = async (event) => { console.log(JSON.stringify(event)); };');
    const queue = await harness.createQueue('shape');
    await harness.mappings.map(accountId, 'shape', { queue: 'shape' });
    await harness.send(queue, ['{"order":1}'], {
      attributes: {
        tenant: { dataType: 'String', stringValue: 'acme' },
        blob: { dataType: 'Binary', binaryValue: Buffer.from('bin') },
      },
    });
    const [line] = await waitFor('the invocation', async () => {
      const lines = await harness.printed('shape');
      return lines.length > 0 && lines;
    });
    const event = JSON.parse(line!) as { Records: Array<Record<string, unknown>> };
    assert.equal(event.Records.length, 1);
    const record = event.Records[0]!;
    assert.deepEqual(Object.keys(record).sort(), [
      'attributes',
      'awsRegion',
      'body',
      'eventSource',
      'eventSourceARN',
      'md5OfBody',
      'md5OfMessageAttributes',
      'messageAttributes',
      'messageId',
      'receiptHandle',
    ]);
    assert.equal(record.body, '{"order":1}');
    assert.equal(record.eventSource, 'aws:sqs');
    assert.equal(record.eventSourceARN, harness.queueArn('shape'));
    assert.equal(record.awsRegion, 'us-east-1');
    assert.equal(record.md5OfBody, createHash('md5').update('{"order":1}').digest('hex'));
    const attributes = record.attributes as Record<string, string>;
    assert.equal(attributes.ApproximateReceiveCount, '1');
    // Millisecond timestamps are no card numbers: log masking leaves them alone.
    assert.match(attributes.SentTimestamp!, /^\d{13}$/);
    assert.match(attributes.ApproximateFirstReceiveTimestamp!, /^\d{13}$/);
    assert.equal(attributes.SenderId, caller.senderId);
    assert.deepEqual(record.messageAttributes, {
      tenant: { stringValue: 'acme', stringListValues: [], binaryListValues: [], dataType: 'String' },
      blob: {
        binaryValue: Buffer.from('bin').toString('base64'),
        stringListValues: [],
        binaryListValues: [],
        dataType: 'Binary',
      },
    });
    await waitFor('the batch to be deleted', async () => {
      const counts = await harness.counts(queue);
      return counts.visible === 0 && counts.inFlight === 0;
    });
    // The function read the message and its role deleted it: both recorded, as a client's receive and delete
    // are (PCI DSS 10.2.1: all access to the data the queue carries).
    const role = `arn:aws:sts::${accountId}:assumed-role/worker/shape`;
    const invoked = (await harness.auditRecords('lambda:Invoke')).find((r) => r.resource?.includes(':function:shape:'));
    assert.equal(invoked?.outcome, 'success');
    assert.equal(invoked?.category, 'data');
    assert.equal(invoked?.actor.principal, role);
    assert.deepEqual(invoked?.data?.messageIds, [record.messageId]);
    const [deleted] = await waitFor('the deletion in the audit trail', async () => {
      const records = await harness.auditRecords('sqs:DeleteMessageBatch');
      return records.length > 0 && records;
    });
    assert.equal(deleted!.outcome, 'success');
    assert.equal(deleted!.category, 'data');
    assert.equal(deleted!.actor.principal, role);
    assert.equal(deleted!.resource, harness.queueArn('shape'));
    assert.deepEqual(deleted!.data?.messageIds, [record.messageId]);
    assert.equal(deleted!.details?.['why'], 'processed');
    const trail = JSON.stringify([invoked, deleted]);
    assert.ok(!trail.includes('order') && !trail.includes(String(record.receiptHandle)), 'never bodies or handles');
  });

  it('returns a failed batch to the queue after its visibility timeout, then redrives it to the dead-letter queue', async () => {
    await harness.deploy(
      'thrower',
      "export const handler = async () => { throw new Error('downstream unavailable'); };",
      {
        timeoutSec: 1,
      },
    );
    const dlq = await harness.createQueue('thrower-dlq');
    const queue = await harness.createQueue('thrower', {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: harness.queueArn('thrower-dlq'), maxReceiveCount: 2 }),
    });
    const mapped = await harness.mappings.map(accountId, 'thrower', { queue: 'thrower' });
    assert.match(mapped.warnings[0] ?? '', /visibility timeout \(1 s\) is under 6 x the function timeout/);
    await harness.send(queue, ['a', 'b']);
    await waitFor('both messages in the dead-letter queue', async () => (await harness.counts(dlq)).visible === 2);
    const logs = await harness.logs('thrower');
    assert.ok(logs.length >= 2, 'each message was tried maxReceiveCount times');
    assert.ok(logs.every((entry) => entry.outcome === 'error'));
    assert.match(logs[0]!.text!, /ERROR\tInvoke Error \t\{"errorType":"Error","errorMessage":"downstream unavailable"/);
    const failures = await harness.auditRecords('lambda:Invoke');
    const failure = failures.find((record) => record.resource?.includes(':function:thrower:'));
    assert.equal(failure?.outcome, 'failure');
    assert.equal(failure?.error, 'Error');
    assert.equal(failure?.category, 'data');
    assert.equal(failure?.actor.principal, `arn:aws:sts::${accountId}:assumed-role/worker/thrower`);
    assert.ok((failure?.data?.messageIds?.length ?? 0) > 0);
    // Error messages may echo message content: the trail keeps the error type only.
    assert.doesNotMatch(JSON.stringify(failures), /downstream unavailable/);
  });

  it('redelivers only the records listed in batchItemFailures, and the whole batch when the list is malformed', async () => {
    await harness.deploy(
      'partial',
      `export const handler = async (event) => {
        const failures = [];
        for (const record of event.Records) {
          console.log(record.body, record.attributes.ApproximateReceiveCount);
          if (record.body === 'fail-once' && record.attributes.ApproximateReceiveCount === '1') failures.push({ itemIdentifier: record.messageId });
          if (record.body === 'malformed' && record.attributes.ApproximateReceiveCount === '1') return { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] };
        }
        return { batchItemFailures: failures };
      };`,
      { timeoutSec: 1 },
    );
    const queue = await harness.createQueue('partial', { VisibilityTimeout: '1' });
    await harness.mappings.map(accountId, 'partial', { queue: 'partial', reportBatchItemFailures: true });
    await harness.send(queue, ['ok-1', 'fail-once', 'ok-2']);
    await waitFor('the failed record to come back once', async () =>
      (await harness.printed('partial')).includes('fail-once 2'),
    );
    const printed = await harness.printed('partial');
    assert.deepEqual(
      printed.filter((line) => line.startsWith('ok-')),
      ['ok-1 1', 'ok-2 1'],
    );
    await harness.send(queue, ['malformed']);
    await waitFor('the malformed response to fail the batch', async () =>
      (await harness.printed('partial')).includes('malformed 2'),
    );
    const logs = await harness.logs('partial');
    assert.ok(logs.some((entry) => entry.outcome === 'partial'));
    assert.ok(
      logs.some((entry) => entry.outcome === 'error' && /Invalid partial batch response/.test(entry.text ?? '')),
    );
    await waitFor('the queue to drain', async () => {
      const counts = await harness.counts(queue);
      return counts.visible === 0 && counts.inFlight === 0;
    });
  });

  it('deletes messages that no filter matches without invoking the function', async () => {
    await harness.deploy(
      'filtered',
      'export const handler = async (event) => { for (const r of event.Records) console.log(r.body); };',
    );
    const queue = await harness.createQueue('filtered');
    await harness.mappings.map(accountId, 'filtered', {
      queue: 'filtered',
      filterPatterns: ['{"body":{"type":["order"]}}', '{"body":{"amount":[{"numeric":[">",100]}]}}'],
    });
    await harness.send(queue, [
      '{"type":"order","id":1}',
      '{"type":"refund","id":2}',
      '{"amount":500,"id":3}',
      'plain text',
    ]);
    await waitFor('the queue to drain', async () => {
      const counts = await harness.counts(queue);
      return counts.visible === 0 && counts.inFlight === 0;
    });
    const printed = await waitFor('both matching messages', async () => {
      const lines = await harness.printed('filtered');
      return lines.length === 2 && lines;
    });
    assert.deepEqual(printed.sort(), ['{"amount":500,"id":3}', '{"type":"order","id":1}']);
    const deletions = await waitFor('both deletions in the audit trail', async () => {
      const records = (await harness.auditRecords('sqs:DeleteMessageBatch')).filter(
        (r) => r.resource === harness.queueArn('filtered'),
      );
      const count = records.reduce((sum, r) => sum + (r.data?.messageIds?.length ?? 0), 0);
      return count === 4 && records;
    });
    const byReason = (why: string) =>
      deletions.filter((r) => r.details?.['why'] === why).reduce((sum, r) => sum + r.data!.messageIds!.length, 0);
    assert.equal(byReason('filtered'), 2, 'the two no filter matched');
    assert.equal(byReason('processed'), 2);
  });

  it('processes FIFO groups in order, one batch per group at a time', async () => {
    await harness.deploy(
      'ordered',
      `export const handler = async (event) => {
        const started = new Date().toISOString();
        await new Promise((resolve) => setTimeout(resolve, 30));
        const ended = new Date().toISOString();
        for (const r of event.Records) console.log(JSON.stringify({ group: r.attributes.MessageGroupId, body: r.body, started, ended }));
      };`,
    );
    const queue = await harness.createQueue('ordered.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    await assert.rejects(
      () => harness.mappings.map(accountId, 'ordered', { queue: 'ordered.fifo', batchSize: 11, batchWindowSec: 1 }),
      /Batch size on a FIFO queue must be a whole number from 1 to 10/,
    );
    await harness.mappings.map(accountId, 'ordered', { queue: 'ordered.fifo', batchSize: 2 });
    for (let i = 0; i < 12; i++) {
      await harness.send(queue, [`${i}`], { groupId: `g${i % 3}` });
    }
    const lines = await waitFor('all twelve messages', async () => {
      const printed = await harness.printed('ordered');
      return printed.length === 12 && printed;
    });
    const seen = lines.map(
      (line) => JSON.parse(line) as { group: string; body: string; started: string; ended: string },
    );
    for (const group of ['g0', 'g1', 'g2']) {
      const mine = seen.filter((entry) => entry.group === group).sort((a, b) => a.started.localeCompare(b.started));
      assert.deepEqual(
        mine.map((entry) => Number(entry.body)),
        [0, 1, 2, 3].map((n) => n * 3 + Number(group[1])),
        `group ${group} in order`,
      );
      for (let i = 1; i < mine.length; i++) {
        if (mine[i]!.started === mine[i - 1]!.started) continue; // the same batch
        assert.ok(mine[i]!.started >= mine[i - 1]!.ended, `group ${group}: one batch at a time`);
      }
    }
  });

  it('gathers batches over 10 within the batching window', async () => {
    await harness.deploy('windowed', 'export const handler = async (event) => { console.log(event.Records.length); };');
    const queue = await harness.createQueue('windowed');
    await assert.rejects(
      () => harness.mappings.map(accountId, 'windowed', { queue: 'windowed', batchSize: 50 }),
      /batch size over 10 needs a batch window of at least 1 second/,
    );
    // Two pollers: each gathers from several receives until the window closes.
    await harness.mappings.map(accountId, 'windowed', {
      queue: 'windowed',
      batchSize: 50,
      batchWindowSec: 2,
      maxConcurrency: 2,
    });
    await harness.send(
      queue,
      Array.from({ length: 50 }, (_, i) => `m${i}`),
    );
    const sizes = await waitFor('all fifty messages', async () => {
      const printed = (await harness.printed('windowed')).map(Number);
      return printed.reduce((sum, n) => sum + n, 0) === 50 && printed;
    });
    assert.ok(Math.max(...sizes) > 10, `one batch held more than one receive's 10 messages: ${sizes.join(', ')}`);
  });

  it('stops polling a disabled mapping and resumes when it is enabled again', async () => {
    await harness.deploy(
      'toggled',
      'export const handler = async (event) => { for (const r of event.Records) console.log(r.body); };',
    );
    const queue = await harness.createQueue('toggled');
    const { mapping } = await harness.mappings.map(accountId, 'toggled', { queue: 'toggled', isEnabled: false });
    assert.equal(mapping.state, 'Disabled');
    await harness.send(queue, ['waiting']);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.deepEqual(await harness.printed('toggled'), []);
    assert.equal((await harness.counts(queue)).visible, 1);
    await harness.mappings.setEnabled(accountId, mapping.uuid, true);
    await waitFor('the message once enabled', async () => (await harness.printed('toggled')).includes('waiting'));
    const changes = await harness.auditRecords('lambda:UpdateEventSourceMapping');
    assert.equal(changes.at(-1)?.details?.state, 'Enabled');
  });

  it('masks card numbers and secret environment values in invocation logs, and audits sandbox refusals', async () => {
    const deployed = await harness.deploy(
      'chatty',
      `import { readFileSync } from 'node:fs';
      export const handler = async (event) => {
        console.log('card', event.Records[0].body, 'password', process.env.DB_PASSWORD);
        try { readFileSync(process.env.FORBIDDEN); } catch (error) { console.log('refused', error.code); }
      };`,
      { environment: ['DB_PASSWORD=hunter2-hunter2', `FORBIDDEN=${harness.dir.path}/data/pciq.db`] },
    );
    assert.deepEqual(deployed.function.secretEnvironmentVariables, ['DB_PASSWORD']);
    const queue = await harness.createQueue('chatty');
    await harness.mappings.map(accountId, 'chatty', { queue: 'chatty' });
    await harness.send(queue, ['4111 1111 1111 1111']);
    const [line] = await waitFor('the log line', async () => {
      const printed = await harness.printed('chatty');
      return printed.length >= 2 && printed;
    });
    assert.equal(line, 'card 411111******1111 password [secret]');
    const logs = await harness.logs('chatty');
    assert.doesNotMatch(JSON.stringify(logs), /4111 1111 1111 1111|4111111111111111|hunter2/);
    const [denied] = await waitFor('the refusal in the audit trail', async () => {
      const records = await harness.auditRecords('lambda:SandboxAccessDenied');
      return records.length > 0 && records;
    });
    assert.equal(denied!.error, 'AccessDenied');
    assert.equal(denied!.details?.permission, 'FileSystemRead');
    assert.equal(denied!.details?.deniedResource, `${harness.dir.path}/data/pciq.db`);
    assert.equal(denied!.actor.principal, `arn:aws:sts::${accountId}:assumed-role/worker/chatty`);
  });

  it('counts invocations, errors, records and iterator age per function', async () => {
    await harness.runner.stop();
    await harness.runner.start();
    const metrics = await harness.observations.metrics(accountId, 'thrower', 0);
    assert.ok(metrics.totals.invocations >= 2);
    assert.equal(metrics.totals.errors, metrics.totals.invocations);
    assert.ok(metrics.totals.records >= 4);
    const shape = await harness.observations.metrics(accountId, 'shape', 0);
    assert.equal(shape.totals.invocations, 1);
    assert.equal(shape.totals.errors, 0);
    assert.equal(shape.totals.records, 1);
    assert.ok(shape.totals.maxIteratorAgeMs >= 0);
  });

  it('refuses a queue whose visibility timeout is shorter than the function timeout, as Lambda does', async () => {
    await harness.deploy('slow', 'export const handler = async () => {};', { timeoutSec: 60 });
    await harness.createQueue('quick', { VisibilityTimeout: '30' });
    await assert.rejects(
      () => harness.mappings.map(accountId, 'slow', { queue: 'quick' }),
      /Queue visibility timeout: 30 seconds is less than the function timeout: 60 seconds/,
    );
    await assert.rejects(
      () => harness.mappings.map(accountId, 'slow', { queue: 'missing' }),
      /The specified queue does not exist/,
    );
  });

  it('refuses a timeout longer than the visibility timeout of a queue the function is mapped to', async () => {
    await harness.deploy('growing', 'export const handler = async () => {};', { timeoutSec: 10 });
    await harness.createQueue('bounded', { VisibilityTimeout: '30' });
    await harness.mappings.map(accountId, 'growing', { queue: 'bounded' });
    await assert.rejects(
      () => harness.functions.update(accountId, 'growing', { timeoutSec: 60 }),
      /Queue visibility timeout: 30 seconds is less than the function timeout: 60 seconds \(arn:aws:sqs:us-east-1:123456789012:bounded\)/,
    );
    assert.equal((await harness.functions.get(accountId, 'growing')).timeoutSec, 10);
    assert.equal((await harness.functions.update(accountId, 'growing', { timeoutSec: 30 })).function.timeoutSec, 30);
  });
});
