import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { AuditHarness, caller } from '../support/audit-harness.ts';
import { settle } from '../support/queue-harness.ts';

describe('one audit record per request, committed with its effect', () => {
  let h: AuditHarness;
  before(async () => {
    h = await new AuditHarness().open();
  });
  after(() => h.close());

  it('records a send with the PCI DSS 10.2.2 fields and the ids of the messages it stored', async () => {
    const queue = await h.createQueue('orders');
    const { requestId, result } = await h.request(
      'sqs:SendMessageBatch',
      () =>
        h.queues.sendMessages(
          caller,
          queue,
          ['one', 'two'].map((body, i) => ({ id: `e${i}`, body, attributes: {}, systemAttributes: {} })),
          true,
        ),
      { resource: 'arn:aws:sqs:us-east-1:123456789012:orders' },
    );
    const [record, ...more] = await h.recordsOf(requestId);
    assert.deepEqual(more, [], 'exactly one record');
    assert.equal(record?.kind, 'request');
    assert.equal(record?.type, 'sqs:SendMessageBatch');
    assert.equal(record?.category, 'data');
    assert.equal(record?.outcome, 'success');
    assert.equal(record?.error, null);
    assert.equal(record?.time, new Date(h.clock.now()).toISOString());
    assert.equal(record?.clock, 'ntp:time.test');
    assert.deepEqual(record?.actor, {
      principal: caller.principalArn,
      accessKeyId: caller.accessKeyId,
      accountId: caller.accountId,
    });
    assert.deepEqual(record?.origin, {
      ip: '192.0.2.10',
      userAgent: 'test-agent/1.0',
      tls: 'TLSv1.3',
      clientCertificate: null,
      node: 'node-1',
    });
    assert.equal(record?.resource, 'arn:aws:sqs:us-east-1:123456789012:orders');
    const ids = (result ?? []).map((outcome) => (outcome.ok ? outcome.value.messageId : ''));
    assert.deepEqual(record?.data, { messageIds: ids });
  });

  it('names the messages a receive claimed and a delete removed', async () => {
    const queue = await h.createQueue('receipts');
    await h.request('sqs:SendMessage', () =>
      h.queues.sendMessages(caller, queue, [{ id: 'a', body: 'x', attributes: {}, systemAttributes: {} }], false),
    );
    const received = await h.request('sqs:ReceiveMessage', () =>
      h.queues.receiveMessages(queue, { maxMessages: 10, systemAttributeNames: [], messageAttributeNames: [] }),
    );
    const [message] = received.result ?? [];
    const [receiveRecord] = await h.recordsOf(received.requestId);
    assert.deepEqual(receiveRecord?.data, { messageIds: [message!.messageId] });
    const deleted = await h.request('sqs:DeleteMessage', () => h.queues.deleteMessage(queue, message!.receiptHandle));
    const [deleteRecord] = await h.recordsOf(deleted.requestId);
    assert.deepEqual(deleteRecord?.data, { messageIds: [message!.messageId] });
    assert.ok(!JSON.stringify(deleteRecord).includes(message!.receiptHandle), 'never the receipt handle');
  });

  it('writes the record of a read, or of a unit that changed nothing, once the request is over', async () => {
    const queue = await h.createQueue('quiet');
    const read = await h.request('sqs:GetQueueAttributes', () => h.queues.getQueueAttributes(queue, ['All']), {
      category: 'management',
    });
    assert.equal((await h.recordsOf(read.requestId)).length, 1);
    const empty = await h.request('sqs:ReceiveMessage', () =>
      h.queues.receiveMessages(queue, { systemAttributeNames: [], messageAttributeNames: [] }),
    );
    const [record] = await h.recordsOf(empty.requestId);
    assert.equal(record?.outcome, 'success');
    assert.equal(record?.data, null);
  });

  it('records a failure with its error code, and never the error message', async () => {
    const { requestId, error } = await h.request('sqs:SendMessage', () =>
      h.queues.sendMessages(
        caller,
        { accountId: caller.accountId, name: 'missing-4111111111111111' },
        [{ id: 'a', body: 'x', attributes: {}, systemAttributes: {} }],
        false,
      ),
    );
    assert.ok(error);
    const [record, ...more] = await h.recordsOf(requestId);
    assert.deepEqual(more, []);
    assert.equal(record?.outcome, 'failure');
    assert.equal(record?.error, 'QueueDoesNotExist');
  });

  it('keeps a digest the writer names whole, and masks card numbers everywhere else, digest keys included', async () => {
    const digest = 'a0f1234567890123456789bcde0123456789abcdef0123456789abcdef012345';
    await h.trail.record({
      ...h.trail.systemDraft('compliance:Remediate', 'management', 'success', {
        beforeDigest: digest,
        afterDigest: `g4111111111111111${'0'.repeat(47)}`,
        reason: 'card 4111111111111111',
        other: digest,
      }),
      digestKeys: ['beforeDigest', 'afterDigest'],
    });
    const record = (await h.allRecords()).at(-1) as { details: Record<string, string> };
    assert.equal(record.details.beforeDigest, digest);
    // Not hex: the name alone does not exempt it.
    assert.equal(record.details.afterDigest, 'g[digits removed]');
    assert.equal(record.details.reason, 'card [digits removed]');
    assert.equal(record.details.other, 'a0f[digits removed]bcde0123456789abcdef0123456789abcdef012345');
  });

  it('keeps one record for a long poll that looked several times before a message came', async () => {
    const queue = await h.createQueue('polled');
    const polling = h.request('sqs:ReceiveMessage', () =>
      h.queues.receiveMessages(queue, { waitTimeSec: 20, systemAttributeNames: [], messageAttributeNames: [] }),
    );
    await settle(10);
    h.clock.advance(5_000);
    await settle(10);
    await h.request('sqs:SendMessage', () =>
      h.queues.sendMessages(caller, queue, [{ id: 'a', body: 'late', attributes: {}, systemAttributes: {} }], false),
    );
    const { requestId, result } = await polling;
    assert.equal(result?.length, 1);
    const records = await h.recordsOf(requestId);
    assert.equal(records.length, 1);
    assert.deepEqual(records[0]?.data, { messageIds: [result![0]!.messageId] });
  });

  it('rolls a unit back with its record: an effect that fails leaves neither effect nor success record', async () => {
    const queue = await h.createQueue('rollback');
    const { requestId, error } = await h.request('sqs:SendMessage', () =>
      h.audited.write(async (tx) => {
        await tx.insertMessage({
          queueId: (await tx.getQueueByName(queue.accountId, queue.name))!.id,
          messageId: 'doomed',
          payload: Buffer.from('x'),
          groupKey: null,
          sentAtMs: 0,
          visibleAtMs: 0,
          expiresAtMs: 1,
          receiveCount: 0,
          firstReceivedAtMs: null,
          lastReceivedAtMs: null,
          receiptNonce: null,
          sizeBytes: 1,
        });
        throw new Error('fails after its effect');
      }),
    );
    assert.ok(error);
    const [record, ...more] = await h.recordsOf(requestId);
    assert.deepEqual(more, []);
    assert.equal(record?.outcome, 'failure');
    assert.equal(record?.error, 'InternalFailure');
    assert.equal(record?.data, null);
  });

  it('commits the record in the same transaction as the effect, even among concurrent requests', async () => {
    const queue = await h.createQueue('concurrent');
    const requests = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.request('sqs:SendMessage', () =>
          h.queues.sendMessages(
            caller,
            queue,
            [{ id: 'a', body: `body ${i}`, attributes: {}, systemAttributes: {} }],
            false,
          ),
        ),
      ),
    );
    for (const { requestId } of requests) assert.equal((await h.recordsOf(requestId)).length, 1);
    // Each record's body names the message its request stored: the record and the effect are one commit.
    const db = new DatabaseSync(h.databasePath, { readOnly: true });
    const ids = db.prepare('SELECT message_id FROM messages').all() as Array<{ message_id: string }>;
    const recorded = new Set(
      (db.prepare('SELECT body FROM audit_records').all() as Array<{ body: string }>).flatMap(
        (row) => (JSON.parse(row.body).data?.messageIds as string[] | undefined) ?? [],
      ),
    );
    db.close();
    for (const { message_id } of ids) assert.ok(recorded.has(message_id), `message ${message_id} has its record`);
    const records = await h.allRecords();
    assert.deepEqual(
      records.map((record) => record.seq),
      records.map((_, index) => index),
    );
  });

  it('records events other modules report inside a request, linked to it, and outside one as pciq', async () => {
    const { requestId } = await h.request(
      'kms:DisableKey',
      () =>
        h.audited.write((tx) =>
          h.events.record(tx, {
            type: 'kms:DisableKey',
            outcome: 'success',
            resource: 'arn:aws:kms:us-east-1:123456789012:key/k1',
          }),
        ),
      { category: 'management' },
    );
    const records = await h.recordsOf(requestId);
    assert.deepEqual(
      records.map((record) => [record.kind, record.type, record.actor.principal]),
      [
        ['event', 'kms:DisableKey', caller.principalArn],
        ['request', 'kms:DisableKey', caller.principalArn],
      ],
    );
    await h.store.write((tx) => h.events.record(tx, { type: 'kms:RotateKey', outcome: 'success' }));
    const rotated = (await h.allRecords()).at(-1);
    assert.equal(rotated.type, 'kms:RotateKey');
    assert.equal(rotated.category, 'key');
    assert.equal(rotated.actor.principal, 'pciq');
    assert.equal(rotated.requestId, null);
  });

  it("hands the trail's readers the events of a request's unit once it commits, and none of a unit that failed", async () => {
    h.trail.takeCommitted();
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/k2';
    const { requestId } = await h.request(
      'kms:EnableKey',
      () =>
        h.audited.write((tx) => h.events.record(tx, { type: 'kms:EnableKey', outcome: 'success', resource: keyArn })),
      { category: 'management' },
    );
    const stored = await h.recordsOf(requestId);
    const handed = h.trail.takeCommitted().map((appended) => appended.record);
    assert.deepEqual(
      handed.map((record) => [record.seq, record.kind, record.type]).sort(),
      stored.map((record) => [record.seq, record.kind, record.type]).sort(),
      'the reviewer gets the event and the request record from memory, as stored',
    );
    const failed = await h.request(
      'kms:DisableKey',
      () =>
        h.audited.write(async (tx) => {
          await h.events.record(tx, { type: 'kms:DisableKey', outcome: 'success', resource: keyArn });
          throw new Error('the unit fails after recording');
        }),
      { category: 'management' },
    );
    assert.ok(failed.error);
    const events = (await h.allRecords()).filter((record) => record.kind === 'event' && record.resource === keyArn);
    assert.deepEqual(
      events.map((record) => record.type),
      ['kms:EnableKey'],
      'the rolled-back event is not stored',
    );
    const handedAfterFailure = h.trail.takeCommitted().map((appended) => [appended.record.kind, appended.record.type]);
    assert.deepEqual(handedAfterFailure, [['request', 'kms:DisableKey']], "only the request's record of its failure");
  });

  it('names a key whose id has 13 digits in a row as it is, and still masks card numbers in resources', async () => {
    // One random UUID in about 45 holds a run of 13 digits (dashes between them included), like this one.
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/d1234567-8901-4234-8678-f2a64b13d212';
    const cardQueue = 'arn:aws:sqs:us-east-1:123456789012:4111-1111-1111-1111';
    await h.store.write(async (tx) => {
      await h.events.record(tx, { type: 'kms:KeyDisabled', outcome: 'success', resource: keyArn });
      await h.events.record(tx, { type: 'sqs:CreateQueue', outcome: 'success', resource: cardQueue });
    });
    const [disabled, created] = (await h.allRecords()).slice(-2);
    assert.equal(disabled.resource, keyArn, 'the record says which key (PCI DSS 10.2.2)');
    assert.equal(created.resource, 'arn:aws:sqs:us-east-1:123456789012:[digits removed]');
  });

  it('masks card numbers grouped with slashes or underscores in resources and details, not dates or paths', async () => {
    await h.store.write(async (tx) => {
      await h.events.record(tx, {
        type: 'sqs:CreateQueue',
        outcome: 'failure',
        error: 'InvalidParameterValue',
        resource: 'arn:aws:sqs:us-east-1:123456789012:card_4111_1111_1111_1111',
        details: { path: '/v1/cards/4111/1111/1111/1111', date: '2024/11/30', ref: 'order_4111_1111' },
      });
    });
    const [refused] = (await h.allRecords()).slice(-1);
    assert.equal(refused.resource, 'arn:aws:sqs:us-east-1:123456789012:card_[digits removed]');
    assert.deepEqual(refused.details, {
      path: '/v1/cards/[digits removed]',
      date: '2024/11/30',
      ref: 'order_4111_1111',
    });
  });

  it('masks card numbers grouped with URL-encoded or HTML spaces in resources and details, not URLs', async () => {
    await h.store.write(async (tx) => {
      await h.events.record(tx, {
        type: 'sqs:CreateQueue',
        outcome: 'failure',
        error: 'InvalidParameterValue',
        resource: 'arn:aws:sqs:us-east-1:123456789012:card-4111%201111%201111%201111',
        details: {
          path: '/v1/cards/4111%2D1111%2D1111%2D1111',
          label: 'Card:&nbsp;3782&#160;822463&#160;10005',
          query: '/search?q=room%20101%20floor%203',
        },
      });
    });
    const [refused] = (await h.allRecords()).slice(-1);
    assert.equal(refused.resource, 'arn:aws:sqs:us-east-1:123456789012:card-[digits removed]');
    assert.deepEqual(refused.details, {
      path: '/v1/cards/[digits removed]',
      label: 'Card:&nbsp;[digits removed]',
      query: '/search?q=room%20101%20floor%203',
    });
  });

  it('drops SAD phrases from the text a client chose, as error messages do', async () => {
    await h.store.write(async (tx) => {
      await h.events.record(tx, {
        type: 'sqs:CreateQueue',
        outcome: 'failure',
        error: 'InvalidParameterValue',
        resource: 'arn:aws:sqs:us-east-1:123456789012:orders-cvv-731',
        details: {
          reason: 'customer said the security code is 4821',
          label: 'pin block 041234FFFFFFFFFF',
          note: 'ＣＶＶ： ５９０',
          card: '4111 – 1111 – 1111 – 1111',
        },
      });
      await h.events.record(tx, { type: 'sqs:CreateQueue', outcome: 'success', resource: 'orders-pinned-2026' });
    });
    const [refused, created] = (await h.allRecords()).slice(-2);
    // Everything but the chain's hash and the clock readings, whose random hex and digits may hold the strings.
    const { prev: _prev, time: _time, ...chosen } = refused!;
    const written = JSON.stringify(chosen);
    for (const sad of ['731', '4821', '041234FFFFFFFFFF', '５９０', '1111']) {
      assert.ok(!written.includes(sad), `${sad} in ${written}`);
    }
    assert.match(refused.resource!, /^arn:aws:sqs:us-east-1:123456789012:orders-\[card data removed\]$/);
    assert.equal(created.resource, 'orders-pinned-2026', 'names that only hold a stem stay as they are');
  });
});
