/**
 * What the PostgreSQL driver guarantees when several nodes (here: several stores) share one database:
 * the parts of the contract that only exist with more than one writer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type NewMessage, PostgresStore } from '../../src/storage/index.ts';
import { createTestSchema, skipNotice, type TestSchema, testPostgres } from '../support/postgres.ts';

function message(queueId: number, overrides: Partial<NewMessage> = {}): NewMessage {
  return {
    queueId,
    messageId: `m-${Math.random().toString(36).slice(2)}`,
    payload: Buffer.from('sealed'),
    groupKey: null,
    sentAtMs: 1_000,
    visibleAtMs: 1_000,
    expiresAtMs: 1e12,
    receiveCount: 0,
    firstReceivedAtMs: null,
    lastReceivedAtMs: null,
    receiptNonce: null,
    sizeBytes: 6,
    ...overrides,
  };
}

const queueRow = (name: string, isFifo = false) => ({
  accountId: '123456789012',
  name,
  isFifo,
  attributes: {},
  tags: {},
  createdAtMs: 1,
  lastModifiedAtMs: 1,
  lastPurgedAtMs: null,
});

const server = await testPostgres();
if ('skip' in server) {
  skipNotice('postgres: several nodes on one database', server.skip);
} else {
  describe('postgres: several nodes on one database', () => {
    let schema: TestSchema;
    let nodes: PostgresStore[];

    before(async () => {
      schema = await createTestSchema(server.url);
      // Three nodes migrating a fresh schema at once: the advisory lock lets one migrate, the others find it done.
      nodes = await Promise.all([1, 2, 3].map(() => PostgresStore.open({ url: `${schema.url}&pool_size=4` })));
    });

    after(async () => {
      await Promise.all(nodes.map((node) => node.close()));
      await schema.drop();
    });

    it('hands every message to exactly one node when they claim at once (SKIP LOCKED)', async () => {
      const queue = await nodes[0]!.write((tx) => tx.insertQueue(queueRow('claims')));
      await nodes[0]!.write(async (tx) => {
        for (let i = 0; i < 300; i++) await tx.insertMessage(message(queue.id));
      });
      const claimedBy = await Promise.all(
        nodes.map(async (node, index) => {
          const seqs: number[] = [];
          for (;;) {
            const rows = await node.write((tx) =>
              tx.claimReceivable(queue.id, 2_000, 7, { visibleAtMs: 1e12, receiptNonce: `n${index}` }),
            );
            if (rows.length === 0) return seqs;
            seqs.push(...rows.map((row) => row.seq));
          }
        }),
      );
      const all = claimedBy.flat();
      assert.equal(all.length, 300);
      assert.equal(new Set(all).size, 300, 'no message claimed twice');
      assert.ok(claimedBy.filter((seqs) => seqs.length > 0).length >= 2, 'the nodes shared the work');
    });

    it("wakes another node's listeners when a commit makes messages receivable, once", async () => {
      const queue = await nodes[0]!.write((tx) => tx.insertQueue(queueRow('wake')));
      const heard: number[] = [];
      const heardOnSender: number[] = [];
      const stop = nodes[1]!.onReceivable((id) => heard.push(id));
      const stopSender = nodes[0]!.onReceivable((id) => heardOnSender.push(id));
      const sentAt = performance.now();
      await nodes[0]!.write(async (tx) => {
        await tx.insertMessage(message(queue.id));
        tx.signalReceivable(queue.id);
      });
      while (!heard.includes(queue.id) && performance.now() - sentAt < 2_000) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const latencyMs = performance.now() - sentAt;
      assert.ok(heard.includes(queue.id), 'the other node heard the commit');
      assert.ok(latencyMs < 100, `woken ${latencyMs.toFixed(1)} ms after the send`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(heardOnSender, [queue.id], 'the sending node hears its own commit once, not twice');
      await assert.rejects(
        nodes[0]!.write(async (tx) => {
          tx.signalReceivable(queue.id + 1);
          throw new Error('rolled back');
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(!heard.includes(queue.id + 1), 'no wake-up for work that rolled back');
      stop();
      stopSender();
    });

    it('deduplicates FIFO sends across nodes: the send lock makes check and insert one step', async () => {
      const queue = await nodes[0]!.write((tx) => tx.insertQueue(queueRow('dedup.fifo', true)));
      const outcomes = await Promise.all(
        nodes.flatMap((node) =>
          [1, 2, 3].map(() =>
            node.write(async (tx) => {
              await tx.lockQueueForFifoSend(queue.id);
              if (await tx.getDedup(queue.id, '', 'same-id', 2_000)) return 'duplicate';
              const seq = await tx.insertMessage(message(queue.id, { groupKey: 'g' }));
              await tx.putDedup({
                queueId: queue.id,
                scope: '',
                dedupKey: 'same-id',
                messageId: 'm',
                seq,
                expiresAtMs: 1e12,
              });
              return 'stored';
            }),
          ),
        ),
      );
      assert.deepEqual(outcomes.filter((outcome) => outcome === 'stored').length, 1);
      assert.equal((await nodes[2]!.read((tx) => tx.countMessages(queue.id, 2_000))).visible, 1);
    });

    it('commits FIFO sends of one queue in seq order across nodes', async () => {
      const queue = await nodes[0]!.write((tx) => tx.insertQueue(queueRow('order.fifo', true)));
      const seen: number[][] = [];
      let sending = true;
      const watcher = (async () => {
        while (sending) {
          seen.push((await nodes[2]!.write((tx) => tx.scanInOrder(queue.id, 0, 1_000))).map((row) => row.seq));
        }
      })();
      await Promise.all(
        nodes.slice(0, 2).flatMap((node) =>
          Array.from({ length: 40 }, () =>
            node.write(async (tx) => {
              await tx.lockQueueForFifoSend(queue.id);
              await tx.insertMessage(message(queue.id, { groupKey: 'g' }));
            }),
          ),
        ),
      );
      sending = false;
      await watcher;
      const final = (await nodes[2]!.write((tx) => tx.scanInOrder(queue.id, 0, 1_000))).map((row) => row.seq);
      assert.equal(final.length, 80);
      // Every view a reader took is a prefix of the final order: no message ever appeared behind a later one.
      for (const view of seen) assert.deepEqual(view, final.slice(0, view.length));
    });

    it("answers every IAM revision read asked after another node's change with the changed revision", async () => {
      // Requests read the revision concurrently, and reads in flight are shared: a read asked after the change
      // committed must not be answered by one sent before it.
      const before = await nodes[1]!.read((tx) => tx.iam.revision());
      const answers: Array<{ isAskedAfterChange: boolean; revision: Promise<string> }> = [];
      let isChanged = false;
      let isDone = false;
      const asking = (async () => {
        while (!isDone) {
          for (let i = 0; i < 5; i++) {
            answers.push({ isAskedAfterChange: isChanged, revision: nodes[1]!.read((tx) => tx.iam.revision()) });
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await nodes[0]!.write((tx) =>
        tx.insertAccessKey({
          accessKeyId: 'AKIAREVISIONCHANGE01',
          sealedSecret: Buffer.from('sealed'),
          principalArn: 'arn:aws:iam::123456789012:user/revision',
          status: 'Active',
          createdAtMs: 1,
          lastUsedAtMs: null,
        }),
      );
      isChanged = true;
      await new Promise((resolve) => setTimeout(resolve, 50));
      isDone = true;
      await asking;
      const after = await Promise.all(answers.filter((a) => a.isAskedAfterChange).map((a) => a.revision));
      assert.ok(after.length > 0);
      for (const revision of after) assert.notEqual(revision, before);
      const asked = answers.filter((a) => !a.isAskedAfterChange).length;
      assert.ok(asked > 0, 'reads were in flight when the change committed');
    });

    it('hands leadership to another node when the leader goes away', async () => {
      const events: string[] = [];
      const extra = await PostgresStore.open({ url: `${schema.url}&pool_size=1` });
      const stopFirst = extra.lead('failover', {
        onLead: () => events.push('first'),
        onLost: () => events.push('lost'),
      });
      for (let i = 0; i < 100 && !events.includes('first'); i++) await new Promise((r) => setTimeout(r, 20));
      const stopSecond = nodes[0]!.lead('failover', { onLead: () => events.push('second'), onLost: () => undefined });
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      assert.deepEqual(events, ['first'], 'one leader at a time');
      await extra.close();
      await stopFirst();
      for (let i = 0; i < 150 && !events.includes('second'); i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(events, ['first', 'second']);
      await stopSecond();
    });
  });
}
