import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { caller, QueueHarness } from '../support/queue-harness.ts';

describe('queue management', () => {
  let h: QueueHarness;
  beforeEach(() => {
    h = new QueueHarness();
  });
  afterEach(() => h.close());

  it('creates a queue with defaults and reports every attribute clients read', async () => {
    await h.createQueue('defaults');
    const attributes = await h.service.getQueueAttributes({ accountId: caller.accountId, name: 'defaults' }, ['All']);
    const createdSec = String(Math.floor(h.clock.now() / 1000));
    assert.deepEqual(attributes, {
      VisibilityTimeout: '30',
      MaximumMessageSize: '1048576',
      MessageRetentionPeriod: '345600',
      DelaySeconds: '0',
      ReceiveMessageWaitTimeSeconds: '0',
      SqsManagedSseEnabled: 'true',
      QueueArn: `arn:aws:sqs:us-east-1:${caller.accountId}:defaults`,
      CreatedTimestamp: createdSec,
      LastModifiedTimestamp: createdSec,
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
    });
  });

  it('reports FIFO attributes for FIFO queues only', async () => {
    const fifo = await h.createQueue('f.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    const attributes = await h.service.getQueueAttributes(fifo, [
      'FifoQueue',
      'ContentBasedDeduplication',
      'DeduplicationScope',
      'FifoThroughputLimit',
    ]);
    assert.deepEqual(attributes, {
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
      DeduplicationScope: 'queue',
      FifoThroughputLimit: 'perQueue',
    });
    await assert.rejects(h.createQueue('standard', { ContentBasedDeduplication: 'true' }), {
      code: 'InvalidAttributeName',
    });
    await assert.rejects(h.createQueue('not-fifo', { FifoQueue: 'true' }), { code: 'InvalidParameterValue' });
  });

  it('returns the existing queue for an identical CreateQueue and refuses a different one', async () => {
    const first = await h.service.createQueue(caller, {
      name: 'same',
      attributes: { VisibilityTimeout: '45' },
      tags: {},
    });
    assert.equal(
      await h.service.createQueue(caller, { name: 'same', attributes: { VisibilityTimeout: '45' }, tags: {} }),
      first,
    );
    assert.equal(await h.service.createQueue(caller, { name: 'same', attributes: {}, tags: {} }), first);
    await assert.rejects(
      h.service.createQueue(caller, { name: 'same', attributes: { VisibilityTimeout: '46' }, tags: {} }),
      {
        code: 'QueueNameExists',
      },
    );
    // SQS names the attribute that differs, not every one asked for.
    await assert.rejects(
      h.service.createQueue(caller, {
        name: 'same',
        attributes: { VisibilityTimeout: '45', DelaySeconds: '5' },
        tags: {},
      }),
      {
        code: 'QueueNameExists',
        message: 'A queue already exists with the same name and a different value for attribute DelaySeconds',
      },
    );
  });

  it('validates queue names', async () => {
    for (const name of ['', 'a'.repeat(81), 'has space', 'dot.name', 'x.fifo.fifo', '.fifo']) {
      await assert.rejects(h.createQueue(name), { code: 'InvalidParameterValue' }, name);
    }
    await h.createQueue('a'.repeat(80));
    await h.createQueue(`${'b'.repeat(75)}.fifo`, { FifoQueue: 'true' });
    for (const name of [`${'c'.repeat(76)}.fifo`, 'x.fifo.fifo', '.fifo', 'no-suffix']) {
      await assert.rejects(h.createQueue(name, { FifoQueue: 'true' }), { code: 'InvalidParameterValue' }, name);
    }
  });

  it('validates attribute values and names', async () => {
    const invalid: Array<[Record<string, string>, string]> = [
      [{ VisibilityTimeout: '43201' }, 'InvalidAttributeValue'],
      [{ DelaySeconds: '-1' }, 'InvalidAttributeValue'],
      [{ MessageRetentionPeriod: '59' }, 'InvalidAttributeValue'],
      [{ MaximumMessageSize: '1048577' }, 'InvalidAttributeValue'],
      [{ ReceiveMessageWaitTimeSeconds: '21' }, 'InvalidAttributeValue'],
      [{ KmsDataKeyReusePeriodSeconds: '59' }, 'InvalidAttributeValue'],
      [{ VisibilityTimeout: 'ten' }, 'InvalidAttributeValue'],
      [{ Policy: 'not json' }, 'InvalidAttributeValue'],
      [{ NoSuchAttribute: '1' }, 'InvalidAttributeName'],
      [{ QueueArn: 'arn:x' }, 'InvalidAttributeName'],
    ];
    for (const [attributes, code] of invalid)
      await assert.rejects(h.createQueue('v', attributes), { code }, JSON.stringify(attributes));
  });

  it('changes attributes and moves LastModifiedTimestamp', async () => {
    const q = await h.createQueue('change');
    h.clock.advance(5_000);
    await h.service.setQueueAttributes(q, { VisibilityTimeout: '5', DelaySeconds: '1' });
    const attributes = await h.service.getQueueAttributes(q, [
      'VisibilityTimeout',
      'DelaySeconds',
      'LastModifiedTimestamp',
      'CreatedTimestamp',
    ]);
    assert.equal(attributes['VisibilityTimeout'], '5');
    assert.equal(attributes['DelaySeconds'], '1');
    assert.equal(Number(attributes['LastModifiedTimestamp']) - Number(attributes['CreatedTimestamp']), 5);
    await assert.rejects(h.service.setQueueAttributes(q, { FifoQueue: 'true' }), { code: 'InvalidAttributeName' });
    await assert.rejects(h.service.getQueueAttributes(q, ['Bogus']), { code: 'InvalidAttributeName' });
  });

  it('lets SetQueueAttributes restate FifoQueue=true on a FIFO queue, and refuses a change of type', async () => {
    const q = await h.createQueue('restated.fifo', { FifoQueue: 'true' });
    await h.service.setQueueAttributes(q, { FifoQueue: 'true', VisibilityTimeout: '7' });
    assert.equal((await h.service.getQueueAttributes(q, ['VisibilityTimeout']))['VisibilityTimeout'], '7');
    await assert.rejects(h.service.setQueueAttributes(q, { FifoQueue: 'false' }), {
      code: 'InvalidAttributeValue',
      message: 'Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.',
    });
  });

  it('keeps every queue encrypted: SQS-managed by default, a customer key instead, never none', async () => {
    const q = await h.createQueue('sse');
    await assert.rejects(h.service.setQueueAttributes(q, { SqsManagedSseEnabled: 'false' }), {
      code: 'InvalidAttributeValue',
    });
    await h.service.setQueueAttributes(q, { KmsMasterKeyId: 'alias/payments' });
    const withKey = await h.service.getQueueAttributes(q, [
      'SqsManagedSseEnabled',
      'KmsMasterKeyId',
      'KmsDataKeyReusePeriodSeconds',
    ]);
    assert.deepEqual(withKey, {
      SqsManagedSseEnabled: 'false',
      KmsMasterKeyId: 'alias/payments',
      KmsDataKeyReusePeriodSeconds: '300',
    });
    await h.service.setQueueAttributes(q, { KmsMasterKeyId: '' });
    assert.deepEqual(await h.service.getQueueAttributes(q, ['SqsManagedSseEnabled']), { SqsManagedSseEnabled: 'true' });
  });

  it('lists queues by prefix with pagination', async () => {
    for (const name of ['pay-1', 'pay-2', 'pay-3', 'refund-1']) await h.createQueue(name);
    const url = (name: string) => `https://127.0.0.1:9324/${caller.accountId}/${name}`;
    const first = await h.service.listQueues(caller, { prefix: 'pay', maxResults: 2 });
    assert.deepEqual(first.items, [url('pay-1'), url('pay-2')]);
    assert.ok(first.nextToken);
    const second = await h.service.listQueues(caller, { prefix: 'pay', maxResults: 2, nextToken: first.nextToken });
    assert.deepEqual(second, { items: [url('pay-3')], nextToken: undefined });
    assert.equal((await h.service.listQueues(caller, {})).items.length, 4);
    assert.equal((await h.service.listQueues(caller, {})).nextToken, undefined, 'no token without MaxResults');
    await assert.rejects(h.service.listQueues(caller, { maxResults: 1001 }), { code: 'InvalidParameterValue' });
  });

  it('tags, untags and lists tags, with SQS limits', async () => {
    const q = await h.createQueue('tagged');
    await h.service.tagQueue(q, { team: 'payments', env: 'prod' });
    await h.service.untagQueue(q, ['env']);
    assert.deepEqual(await h.service.listQueueTags(q), { team: 'payments' });
    await assert.rejects(h.service.tagQueue(q, { 'aws:reserved': 'x' }), { code: 'InvalidParameterValue' });
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    await assert.rejects(h.service.tagQueue(q, many), { code: 'InvalidParameterValue' });
  });

  it('purges at most once a minute and keeps messages sent after the purge', async () => {
    const q = await h.createQueue('purge');
    await h.send(q, 'old');
    await h.service.purgeQueue(q);
    await assert.rejects(h.service.purgeQueue(q), { code: 'PurgeQueueInProgress' });
    h.clock.advance(1);
    await h.send(q, 'new');
    assert.deepEqual(await h.bodies(q), ['new']);
    h.clock.advance(60_000);
    await h.service.purgeQueue(q);
  });

  it('deletes a queue, and its name stays taken for 60 seconds', async () => {
    const q = await h.createQueue('short-lived');
    await h.send(q, 'm');
    await h.service.deleteQueue(q);
    await assert.rejects(h.service.getQueueUrl(caller, 'short-lived'), { code: 'QueueDoesNotExist' });
    await assert.rejects(h.createQueue('short-lived'), { code: 'QueueDeletedRecently' });
    h.clock.advance(60_000);
    await h.createQueue('short-lived');
    assert.deepEqual(await h.bodies(q), [], 'the new queue starts empty');
  });
});
