/**
 * The audit trail where several nodes write one PostgreSQL database: every node stages its records in its
 * requests' own transactions, a sequencer chains them, and the result is one trail that verifies.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { AuditedStore, AuditTrail, Checkpointer, RequestAuditor, verifyTrail } from '../../src/audit/index.ts';
import { newRequestId, systemClock } from '../../src/core/index.ts';
import { RootKey } from '../../src/crypto/index.ts';
import { KeyService } from '../../src/keys/index.ts';
import { QueueService, sealedMessagesSource } from '../../src/queues/index.ts';
import { PostgresStore } from '../../src/storage/index.ts';
import { createTestSchema, skipNotice, type TestSchema, testPostgres } from '../support/postgres.ts';
import { caller } from '../support/queue-harness.ts';
import { makeTempDir } from '../support/temp-dir.ts';

interface Node {
  store: PostgresStore;
  trail: AuditTrail;
  queues: QueueService;
  auditor: RequestAuditor;
  /** The node's own data directory's audit archive, where its checkpoints are kept. */
  checkpointer: Checkpointer;
}

const server = await testPostgres();
if ('skip' in server) {
  skipNotice('audit trail on PostgreSQL with several nodes', server.skip);
} else {
  describe('audit trail on PostgreSQL with several nodes', () => {
    let schema: TestSchema;
    const nodes: Node[] = [];
    const rootSecret = RootKey.generateSecret();
    const archives = makeTempDir('pciq-pg-archive-');

    before(async () => {
      schema = await createTestSchema(server.url);
      for (const name of ['node-a', 'node-b', 'node-c']) {
        const store = await PostgresStore.open({ url: schema.url });
        const keys = await KeyService.open({
          store,
          root: new RootKey(Buffer.from(rootSecret)),
          clock: systemClock,
          region: 'us-east-1',
        });
        keys.registerSource(sealedMessagesSource('us-east-1'));
        const trail = new AuditTrail({ store, keyring: keys.system, clock: systemClock, node: name });
        const queues = new QueueService({
          store: new AuditedStore(store, trail),
          clock: systemClock,
          sealer: keys,
          region: 'us-east-1',
          endpoint: 'https://127.0.0.1:9324',
        });
        nodes.push({
          store,
          trail,
          queues,
          auditor: new RequestAuditor(trail),
          checkpointer: new Checkpointer(trail, { archiveDir: join(archives.path, name) }),
        });
      }
      // Opened together on a fresh database: one signing key holder decides the log id, all agree on it.
      await Promise.all(nodes.map((node) => node.trail.open()));
      await nodes[0]!.queues.createQueue(caller, { name: 'audited', attributes: {}, tags: {} });
    });

    after(async () => {
      for (const node of nodes) {
        node.queues.stop();
        await node.store.close();
      }
      await schema.drop();
      archives.remove();
    });

    async function send(node: Node, body: string): Promise<string> {
      const requestId = newRequestId();
      const audit = node.auditor.begin({
        requestId,
        origin: { ip: '192.0.2.10', userAgent: 'test', tls: 'TLSv1.3', clientCertificate: null },
        type: 'sqs:SendMessage',
        category: 'data',
      });
      audit.identify({ principal: caller.principalArn, accessKeyId: caller.accessKeyId, accountId: caller.accountId });
      await node.auditor.run(audit, () =>
        node.queues.sendMessages(
          caller,
          { accountId: caller.accountId, name: 'audited' },
          [{ id: 'a', body, attributes: {}, systemAttributes: {} }],
          false,
        ),
      );
      await node.auditor.finish(audit, undefined);
      return requestId;
    }

    it('chains the records of all nodes into one trail that verifies, one record per request', async () => {
      assert.equal(new Set(nodes.map((node) => node.trail.logId)).size, 1, 'one log id');
      const requestIds = await Promise.all(
        nodes.flatMap((node, n) => Array.from({ length: 60 }, (_, i) => send(node, `body ${n}-${i}`))),
      );
      await nodes[1]!.checkpointer.checkpoint('command');
      const rows = await nodes[2]!.store.read((tx) => tx.audit.records(0, 10_000));
      assert.deepEqual(
        rows.map((row) => row.seq),
        rows.map((_, index) => index),
        'contiguous positions from 0',
      );
      const perRequest = new Map<string, number>();
      for (const row of rows)
        if (row.requestId) perRequest.set(row.requestId, (perRequest.get(row.requestId) ?? 0) + 1);
      for (const id of requestIds) assert.equal(perRequest.get(id), 1, `request ${id} has exactly one record`);
      const nodesSeen = new Set(rows.map((row) => JSON.parse(row.body).origin.node));
      assert.deepEqual([...nodesSeen].sort(), ['node-a', 'node-b', 'node-c']);
      assert.equal(
        await nodes[0]!.store.read(async (tx) => (await tx.audit.staged(10)).length),
        0,
        'nothing left staged',
      );
      const report = await verifyTrail(nodes[0]!.trail);
      assert.ok(report.isValid, JSON.stringify(report.findings.filter((f) => f.isFailure)));
    });

    it('checkpoints from several nodes at once without a clash: each starts from the checkpoint before', async () => {
      for (let round = 0; round < 3; round++) {
        await Promise.all(nodes.map((node, n) => send(node, `checkpointed ${round}-${n}`)));
        const results = await Promise.all(nodes.map((node) => node.checkpointer.checkpoint('command')));
        assert.ok(results.every((result) => result.checkpoint && result.problems.length === 0));
      }
      const checkpoints = await nodes[0]!.store.read((tx) => tx.audit.checkpoints(0, 1_000));
      assert.deepEqual(
        checkpoints.map((checkpoint) => checkpoint.seq),
        checkpoints.map((_, index) => index),
        'contiguous checkpoint numbers',
      );
      const report = await verifyTrail(nodes[2]!.trail);
      assert.ok(report.isValid, JSON.stringify(report.findings.filter((f) => f.isFailure)));
    });

    it('chains a staged record that pciq did not write (forged or altered) as a rejection, not as genuine', async () => {
      const client = new pg.Client({ connectionString: schema.url });
      await client.connect();
      const genuine = (await client.query('SELECT body FROM audit_records ORDER BY seq DESC LIMIT 1')).rows[0].body;
      const forged = String(genuine).replace(/"type":"[^"]+"/, '"type":"sqs:Forged"');
      await client.query('INSERT INTO audit_pending (time_ms, body, mac) VALUES ($1, $2, $3)', [
        Date.now(),
        forged,
        'not-a-mac',
      ]);
      await client.end();
      await nodes[1]!.trail.sequence();
      const rows = await nodes[1]!.store.read((tx) => tx.audit.records(0, 10_000));
      assert.equal(rows.filter((row) => row.eventType === 'audit:StagedRecordRejected').length, 1);
      assert.ok(!rows.some((row) => row.eventType === 'sqs:Forged'), 'the forged content is not chained');
      assert.ok((await verifyTrail(nodes[1]!.trail)).isValid, 'the chain itself is intact');
    });
  });
}
