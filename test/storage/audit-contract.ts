/**
 * The audit trail's part of the storage contract (`tx.audit`, `changedRows`): what every driver must do.
 * Run from each driver's test file next to `describeStoreContract`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditRecordRow, AuditSearchFilter, AuditSegmentRow, Store } from '../../src/storage/index.ts';
import type { StoreFactory } from './contract.ts';

function hashOf(seq: number): Buffer {
  return Buffer.alloc(32, seq % 256);
}

function record(seq: number, overrides: Partial<AuditRecordRow> = {}): AuditRecordRow {
  return {
    seq,
    timeMs: 1_000 + seq * 10,
    eventType: seq % 2 === 0 ? 'sqs:SendMessage' : 'sqs:ReceiveMessage',
    outcome: seq % 3 === 0 ? 'failure' : 'success',
    principal: seq % 2 === 0 ? 'arn:aws:iam::123456789012:user/a' : 'arn:aws:iam::123456789012:user/b',
    sourceIp: '10.0.0.1',
    resource: 'arn:aws:sqs:us-east-1:123456789012:orders',
    requestId: `req-${seq}`,
    body: JSON.stringify({ seq }),
    hash: hashOf(seq),
    mac: `mac-${seq}`,
    ...overrides,
  };
}

function segment(firstSeq: number, lastSeq: number): AuditSegmentRow {
  return {
    firstSeq,
    lastSeq,
    firstTimeMs: 1_000 + firstSeq * 10,
    lastTimeMs: 1_000 + lastSeq * 10,
    lastHash: hashOf(lastSeq),
    fileName: `${firstSeq}-${lastSeq}.gz`,
    manifest: '{}',
    signature: Buffer.alloc(64, 1),
    archivedAtMs: 5_000,
    purgedAtMs: null,
  };
}

export function describeAuditStoreContract(driver: string, factory: StoreFactory): void {
  describe(`storage contract, audit trail: ${driver}`, () => {
    let store: Store;
    before(async () => {
      store = await factory.create();
      await store.write(async (tx) => {
        await tx.audit.append([0, 1, 2].map((seq) => record(seq)));
        for (let seq = 3; seq < 10; seq++) await tx.audit.append([record(seq)]);
      });
    });
    after(async () => {
      await store.close();
      await factory.cleanup();
    });

    it('appends records and reads them back exactly, in seq order, with the head', async () => {
      const rows = await store.read((tx) => tx.audit.records(0, 100));
      assert.equal(rows.length, 10);
      assert.deepEqual(
        rows.map((row) => row.seq),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
      assert.deepEqual({ ...rows[4]!, hash: Buffer.from(rows[4]!.hash) }, record(4));
      assert.deepEqual(
        (await store.read((tx) => tx.audit.records(7, 2))).map((row) => row.seq),
        [7, 8],
      );
      const head = await store.read((tx) => tx.audit.head());
      assert.equal(head?.seq, 9);
      assert.deepEqual(Buffer.from(head!.hash), hashOf(9));
      assert.equal(await store.read((tx) => tx.audit.firstHotSeq()), 0);
      const hashes = await store.read((tx) => tx.audit.leafHashes(2, 5));
      assert.deepEqual(
        hashes.map((hash) => Buffer.from(hash)),
        [hashOf(2), hashOf(3), hashOf(4)],
      );
    });

    it('refuses a second record at a taken position', async () => {
      await assert.rejects(store.write((tx) => tx.audit.append([record(3)])));
    });

    it('searches by time, principal, event type, resource, outcome, source IP and request id, with pagination', async () => {
      const seqs = async (filter: Omit<AuditSearchFilter, 'limit'>) =>
        (await store.read((tx) => tx.audit.search({ limit: 100, ...filter }))).map((row) => row.seq);
      assert.deepEqual(await seqs({ fromMs: 1_030, toMs: 1_060 }), [3, 4, 5, 6]);
      assert.deepEqual(await seqs({ principal: 'arn:aws:iam::123456789012:user/b' }), [1, 3, 5, 7, 9]);
      assert.deepEqual(await seqs({ eventType: 'sqs:SendMessage', outcome: 'failure' }), [0, 6]);
      assert.deepEqual(await seqs({ resource: 'arn:aws:sqs:us-east-1:123456789012:other' }), []);
      assert.deepEqual(await seqs({ sourceIp: '10.0.0.1', afterSeq: 7 }), [8, 9]);
      assert.deepEqual(await seqs({ requestId: 'req-5' }), [5]);
      assert.deepEqual(
        (await store.read((tx) => tx.audit.search({ limit: 3 }))).map((row) => row.seq),
        [0, 1, 2],
      );
      assert.deepEqual(await store.read((tx) => tx.audit.seqRange(1_020, 1_050)), { first: 2, last: 5 });
      assert.equal(await store.read((tx) => tx.audit.seqRange(9_000, 9_999)), undefined);
    });

    it('keeps checkpoints in order and finds the first that covers a tree size', async () => {
      const checkpoint = (seq: number, treeSize: number) => ({
        seq,
        treeSize,
        timeMs: 2_000 + seq,
        body: `{"treeSize":${treeSize}}`,
        signature: Buffer.alloc(64, seq),
        frontier: '[]',
      });
      assert.equal(await store.read((tx) => tx.audit.latestCheckpoint()), undefined);
      await store.write(async (tx) => {
        assert.equal(await tx.audit.insertCheckpoint(checkpoint(0, 3)), true);
        await tx.audit.insertCheckpoint(checkpoint(1, 7));
        await tx.audit.insertCheckpoint(checkpoint(2, 10));
      });
      assert.equal((await store.read((tx) => tx.audit.latestCheckpoint()))?.seq, 2);
      assert.deepEqual(
        (await store.read((tx) => tx.audit.checkpoints(1, 10))).map((c) => c.treeSize),
        [7, 10],
      );
      assert.equal((await store.read((tx) => tx.audit.checkpointCovering(4)))?.seq, 1);
      assert.equal((await store.read((tx) => tx.audit.checkpointCovering(7)))?.seq, 1);
      assert.equal(await store.read((tx) => tx.audit.checkpointCovering(11)), undefined);
      const stored = await store.read((tx) => tx.audit.checkpoints(0, 1));
      assert.deepEqual(Buffer.from(stored[0]!.signature), Buffer.alloc(64, 0));
      // A second checkpoint of a number taken (another process checkpointed first) is refused, not an error.
      assert.equal(await store.write((tx) => tx.audit.insertCheckpoint({ ...checkpoint(2, 12), timeMs: 9 })), false);
      assert.equal((await store.read((tx) => tx.audit.latestCheckpoint()))?.treeSize, 10);
    });

    it('keeps the first value of a tree node', async () => {
      await store.write((tx) => tx.audit.putTreeNodes([{ level: 8, index: 3, hash: Buffer.alloc(32, 1) }]));
      await store.write((tx) => tx.audit.putTreeNodes([{ level: 8, index: 3, hash: Buffer.alloc(32, 2) }]));
      assert.deepEqual(Buffer.from((await store.read((tx) => tx.audit.treeNode(8, 3)))!), Buffer.alloc(32, 1));
      assert.equal(await store.read((tx) => tx.audit.treeNode(8, 4)), undefined);
    });

    it('keeps signing keys with their sealed private part', async () => {
      await store.write((tx) =>
        tx.audit.insertSigningKey({
          keyId: 'k1',
          publicKey: Buffer.from('public'),
          sealedPrivateKey: Buffer.from('sealed'),
          createdAtMs: 7,
        }),
      );
      const [key] = await store.read((tx) => tx.audit.signingKeys());
      assert.equal(key?.keyId, 'k1');
      assert.deepEqual(Buffer.from(key!.sealedPrivateKey), Buffer.from('sealed'));
    });

    it('deletes hot records only once a segment holds them, and then takes the head from the segment', async () => {
      assert.equal(await store.write((tx) => tx.audit.deleteArchivedRecords(4)), 0, 'nothing archived yet');
      await store.write((tx) => tx.audit.insertSegment(segment(0, 4)));
      assert.equal(await store.write((tx) => tx.audit.deleteArchivedRecords(7)), 5, 'only the archived ones');
      assert.equal(await store.read((tx) => tx.audit.firstHotSeq()), 5);
      await store.write((tx) => tx.audit.markSegmentPurged(0, 9_000));
      const [stored] = await store.read((tx) => tx.audit.segments());
      assert.equal(stored?.purgedAtMs, 9_000);
      assert.deepEqual(Buffer.from(stored!.lastHash), hashOf(4));

      await store.write((tx) => tx.audit.insertSegment(segment(5, 9)));
      assert.equal(await store.write((tx) => tx.audit.deleteArchivedRecords(9)), 5);
      assert.equal(await store.read((tx) => tx.audit.firstHotSeq()), undefined);
      const head = await store.read((tx) => tx.audit.head());
      assert.equal(head?.seq, 9);
      assert.deepEqual(Buffer.from(head!.hash), hashOf(9));
      await store.write((tx) => tx.audit.append([record(10)]));
      assert.equal((await store.read((tx) => tx.audit.head()))?.seq, 10);
    });

    it('keeps alerts newest first, and those still pending delivery', async () => {
      const alert = (timeMs: number, isPending: boolean) => ({
        ruleId: 'brute-force',
        severity: 'high',
        timeMs,
        summary: 'failures',
        detail: '{}',
        recordSeq: 1,
        delivery: '{}',
        isPending,
      });
      const first = await store.write((tx) => tx.audit.insertAlert(alert(100, true)));
      const second = await store.write((tx) => tx.audit.insertAlert(alert(200, false)));
      assert.ok(second > first);
      assert.deepEqual(
        (await store.read((tx) => tx.audit.alerts(0, 10))).map((a) => a.id),
        [second, first],
      );
      assert.deepEqual(
        (await store.read((tx) => tx.audit.alerts(150, 10))).map((a) => a.id),
        [second],
      );
      assert.deepEqual(
        (await store.read((tx) => tx.audit.undeliveredAlerts(10))).map((a) => a.id),
        [first],
      );
      await store.write((tx) => tx.audit.setAlertDelivery(first, '{"webhook":"delivered"}', false));
      assert.deepEqual(await store.read((tx) => tx.audit.undeliveredAlerts(10)), []);
      assert.equal((await store.read((tx) => tx.audit.alerts(0, 10)))[1]?.delivery, '{"webhook":"delivered"}');
    });

    it('keeps state values and overwrites them', async () => {
      await store.write((tx) => tx.audit.setState('cursor', '1'));
      await store.write((tx) => tx.audit.setState('cursor', '2'));
      assert.equal(await store.read((tx) => tx.audit.getState('cursor')), '2');
      assert.equal(await store.read((tx) => tx.audit.getState('missing')), undefined);
    });

    it('counts changed rows: writes move the counter, reads do not', async () => {
      const [before, afterRead, afterWrite] = await store.write(async (tx) => {
        const start = tx.changedRows();
        await tx.audit.getState('cursor');
        await tx.getQueueById(1);
        const read = tx.changedRows();
        await tx.audit.setState('counter', 'x');
        return [start, read, tx.changedRows()];
      });
      assert.equal(afterRead, before);
      assert.ok(afterWrite! > afterRead!);
    });

    it('stages records for a sequencer, oldest first, and forgets them once chained', async () => {
      await store.write(async (tx) => {
        assert.equal(await tx.audit.lockSequencer(), true);
        for (const n of [1, 2, 3]) await tx.audit.stage({ timeMs: 5_000 + n, body: `{"n":${n}}`, mac: `mac-${n}` });
      });
      const staged = await store.read((tx) => tx.audit.staged(10));
      assert.deepEqual(
        staged.map((row) => [row.timeMs, row.body, row.mac]),
        [
          [5_001, '{"n":1}', 'mac-1'],
          [5_002, '{"n":2}', 'mac-2'],
          [5_003, '{"n":3}', 'mac-3'],
        ],
      );
      assert.ok(staged[0]!.id < staged[1]!.id && staged[1]!.id < staged[2]!.id);
      assert.equal((await store.read((tx) => tx.audit.staged(1))).length, 1);
      await store.write((tx) => tx.audit.deleteStaged([staged[0]!.id, staged[2]!.id]));
      assert.deepEqual(
        (await store.read((tx) => tx.audit.staged(10))).map((row) => row.body),
        ['{"n":2}'],
      );
      await store.write((tx) => tx.audit.deleteStaged([staged[1]!.id]));
      assert.ok(['inline', 'sequenced'].includes(await store.read(async (tx) => tx.audit.chaining)));
    });

    it('keeps the audit trail across a restart', async () => {
      store = await factory.reopen(store);
      assert.equal((await store.read((tx) => tx.audit.head()))?.seq, 10);
      assert.equal((await store.read((tx) => tx.audit.latestCheckpoint()))?.seq, 2);
    });
  });
}
