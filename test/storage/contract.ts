/**
 * The storage contract: what every `Store` driver must do, whatever its database. Each driver's test file
 * calls `describeStoreContract` with a factory; the same assertions run against each.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MoveTaskRow, NewMessage, NewQueue, QueueRow, ReceiveAttemptRow, Store } from '../../src/storage/index.ts';

export interface StoreFactory {
  /** A fresh, empty store. */
  create(): Promise<Store>;
  /** Closes `store` and opens the same database again (durability across restarts). */
  reopen(store: Store): Promise<Store>;
  /** Releases whatever `create` made. */
  cleanup(): Promise<void>;
}

let queueCounter = 0;

function newQueue(overrides: Partial<NewQueue> = {}): NewQueue {
  queueCounter++;
  return {
    accountId: '123456789012',
    name: `q_${queueCounter}`,
    isFifo: false,
    attributes: { VisibilityTimeout: '30' },
    tags: { team: 'payments' },
    createdAtMs: 1_000,
    lastModifiedAtMs: 1_000,
    lastPurgedAtMs: null,
    ...overrides,
  };
}

function newMessage(queueId: number, overrides: Partial<NewMessage> = {}): NewMessage {
  return {
    queueId,
    messageId: `m-${Math.random().toString(36).slice(2)}`,
    payload: Buffer.from('sealed bytes'),
    groupKey: null,
    sentAtMs: 1_000,
    visibleAtMs: 1_000,
    expiresAtMs: 100_000,
    receiveCount: 0,
    firstReceivedAtMs: null,
    lastReceivedAtMs: null,
    receiptNonce: null,
    sizeBytes: 12,
    ...overrides,
  };
}

export function describeStoreContract(driver: string, factory: StoreFactory): void {
  describe(`storage contract: ${driver}`, () => {
    let store: Store;
    before(async () => {
      store = await factory.create();
    });
    after(async () => {
      await store.close();
      await factory.cleanup();
    });

    async function insertQueue(overrides: Partial<NewQueue> = {}): Promise<QueueRow> {
      return store.write((tx) => tx.insertQueue(newQueue(overrides)));
    }

    it('keeps meta values and overwrites them', async () => {
      await store.write((tx) => tx.setMeta('k', 'one'));
      await store.write((tx) => tx.setMeta('k', 'two'));
      assert.equal(await store.read((tx) => tx.getMeta('k')), 'two');
      assert.equal(await store.read((tx) => tx.getMeta('missing')), undefined);
    });

    it('stores queues and finds them by name and by id', async () => {
      const queue = await insertQueue({ attributes: { DelaySeconds: '5' }, tags: { a: 'b' } });
      const byName = await store.read((tx) => tx.getQueueByName(queue.accountId, queue.name));
      assert.deepEqual(byName, queue);
      assert.deepEqual(await store.read((tx) => tx.getQueueById(queue.id)), queue);
      assert.equal(await store.read((tx) => tx.getQueueByName('999999999999', queue.name)), undefined);
    });

    it('refuses a second queue with the same account and name', async () => {
      const queue = await insertQueue();
      await assert.rejects(store.write((tx) => tx.insertQueue(newQueue({ name: queue.name }))));
    });

    it('lists queues in byte order of name by literal prefix, after a name, up to a limit', async () => {
      const account = '210987654321';
      for (const name of ['pay_a', 'pay_b', 'payXc', 'other', 'pay_d']) await insertQueue({ accountId: account, name });
      const names = async (prefix: string, after: string, limit: number) =>
        (await store.read((tx) => tx.listQueues(account, prefix, after, limit))).map((q) => q.name);
      // '_' is a literal here, not a LIKE wildcard: payXc must not match pay_.
      assert.deepEqual(await names('pay_', '', 10), ['pay_a', 'pay_b', 'pay_d']);
      assert.deepEqual(await names('pay_', 'pay_a', 1), ['pay_b']);
      // Byte order ('X' < '_'), the same on every driver, so pagination tokens mean the same everywhere.
      assert.deepEqual(await names('', '', 100), ['other', 'payXc', 'pay_a', 'pay_b', 'pay_d']);
    });

    it('updates attributes, tags, timestamps and purge time', async () => {
      const queue = await insertQueue();
      const updated = {
        ...queue,
        attributes: { VisibilityTimeout: '5' },
        tags: {},
        lastModifiedAtMs: 2_000,
        lastPurgedAtMs: 3_000,
      };
      await store.write((tx) => tx.updateQueue(updated));
      assert.deepEqual(await store.read((tx) => tx.getQueueById(queue.id)), updated);
    });

    it('deletes a queue with its messages, dedup entries, receive attempts and move tasks, and remembers when', async () => {
      const queue = await insertQueue();
      const seq = await store.write((tx) => tx.insertMessage(newMessage(queue.id)));
      await store.write((tx) =>
        tx.putDedup({ queueId: queue.id, scope: '', dedupKey: 'd', messageId: 'm', seq, expiresAtMs: 50_000 }),
      );
      await store.write((tx) => tx.insertMoveTask(moveTask(queue.id, 'task-of-deleted')));
      await store.write((tx) => tx.putReceiveAttempt(receiveAttempt(queue.id, 'a', [seq], 50_000)));
      await store.write((tx) => tx.deleteQueue(queue.id, 7_000));
      assert.equal(await store.read((tx) => tx.getQueueById(queue.id)), undefined);
      assert.equal(await store.read((tx) => tx.getMessage(queue.id, seq)), undefined);
      assert.equal(await store.read((tx) => tx.getDedup(queue.id, '', 'd', 0)), undefined);
      assert.equal(await store.read((tx) => tx.getMoveTask('task-of-deleted')), undefined);
      assert.equal(await store.read((tx) => tx.getReceiveAttempt(queue.id, 'a', 0)), undefined);
      assert.equal(await store.read((tx) => tx.getQueueDeletedAt(queue.accountId, queue.name)), 7_000);
    });

    it('gives every inserted message a larger seq than any before, even after the newest is deleted', async () => {
      const queue = await insertQueue();
      const first = await store.write((tx) => tx.insertMessage(newMessage(queue.id)));
      const second = await store.write((tx) => tx.insertMessage(newMessage(queue.id)));
      assert.ok(second > first);
      await store.write((tx) => tx.deleteMessage(queue.id, second));
      const third = await store.write((tx) => tx.insertMessage(newMessage(queue.id)));
      assert.ok(third > second, 'a seq is never reused');
      assert.equal(await store.read((tx) => tx.newestSeq(queue.id)), third);
    });

    it('round-trips a message row exactly', async () => {
      const queue = await insertQueue();
      const message = newMessage(queue.id, { payload: Buffer.from([0, 1, 2, 255]), groupKey: 'g', receiptNonce: null });
      const seq = await store.write((tx) => tx.insertMessage(message));
      const row = await store.read((tx) => tx.getMessage(queue.id, seq));
      assert.ok(row);
      assert.deepEqual(
        { ...row, payload: Buffer.from(row.payload) },
        { ...message, seq, payload: Buffer.from([0, 1, 2, 255]) },
      );
      assert.equal(
        await store.read((tx) => tx.getMessage(queue.id + 1000, seq)),
        undefined,
        'a message belongs to its queue',
      );
    });

    it('counts visible, in-flight and delayed messages, ignoring expired ones', async () => {
      const queue = await insertQueue();
      const now = 10_000;
      await store.write(async (tx) => {
        await tx.insertMessage(newMessage(queue.id, { visibleAtMs: now - 1 }));
        await tx.insertMessage(newMessage(queue.id, { visibleAtMs: now }));
        await tx.insertMessage(newMessage(queue.id, { visibleAtMs: now + 5, receiveCount: 1 }));
        await tx.insertMessage(newMessage(queue.id, { visibleAtMs: now + 5, receiveCount: 0 }));
        await tx.insertMessage(newMessage(queue.id, { visibleAtMs: 0, expiresAtMs: now }));
      });
      assert.deepEqual(await store.read((tx) => tx.countMessages(queue.id, now)), {
        visible: 2,
        inFlight: 1,
        delayed: 1,
      });
      assert.equal(await store.read((tx) => tx.nextVisibleAt(queue.id, now)), now + 5);
    });

    it('claims receivable messages oldest-visible first, skipping invisible and expired ones', async () => {
      const queue = await insertQueue();
      const now = 10_000;
      const seqs = await store.write(async (tx) => [
        await tx.insertMessage(newMessage(queue.id, { visibleAtMs: 9_000 })),
        await tx.insertMessage(newMessage(queue.id, { visibleAtMs: 8_000 })),
        await tx.insertMessage(newMessage(queue.id, { visibleAtMs: 11_000 })),
        await tx.insertMessage(newMessage(queue.id, { visibleAtMs: 1_000, expiresAtMs: 9_999 })),
        await tx.insertMessage(newMessage(queue.id, { visibleAtMs: 9_000 })),
      ]);
      const claim = { visibleAtMs: 40_000, receiptNonce: 'nonce-1' };
      const first = await store.write((tx) => tx.claimReceivable(queue.id, now, 2, claim));
      // The two that became visible first, returned in seq order.
      assert.deepEqual(
        first.map((row) => row.seq),
        [seqs[0], seqs[1]],
      );
      assert.ok(
        first.every((row) => row.visibleAtMs === 40_000 && row.receiptNonce === 'nonce-1' && row.receiveCount === 1),
      );
      assert.ok(first.every((row) => row.firstReceivedAtMs === now && row.lastReceivedAtMs === now));
      const second = await store.write((tx) =>
        tx.claimReceivable(queue.id, now, 10, { visibleAtMs: 50_000, receiptNonce: 'nonce-2' }),
      );
      assert.deepEqual(
        second.map((row) => row.seq),
        [seqs[4]],
        'claimed, delayed and expired messages are not claimable',
      );
      const later = await store.write((tx) =>
        tx.claimReceivable(queue.id, 40_000, 10, { visibleAtMs: 90_000, receiptNonce: 'nonce-3' }),
      );
      const again = later.find((row) => row.seq === seqs[0]);
      assert.deepEqual([again?.receiveCount, again?.firstReceivedAtMs, again?.lastReceivedAtMs], [2, now, 40_000]);
    });

    it('claims chosen messages and returns them in the order asked for', async () => {
      const queue = await insertQueue();
      const seqs: number[] = [];
      for (let i = 0; i < 3; i++) seqs.push(await store.write((tx) => tx.insertMessage(newMessage(queue.id))));
      const order = [seqs[2]!, seqs[0]!];
      const rows = await store.write((tx) =>
        tx.claimMessages(queue.id, order, 5_000, { visibleAtMs: 9_000, receiptNonce: 'n' }),
      );
      assert.deepEqual(
        rows.map((row) => row.seq),
        order,
      );
      assert.ok(rows.every((row) => row.receiveCount === 1 && row.visibleAtMs === 9_000));
      assert.equal((await store.read((tx) => tx.getMessage(queue.id, seqs[1]!)))?.receiveCount, 0);
      assert.deepEqual(
        await store.write((tx) =>
          tx.claimMessages(queue.id + 1000, order, 5_000, { visibleAtMs: 1, receiptNonce: 'x' }),
        ),
        [],
      );
    });

    it('deletes a received message only with its current receipt nonce', async () => {
      const queue = await insertQueue();
      const seq = await store.write((tx) => tx.insertMessage(newMessage(queue.id)));
      await store.write((tx) =>
        tx.claimMessages(queue.id, [seq], 1_000, { visibleAtMs: 2_000, receiptNonce: 'current' }),
      );
      const messageId = (await store.read((tx) => tx.getMessage(queue.id, seq)))!.messageId;
      assert.deepEqual(await store.write((tx) => tx.deleteReceived(queue.id, seq, 'older')), { outcome: 'stale' });
      assert.deepEqual(await store.write((tx) => tx.deleteReceived(queue.id, seq, 'current')), {
        outcome: 'deleted',
        messageId,
      });
      assert.deepEqual(await store.write((tx) => tx.deleteReceived(queue.id, seq, 'current')), { outcome: 'missing' });
    });

    it('inserts a batch of messages in one call, seqs increasing in the order given', async () => {
      const queue = await insertQueue();
      const batch = [0, 1, 2].map((i) =>
        newMessage(queue.id, {
          payload: Buffer.from(`payload ${i}`),
          visibleAtMs: 1_000 + i,
          groupKey: i ? 'g' : null,
        }),
      );
      const seqs = await store.write((tx) => tx.insertMessages(batch));
      assert.equal(seqs.length, 3);
      assert.ok(seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]!);
      for (const [i, seq] of seqs.entries()) {
        const row = await store.read((tx) => tx.getMessage(queue.id, seq));
        assert.deepEqual({ ...row!, payload: Buffer.from(row!.payload) }, { ...batch[i]!, seq });
      }
      assert.deepEqual(await store.write((tx) => tx.insertMessages([])), []);
      // More than a driver may put in one statement: still in the order given, each seq its own message's.
      const many = Array.from({ length: 25 }, () => newMessage(queue.id));
      const manySeqs = await store.write((tx) => tx.insertMessages(many));
      assert.ok(manySeqs.every((seq, i) => i === 0 || seq > manySeqs[i - 1]!));
      const stored = await store.read((tx) => Promise.all(manySeqs.map((seq) => tx.getMessage(queue.id, seq))));
      assert.deepEqual(
        stored.map((row) => row?.messageId),
        many.map((message) => message.messageId),
      );
    });

    it('deletes a batch of received messages, each with its outcome in the order given', async () => {
      const queue = await insertQueue();
      const [a, b, c] = await store.write((tx) => tx.insertMessages([0, 1, 2].map(() => newMessage(queue.id))));
      await store.write((tx) =>
        tx.claimMessages(queue.id, [a!, b!, c!], 1_000, { visibleAtMs: 2_000, receiptNonce: 'current' }),
      );
      const idOf = async (seq: number) => (await store.read((tx) => tx.getMessage(queue.id, seq)))!.messageId;
      const [idA, idC] = [await idOf(a!), await idOf(c!)];
      const outcomes = await store.write((tx) =>
        tx.deleteReceivedBatch(queue.id, [
          { seq: a!, receiptNonce: 'current' },
          { seq: b!, receiptNonce: 'older' },
          { seq: a! + 1_000_000, receiptNonce: 'current' },
          { seq: c!, receiptNonce: 'current' },
          { seq: a!, receiptNonce: 'current' },
        ]),
      );
      assert.deepEqual(outcomes, [
        { outcome: 'deleted', messageId: idA },
        { outcome: 'stale' },
        { outcome: 'missing' },
        { outcome: 'deleted', messageId: idC },
        { outcome: 'missing' },
      ]);
      assert.ok(await store.read((tx) => tx.getMessage(queue.id, b!)), 'the stale handle left its message');
      assert.equal(await store.read((tx) => tx.getMessage(queue.id, a!)), undefined);
      assert.deepEqual(await store.write((tx) => tx.deleteReceivedBatch(queue.id, [])), []);
    });

    it('scans a queue in seq order after a given seq', async () => {
      const queue = await insertQueue();
      const seqs: number[] = [];
      for (let i = 0; i < 5; i++)
        seqs.push(await store.write((tx) => tx.insertMessage(newMessage(queue.id, { groupKey: `g${i % 2}` }))));
      const page = await store.write((tx) => tx.scanInOrder(queue.id, seqs[1]!, 2));
      assert.deepEqual(
        page.map((row) => [row.seq, row.groupKey]),
        [
          [seqs[2], 'g0'],
          [seqs[3], 'g1'],
        ],
      );
    });

    it('records visibility changes and deletions', async () => {
      const queue = await insertQueue();
      const seq = await store.write((tx) => tx.insertMessage(newMessage(queue.id)));
      await store.write((tx) => tx.setVisibleAt(queue.id, seq, 12_345));
      assert.equal((await store.read((tx) => tx.getMessage(queue.id, seq)))?.visibleAtMs, 12_345);
      assert.equal(await store.write((tx) => tx.deleteMessage(queue.id, seq)), true);
      assert.equal(await store.write((tx) => tx.deleteMessage(queue.id, seq)), false);
    });

    it('purges messages sent up to an instant and keeps later ones', async () => {
      const queue = await insertQueue();
      await store.write(async (tx) => {
        await tx.insertMessage(newMessage(queue.id, { sentAtMs: 1_000 }));
        await tx.insertMessage(newMessage(queue.id, { sentAtMs: 2_000 }));
        await tx.insertMessage(newMessage(queue.id, { sentAtMs: 3_000 }));
      });
      assert.equal(await store.write((tx) => tx.purgeMessages(queue.id, 2_000)), 2);
      assert.deepEqual(await store.read((tx) => tx.countMessages(queue.id, 5_000)), {
        visible: 1,
        inFlight: 0,
        delayed: 0,
      });
    });

    it('deletes expired messages and dedup entries in bounded batches', async () => {
      const queue = await insertQueue();
      await store.write(async (tx) => {
        for (let i = 0; i < 3; i++) await tx.insertMessage(newMessage(queue.id, { expiresAtMs: 500 }));
        await tx.insertMessage(newMessage(queue.id, { expiresAtMs: 50_000 }));
        await tx.putDedup({ queueId: queue.id, scope: '', dedupKey: 'old', messageId: 'm', seq: 1, expiresAtMs: 500 });
        await tx.putDedup({
          queueId: queue.id,
          scope: '',
          dedupKey: 'new',
          messageId: 'm',
          seq: 1,
          expiresAtMs: 50_000,
        });
        await tx.putReceiveAttempt(receiveAttempt(queue.id, 'old', [1], 500));
        await tx.putReceiveAttempt(receiveAttempt(queue.id, 'new', [1], 50_000));
      });
      let removed = 0;
      for (;;) {
        const batch = await store.write((tx) => tx.deleteExpired(1_000, 1));
        removed += batch;
        if (batch === 0) break;
      }
      assert.ok(removed >= 5, `removed ${removed}`);
      assert.equal((await store.write((tx) => tx.scanInOrder(queue.id, 0, 10))).length, 1);
      assert.equal(await store.read((tx) => tx.getDedup(queue.id, '', 'old', 0)), undefined);
      assert.ok(await store.read((tx) => tx.getDedup(queue.id, '', 'new', 0)));
      assert.equal(await store.read((tx) => tx.getReceiveAttempt(queue.id, 'old', 0)), undefined);
      assert.ok(await store.read((tx) => tx.getReceiveAttempt(queue.id, 'new', 0)));
    });

    it('keeps receive attempts per queue, visible only until they expire, and replaces them', async () => {
      const queue = await insertQueue();
      const first = receiveAttempt(queue.id, 'k', [7, 3, 9], 300);
      await store.write((tx) => tx.putReceiveAttempt(first));
      assert.deepEqual(await store.read((tx) => tx.getReceiveAttempt(queue.id, 'k', 299)), first);
      assert.equal(await store.read((tx) => tx.getReceiveAttempt(queue.id, 'k', 300)), undefined);
      assert.equal(await store.read((tx) => tx.getReceiveAttempt(queue.id + 1, 'k', 0)), undefined);
      const retried = { ...first, visibleAtMs: 2_000, expiresAtMs: 900 };
      await store.write((tx) => tx.putReceiveAttempt(retried));
      assert.deepEqual(await store.read((tx) => tx.getReceiveAttempt(queue.id, 'k', 500)), retried);
    });

    it('keeps dedup entries per queue and scope, visible only until they expire', async () => {
      const queue = await insertQueue();
      await store.write((tx) =>
        tx.putDedup({ queueId: queue.id, scope: 'g1', dedupKey: 'k', messageId: 'm1', seq: 5, expiresAtMs: 300 }),
      );
      assert.equal((await store.read((tx) => tx.getDedup(queue.id, 'g1', 'k', 299)))?.messageId, 'm1');
      assert.equal(await store.read((tx) => tx.getDedup(queue.id, 'g1', 'k', 300)), undefined);
      assert.equal(await store.read((tx) => tx.getDedup(queue.id, 'g2', 'k', 0)), undefined);
      await store.write((tx) =>
        tx.putDedup({ queueId: queue.id, scope: 'g1', dedupKey: 'k', messageId: 'm2', seq: 6, expiresAtMs: 900 }),
      );
      assert.equal((await store.read((tx) => tx.getDedup(queue.id, 'g1', 'k', 500)))?.messageId, 'm2');
    });

    it('selects movable messages: visible, unexpired, not newer than the cut-off, in order', async () => {
      const queue = await insertQueue();
      const seqs = await store.write(async (tx) => [
        await tx.insertMessage(newMessage(queue.id, { visibleAtMs: 0 })),
        await tx.insertMessage(newMessage(queue.id, { visibleAtMs: 99_999 })),
        await tx.insertMessage(newMessage(queue.id, { visibleAtMs: 0 })),
        await tx.insertMessage(newMessage(queue.id, { visibleAtMs: 0 })),
      ]);
      const rows = await store.write((tx) => tx.selectMovable(queue.id, seqs[2]!, 5_000, 10));
      assert.deepEqual(
        rows.map((row) => row.seq),
        [seqs[0], seqs[2]],
      );
    });

    it('keeps move tasks, newest first per source, and lists the running ones', async () => {
      const queue = await insertQueue();
      await store.write(async (tx) => {
        await tx.insertMoveTask({ ...moveTask(queue.id, 'old'), startedAtMs: 1, status: 'COMPLETED' });
        await tx.insertMoveTask({ ...moveTask(queue.id, 'new'), startedAtMs: 2 });
      });
      assert.deepEqual(
        (await store.read((tx) => tx.listMoveTasks(queue.id, 10))).map((t) => t.taskHandle),
        ['new', 'old'],
      );
      const running = await store.read((tx) => tx.listRunningMoveTasks());
      assert.ok(running.some((t) => t.taskHandle === 'new') && !running.some((t) => t.taskHandle === 'old'));
      const task = await store.read((tx) => tx.getMoveTask('new'));
      assert.ok(task);
      await store.write((tx) => tx.updateMoveTask({ ...task, status: 'FAILED', movedCount: 3, failureReason: 'why' }));
      const updated = await store.read((tx) => tx.getMoveTask('new'));
      assert.deepEqual([updated?.status, updated?.movedCount, updated?.failureReason], ['FAILED', 3, 'why']);
    });

    it('keeps access keys with their sealed secret and last use', async () => {
      const key = {
        accessKeyId: `AKIA${Math.random().toString(36).slice(2, 14).toUpperCase()}`,
        sealedSecret: Buffer.from([9, 8, 7]),
        principalArn: 'arn:aws:iam::123456789012:user/admin',
        status: 'Active' as const,
        createdAtMs: 5,
        lastUsedAtMs: null,
      };
      await store.write((tx) => tx.insertAccessKey(key));
      await store.write((tx) => tx.touchAccessKey(key.accessKeyId, 77));
      const row = await store.read((tx) => tx.getAccessKey(key.accessKeyId));
      assert.deepEqual({ ...row, sealedSecret: Buffer.from(row!.sealedSecret) }, { ...key, lastUsedAtMs: 77 });
      assert.ok((await store.read((tx) => tx.listAccessKeys())).some((k) => k.accessKeyId === key.accessKeyId));
    });

    it('rolls back a failing unit of work alone while concurrent units commit', async () => {
      const queue = await insertQueue();
      const failing = store.write(async (tx) => {
        await tx.insertMessage(newMessage(queue.id, { messageId: 'doomed' }));
        throw new Error('unit fails');
      });
      const succeeding = store.write((tx) => tx.insertMessage(newMessage(queue.id, { messageId: 'kept' })));
      await assert.rejects(failing, /unit fails/);
      const seq = await succeeding;
      const rows = await store.write((tx) => tx.scanInOrder(queue.id, 0, 10));
      assert.deepEqual(
        rows.map((row) => row.seq),
        [seq],
      );
    });

    it('signals receivable queues after commit, and not for rolled-back work', async () => {
      const queue = await insertQueue();
      const signalled: number[] = [];
      const stop = store.onReceivable((id) => signalled.push(id));
      let committedBeforeSignal = false;
      await store.write(async (tx) => {
        await tx.insertMessage(newMessage(queue.id));
        tx.signalReceivable(queue.id);
        assert.deepEqual(signalled, [], 'no signal before commit');
        committedBeforeSignal = true;
      });
      assert.ok(committedBeforeSignal);
      assert.deepEqual(signalled, [queue.id]);
      await assert.rejects(
        store.write(async (tx) => {
          tx.signalReceivable(queue.id + 1);
          throw new Error('rolled back');
        }),
      );
      assert.deepEqual(signalled, [queue.id]);
      stop();
    });

    it('reads see only committed data', async () => {
      const queue = await insertQueue();
      let seenInside: number | undefined;
      await store.write(async (tx) => {
        await tx.insertMessage(newMessage(queue.id));
        seenInside = (await store.read((reader) => reader.countMessages(queue.id, 5_000))).visible;
      });
      assert.equal(seenInside, 0);
      assert.equal((await store.read((tx) => tx.countMessages(queue.id, 5_000))).visible, 1);
    });

    it('takes FIFO send and receive locks inside a write', async () => {
      const queue = await insertQueue({ isFifo: true });
      const seq = await store.write(async (tx) => {
        await tx.lockQueueForFifoSend(queue.id);
        await tx.lockQueueForFifoReceive(queue.id);
        return tx.insertMessage(newMessage(queue.id, { groupKey: 'g' }));
      });
      assert.equal((await store.read((tx) => tx.getMessage(queue.id, seq)))?.groupKey, 'g');
    });

    it('lets a process lead background work', async () => {
      let led = false;
      const stop = store.lead('contract', {
        onLead: () => {
          led = true;
        },
        onLost: () => assert.fail('leadership lost'),
      });
      for (let i = 0; i < 100 && !led; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(led, 'the only process leads');
      await stop();
    });

    it('keeps everything committed across a restart', async () => {
      const queue = await insertQueue();
      const seq = await store.write((tx) => tx.insertMessage(newMessage(queue.id, { messageId: 'durable' })));
      store = await factory.reopen(store);
      assert.equal((await store.read((tx) => tx.getMessage(queue.id, seq)))?.messageId, 'durable');
      assert.deepEqual(await store.read((tx) => tx.getQueueById(queue.id)), queue);
    });
  });
}

function receiveAttempt(queueId: number, attemptKey: string, seqs: number[], expiresAtMs: number): ReceiveAttemptRow {
  return { queueId, attemptKey, seqs, receiptNonce: 'nonce', visibleAtMs: 1_000, expiresAtMs };
}

function moveTask(sourceQueueId: number, taskHandle: string): MoveTaskRow {
  return {
    taskHandle,
    sourceQueueId,
    sourceArn: 'arn:aws:sqs:us-east-1:123456789012:dlq',
    destinationArn: null,
    maxMessagesPerSecond: null,
    status: 'RUNNING',
    movedCount: 0,
    toMoveCount: 4,
    failureReason: null,
    startedAtMs: 1,
    cutoffSeq: 10,
  };
}
