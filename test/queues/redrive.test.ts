import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { KeyAdmin } from '../../src/keys/index.ts';
import { caller, QueueHarness } from '../support/queue-harness.ts';

describe('dead-letter queues and redrive', () => {
  let h: QueueHarness;
  beforeEach(() => {
    h = new QueueHarness();
  });
  afterEach(() => h.close());

  async function withDlq(maxReceiveCount: number, dlqAttributes: Record<string, string> = {}) {
    const dlq = await h.createQueue('orders-dlq', dlqAttributes);
    const source = await h.createQueue('orders', {
      VisibilityTimeout: '10',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: h.arnOf(dlq), maxReceiveCount: String(maxReceiveCount) }),
    });
    return { dlq, source };
  }

  it('moves a message to the dead-letter queue once it was received maxReceiveCount times', async () => {
    const { dlq, source } = await withDlq(2);
    await h.send(source, 'poison');
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await h.bodies(source), ['poison']);
      h.clock.advance(10_000);
    }
    assert.deepEqual(await h.bodies(source), [], 'the third receive finds it gone');
    const [dead] = await h.receive(dlq);
    assert.equal(dead?.body, 'poison');
    assert.equal(dead?.attributes['DeadLetterQueueSourceArn'], h.arnOf(source));
  });

  it('normalizes the RedrivePolicy and lists the dead-letter source queues', async () => {
    const { dlq } = await withDlq(3);
    const attributes = await h.service.getQueueAttributes({ accountId: caller.accountId, name: 'orders' }, [
      'RedrivePolicy',
    ]);
    assert.deepEqual(JSON.parse(attributes['RedrivePolicy']!), {
      deadLetterTargetArn: h.arnOf(dlq),
      maxReceiveCount: 3,
    });
    const page = await h.service.listDeadLetterSourceQueues(dlq, {});
    assert.deepEqual(page.items, [`https://127.0.0.1:9324/${caller.accountId}/orders`]);
  });

  it('refuses a RedrivePolicy to a missing queue, to a queue of the other type, or past maxReceiveCount limits', async () => {
    const fifoDlq = await h.createQueue('dlq.fifo', { FifoQueue: 'true' });
    const policy = (arn: string, count: number) => JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: count });
    await assert.rejects(
      h.createQueue('a', { RedrivePolicy: policy(`arn:aws:sqs:us-east-1:${caller.accountId}:missing`, 3) }),
      {
        code: 'InvalidParameterValue',
      },
    );
    await assert.rejects(h.createQueue('b', { RedrivePolicy: policy(h.arnOf(fifoDlq), 3) }), {
      code: 'InvalidParameterValue',
    });
    await assert.rejects(h.createQueue('c', { RedrivePolicy: policy(h.arnOf(fifoDlq), 0) }), {
      code: 'InvalidParameterValue',
      message: /Invalid value for maxReceiveCount, valid values are from 1 to 1000 both inclusive/,
    });
    await assert.rejects(h.createQueue('d', { RedrivePolicy: '{"maxReceiveCount":2}' }), {
      code: 'InvalidParameterValue',
      message: /does not contain mandatory attribute: deadLetterTargetArn/,
    });
  });

  it('honours the RedriveAllowPolicy of the dead-letter queue', async () => {
    const dlq = await h.createQueue('guarded-dlq', {
      RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'denyAll' }),
    });
    const policy = JSON.stringify({ deadLetterTargetArn: h.arnOf(dlq), maxReceiveCount: 1 });
    await assert.rejects(h.createQueue('denied', { RedrivePolicy: policy }), { code: 'InvalidParameterValue' });
    await h.service.setQueueAttributes(dlq, {
      RedriveAllowPolicy: JSON.stringify({
        redrivePermission: 'byQueue',
        sourceQueueArns: [`arn:aws:sqs:us-east-1:${caller.accountId}:allowed`],
      }),
    });
    await h.createQueue('allowed', { RedrivePolicy: policy });
    await assert.rejects(h.createQueue('not-listed', { RedrivePolicy: policy }), { code: 'InvalidParameterValue' });
  });

  it('moves dead letters back to their source with a message move task', async () => {
    const { dlq, source } = await withDlq(1);
    for (const body of ['m1', 'm2', 'm3']) await h.send(source, body);
    await h.bodies(source);
    h.clock.advance(10_000);
    assert.deepEqual(await h.bodies(source), [], 'all three went to the DLQ');
    const handle = await h.service.startMessageMoveTask(caller, {
      sourceArn: h.arnOf(dlq),
      maxNumberOfMessagesPerSecond: 2,
    });
    const [running] = await h.service.listMessageMoveTasks(caller, { sourceArn: h.arnOf(dlq) });
    assert.equal(running?.status, 'RUNNING');
    assert.equal(running?.approximateNumberOfMessagesToMove, 3);
    await h.service.advanceMoveTasks(1);
    assert.equal(
      (await h.service.listMessageMoveTasks(caller, { sourceArn: h.arnOf(dlq) }))[0]?.approximateNumberOfMessagesMoved,
      2,
    );
    await h.service.advanceMoveTasks(1);
    const [done] = await h.service.listMessageMoveTasks(caller, { sourceArn: h.arnOf(dlq) });
    assert.equal(done?.status, 'COMPLETED');
    assert.equal(done?.approximateNumberOfMessagesMoved, 3);
    const back = await h.receive(source);
    assert.deepEqual(back.map((m) => m.body).sort(), ['m1', 'm2', 'm3']);
    assert.ok(
      back.every((m) => m.attributes['ApproximateReceiveCount'] === '1' && !m.attributes['DeadLetterQueueSourceArn']),
    );
    await assert.rejects(h.service.cancelMessageMoveTask(caller, handle), { code: 'InvalidParameterValue' });
  });

  it('cancels a running move task and refuses a second one on the same source', async () => {
    const { dlq, source } = await withDlq(1);
    await h.send(source, 'm');
    await h.bodies(source);
    h.clock.advance(10_000);
    await h.bodies(source);
    const handle = await h.service.startMessageMoveTask(caller, { sourceArn: h.arnOf(dlq) });
    await assert.rejects(h.service.startMessageMoveTask(caller, { sourceArn: h.arnOf(dlq) }), {
      code: 'InvalidParameterValue',
    });
    assert.equal(await h.service.cancelMessageMoveTask(caller, handle), 0);
    assert.equal((await h.service.listMessageMoveTasks(caller, { sourceArn: h.arnOf(dlq) }))[0]?.status, 'CANCELLED');
  });

  it('fails a move task whose destination was deleted, with the reason SQS gives', async () => {
    const { dlq, source } = await withDlq(1);
    await h.send(source, 'm');
    await h.bodies(source);
    h.clock.advance(10_000);
    await h.bodies(source);
    const target = await h.createQueue('target');
    await h.service.startMessageMoveTask(caller, { sourceArn: h.arnOf(dlq), destinationArn: h.arnOf(target) });
    await h.service.deleteQueue(target);
    await h.service.advanceMoveTasks(1);
    const [failed] = await h.service.listMessageMoveTasks(caller, { sourceArn: h.arnOf(dlq) });
    assert.deepEqual([failed?.status, failed?.failureReason], ['FAILED', 'AWS.SimpleQueueService.NonExistentQueue']);
  });

  it('fails a move task back to the sources when a source no longer names the dead-letter queue', async () => {
    const { dlq, source } = await withDlq(1);
    const other = await h.createQueue('other-dlq');
    await h.send(source, 'm');
    await h.bodies(source);
    h.clock.advance(10_000);
    await h.bodies(source);
    // The task's start authorized sends to the queues naming the DLQ; this one stops naming it afterwards.
    await h.service.startMessageMoveTask(caller, { sourceArn: h.arnOf(dlq) });
    await h.service.setQueueAttributes(source, {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: h.arnOf(other), maxReceiveCount: '1' }),
    });
    await h.service.advanceMoveTasks(1);
    const [failed] = await h.service.listMessageMoveTasks(caller, { sourceArn: h.arnOf(dlq) });
    assert.equal(failed?.status, 'FAILED');
    assert.match(failed?.failureReason ?? '', /no longer names this queue as its dead-letter queue.*DestinationArn/);
    assert.deepEqual(await h.bodies(source), [], 'nothing went back to the source');
    assert.equal((await h.receive(dlq)).length, 1, 'the message stays in the dead-letter queue');
  });

  it('fails a move task whose destination key is disabled, scheduled for deletion or quarantined while it runs, moving nothing more', async () => {
    const admin = new KeyAdmin(h.keys);
    const cases = [
      {
        change: (keyId: string) => admin.disableKey(caller.accountId, keyId),
        reason:
          /^KMS\.DisabledException: the KMS key \S+ of the destination queue \S+:review-0 is disabled, so no message can be sealed for it; enable the key, then start a new task/,
      },
      {
        change: (keyId: string) => admin.scheduleKeyDeletion(caller.accountId, keyId, 7),
        reason:
          /^KMS\.InvalidStateException: the KMS key \S+ of the destination queue \S+:review-1 is pending deletion, .*cancel the deletion and enable the key/,
      },
      {
        change: (keyId: string) => admin.quarantineKey(caller.accountId, keyId, 'INC-7'),
        reason:
          /^KMS\.DisabledException: the KMS key \S+ of the destination queue \S+:review-2 is quarantined by incident INC-7, .*after pciq incident release INC-7, start a new task/,
      },
    ];
    for (const [index, { change, reason }] of cases.entries()) {
      const { keyId } = await admin.createKey(caller.accountId, {});
      const dlq = await h.createQueue(`held-${index}`);
      await h.createQueue(`origin-${index}`, {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: h.arnOf(dlq), maxReceiveCount: '1' }),
      });
      const review = await h.createQueue(`review-${index}`, { KmsMasterKeyId: keyId });
      const sent = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'];
      for (const body of sent) await h.send(dlq, body);
      await h.service.startMessageMoveTask(caller, {
        sourceArn: h.arnOf(dlq),
        destinationArn: h.arnOf(review),
        maxNumberOfMessagesPerSecond: 2,
      });
      await h.service.advanceMoveTasks(1);
      await change(keyId);
      await h.service.advanceMoveTasks(1);
      await h.service.advanceMoveTasks(1);
      const [failed] = await h.service.listMessageMoveTasks(caller, { sourceArn: h.arnOf(dlq) });
      assert.equal(failed?.status, 'FAILED');
      assert.match(failed?.failureReason ?? '', reason);
      assert.equal(failed?.approximateNumberOfMessagesMoved, 2);
      const left = await h.bodies(dlq);
      assert.equal(left.length, 4, 'the messages not moved stay in the dead-letter queue');
      const counts = await h.service.getQueueAttributes(review, ['ApproximateNumberOfMessages']);
      assert.equal(counts['ApproximateNumberOfMessages'], '2');
    }
  });

  it('answers a cancel with a malformed handle, an unknown source or an unknown task as SQS does', async () => {
    const { dlq } = await withDlq(1);
    const forged = (sourceArn: string) =>
      Buffer.from(JSON.stringify({ taskId: 'no-such-task', sourceArn })).toString('base64url');
    await assert.rejects(h.service.cancelMessageMoveTask(caller, 'garbage'), {
      code: 'InvalidParameterValue',
      message: 'Value for parameter TaskHandle is invalid.',
    });
    await assert.rejects(
      h.service.cancelMessageMoveTask(caller, forged(`arn:aws:sqs:us-east-1:${caller.accountId}:nope`)),
      { code: 'ResourceNotFoundException', message: /SourceArn parameter doesn't exist/ },
    );
    await assert.rejects(h.service.cancelMessageMoveTask(caller, forged(h.arnOf(dlq))), {
      code: 'ResourceNotFoundException',
      message: 'Task does not exist.',
    });
  });

  it('refuses a move task from a queue that is no dead-letter queue or does not exist', async () => {
    const plain = await h.createQueue('plain');
    await assert.rejects(h.service.startMessageMoveTask(caller, { sourceArn: h.arnOf(plain) }), {
      code: 'InvalidParameterValue',
    });
    await assert.rejects(
      h.service.startMessageMoveTask(caller, { sourceArn: `arn:aws:sqs:us-east-1:${caller.accountId}:nope` }),
      { code: 'ResourceNotFoundException' },
    );
  });
});
