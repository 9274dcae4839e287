import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { SendEntry } from '../../src/queues/index.ts';
import { caller, QueueHarness } from '../support/queue-harness.ts';

const entry = (id: string, body: string, extra: Partial<SendEntry> = {}): SendEntry => ({
  id,
  body,
  attributes: {},
  systemAttributes: {},
  ...extra,
});

describe('sending and receiving messages', () => {
  let h: QueueHarness;
  beforeEach(() => {
    h = new QueueHarness();
  });
  afterEach(() => h.close());

  it('returns the checksums SDKs verify, and the attributes asked for', async () => {
    const q = await h.createQueue('attrs');
    const sent = await h.send(q, 'hello', {
      attributes: {
        city: { dataType: 'String', stringValue: 'Zürich' },
        'app.trace': { dataType: 'String', stringValue: 't-1' },
        amount: { dataType: 'Number', stringValue: '12.50' },
      },
      systemAttributes: {
        AWSTraceHeader: { dataType: 'String', stringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793' },
      },
    });
    assert.equal(sent.md5OfBody, '5d41402abc4b2a76b9719d911017c592');
    assert.ok(sent.md5OfMessageAttributes && sent.md5OfSystemAttributes);
    const [all] = await h.receive(q, { visibilityTimeoutSec: 0 });
    assert.equal(all?.md5OfMessageAttributes, sent.md5OfMessageAttributes);
    assert.equal(all?.attributes['AWSTraceHeader'], 'Root=1-5759e988-bd862e3fe1be46a994272793');
    assert.equal(all?.attributes['SenderId'], caller.senderId);
    const [some] = await h.receive(q, {
      visibilityTimeoutSec: 0,
      messageAttributeNames: ['app.*', 'amount'],
      systemAttributeNames: ['SentTimestamp'],
    });
    assert.deepEqual(Object.keys(some!.messageAttributes).sort(), ['amount', 'app.trace']);
    assert.deepEqual(Object.keys(some!.attributes), ['SentTimestamp']);
    assert.notEqual(some?.md5OfMessageAttributes, sent.md5OfMessageAttributes, 'the checksum covers what is returned');
    // As on SQS, `prefix.*` matches names that start with the prefix, dotted or not; `*` means all.
    const [family] = await h.receive(q, { visibilityTimeoutSec: 0, messageAttributeNames: ['ap.*', 'ci.*'] });
    assert.deepEqual(Object.keys(family!.messageAttributes).sort(), ['app.trace', 'city']);
    const [star] = await h.receive(q, { visibilityTimeoutSec: 0, messageAttributeNames: ['*'] });
    assert.deepEqual(Object.keys(star!.messageAttributes).sort(), ['amount', 'app.trace', 'city']);
    const [none] = await h.receive(q, { visibilityTimeoutSec: 0, messageAttributeNames: [], systemAttributeNames: [] });
    assert.deepEqual([none?.messageAttributes, none?.attributes, none?.md5OfMessageAttributes], [{}, {}, undefined]);
  });

  it('round-trips binary attributes and every allowed character', async () => {
    const q = await h.createQueue('chars');
    const body = 'tab\t nl\n cr\r é 中 😀 \u{10FFFF}';
    await h.send(q, body, { attributes: { blob: { dataType: 'Binary', binaryValue: Uint8Array.from([0, 255, 7]) } } });
    const [message] = await h.receive(q);
    assert.equal(message?.body, body);
    assert.deepEqual([...(message?.messageAttributes['blob']?.binaryValue ?? [])], [0, 255, 7]);
  });

  it('refuses bodies with characters SQS does not allow, and empty bodies', async () => {
    const q = await h.createQueue('bad-chars');
    await assert.rejects(h.send(q, 'nul\u0000'), /InvalidMessageContents/);
    await assert.rejects(h.send(q, 'lone \uD800 surrogate'), /InvalidMessageContents/);
    await assert.rejects(h.send(q, ''), /InvalidParameterValue/);
  });

  it('refuses a message larger than the queue MaximumMessageSize, counting attributes', async () => {
    const q = await h.createQueue('small', { MaximumMessageSize: '1024' });
    await h.send(q, 'x'.repeat(1024));
    await assert.rejects(h.send(q, 'x'.repeat(1025)), /InvalidParameterValue/);
    await assert.rejects(
      h.send(q, 'x'.repeat(1000), { attributes: { big: { dataType: 'String', stringValue: 'y'.repeat(30) } } }),
      /InvalidParameterValue/,
    );
  });

  it('validates message attributes as SQS does', async () => {
    const q = await h.createQueue('attr-rules');
    const bad: Array<SendEntry['attributes']> = [
      { 'AWS.reserved': { dataType: 'String', stringValue: 'x' } },
      { 'two..dots': { dataType: 'String', stringValue: 'x' } },
      { '.leading': { dataType: 'String', stringValue: 'x' } },
      { empty: { dataType: 'String', stringValue: '' } },
      { notNumber: { dataType: 'Number', stringValue: '12abc' } },
      { wrongType: { dataType: 'Decimal', stringValue: '1' } },
      { noBinary: { dataType: 'Binary' } },
      Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, { dataType: 'String', stringValue: 'x' }])),
    ];
    for (const attributes of bad)
      await assert.rejects(
        h.send(q, 'm', { attributes }),
        /InvalidParameterValue/,
        JSON.stringify(Object.keys(attributes)),
      );
    await h.send(q, 'm', { attributes: { 'ok.name-1_x': { dataType: 'Number.cents', stringValue: '-1.5e3' } } });
  });

  it('applies per-message and per-queue delays', async () => {
    const q = await h.createQueue('delays', { DelaySeconds: '10' });
    await h.send(q, 'queue-delay');
    await h.send(q, 'own-delay', { delaySeconds: 3 });
    await h.send(q, 'no-delay', { delaySeconds: 0 });
    assert.deepEqual(await h.bodies(q, { visibilityTimeoutSec: 0 }), ['no-delay']);
    const counts = await h.service.getQueueAttributes(q, ['ApproximateNumberOfMessagesDelayed']);
    assert.equal(counts['ApproximateNumberOfMessagesDelayed'], '2');
    h.clock.advance(3_000);
    assert.deepEqual((await h.bodies(q, { visibilityTimeoutSec: 0 })).sort(), ['no-delay', 'own-delay']);
    h.clock.advance(7_000);
    assert.equal((await h.bodies(q, { visibilityTimeoutSec: 0 })).length, 3);
  });

  it('expires messages after the retention period and sweeps them away', async () => {
    const q = await h.createQueue('retention', { MessageRetentionPeriod: '60' });
    await h.send(q, 'short-lived');
    h.clock.advance(59_999);
    assert.deepEqual(await h.bodies(q, { visibilityTimeoutSec: 0 }), ['short-lived']);
    h.clock.advance(1);
    assert.deepEqual(await h.bodies(q), []);
    assert.ok((await h.service.sweepExpired()) >= 1);
    const queue = await h.store.read((tx) => tx.getQueueByName(q.accountId, q.name));
    assert.equal((await h.store.write((tx) => tx.scanInOrder(queue!.id, 0, 10))).length, 0);
  });

  it('sends a batch with per-entry failures and rejects malformed batches whole', async () => {
    const q = await h.createQueue('batch');
    const outcomes = await h.service.sendMessages(
      caller,
      q,
      [entry('a', 'ok'), entry('b', ''), entry('c', 'fine')],
      true,
    );
    assert.deepEqual(
      outcomes.map((o) => [o.id, o.ok]),
      [
        ['a', true],
        ['b', false],
        ['c', true],
      ],
    );
    assert.equal(outcomes[1]?.ok === false && outcomes[1].code, 'InvalidParameterValue');
    const reject = (entries: SendEntry[], code: string) =>
      assert.rejects(h.service.sendMessages(caller, q, entries, true), { code });
    await reject([], 'EmptyBatchRequest');
    await reject(
      Array.from({ length: 11 }, (_, i) => entry(`e${i}`, 'm')),
      'TooManyEntriesInBatchRequest',
    );
    await reject([entry('same', 'm'), entry('same', 'n')], 'BatchEntryIdsNotDistinct');
    await reject([entry('bad id!', 'm')], 'InvalidBatchEntryId');
    await reject([entry('x', 'a'.repeat(600_000)), entry('y', 'b'.repeat(600_000))], 'BatchRequestTooLong');
    assert.deepEqual((await h.bodies(q)).sort(), ['fine', 'ok']);
  });

  it('deletes a batch and reports bad handles per entry', async () => {
    const q = await h.createQueue('delete-batch');
    await h.send(q, 'a');
    await h.send(q, 'b');
    const received = await h.receive(q);
    const outcomes = await h.service.deleteMessageBatch(q, [
      ...received.map((m, i) => ({ id: `m${i}`, receiptHandle: m.receiptHandle })),
      { id: 'bad', receiptHandle: 'junk' },
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.ok),
      [true, true, false],
    );
    h.clock.advance(60_000);
    assert.deepEqual(await h.bodies(q), []);
  });

  it('fails sends and receives on a queue that does not exist', async () => {
    const missing = { accountId: caller.accountId, name: 'missing' };
    await assert.rejects(h.send(missing, 'm'), { code: 'QueueDoesNotExist' });
    await assert.rejects(h.receive(missing), { code: 'QueueDoesNotExist' });
  });

  it('validates receive parameters', async () => {
    const q = await h.createQueue('receive-params');
    await assert.rejects(h.receive(q, { maxMessages: 11 }), { code: 'InvalidParameterValue' });
    await assert.rejects(h.receive(q, { maxMessages: 0 }), { code: 'InvalidParameterValue' });
    await assert.rejects(h.receive(q, { waitTimeSec: 21 }), { code: 'InvalidParameterValue' });
    await assert.rejects(h.receive(q, { visibilityTimeoutSec: 43_201 }), { code: 'InvalidParameterValue' });
  });
});
