/**
 * Functions on nodes that share a PostgreSQL database: one node at a time runs them, and when it stops,
 * another takes over; every message is processed exactly once throughout.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateQueueCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createFunctionRole } from '../support/function-role.ts';
import { pciq, pciqJson } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { createTestSchema, skipNotice, type TestSchema, testPostgres } from '../support/postgres.ts';
import { sqsClient } from '../support/sqs-client.ts';
import { waitFor } from '../support/wait-for.ts';

const postgres = await testPostgres();
if ('skip' in postgres) {
  skipNotice('functions on nodes sharing PostgreSQL', postgres.skip);
} else {
  describe('functions on nodes sharing PostgreSQL', () => {
    let schema: TestSchema;
    let data: ReturnType<typeof initDataDir>;
    const servers: PciqServer[] = [];
    const clients: SQSClient[] = [];
    const storeArgs = () => [...data.storeArgs, '--data-dir', data.dataDir, '--key-file', data.keyFile];

    async function startNode(name: string): Promise<SQSClient> {
      const server = new PciqServer({
        dataDir: data.dataDir,
        keyFile: data.keyFile,
        extra: [...data.storeArgs, '--workers', '1', '--node', name],
      });
      servers.push(server);
      const client = sqsClient(await server.endpoint, data.bootstrap);
      clients.push(client);
      return client;
    }

    function processed(): string[] {
      const logs = pciqJson<Array<{ text: string }>>([
        'functions',
        'logs',
        'tally',
        '--since',
        '1h',
        '--limit',
        '10000',
        '--json',
        ...storeArgs(),
      ]);
      return logs.flatMap((entry) =>
        entry.text
          .split('\n')
          .map((line) => line.split('\t'))
          .filter((fields) => fields[2] === 'INFO')
          .map((fields) => fields[3]!),
      );
    }

    async function send(sqs: SQSClient, from: number, count: number): Promise<void> {
      const url = `${await servers[0]!.endpoint}/${data.bootstrap.accountId}/tally`;
      for (let i = from; i < from + count; i += 10) {
        const entries = Array.from({ length: 10 }, (_, j) => ({ Id: String(j), MessageBody: `m-${i + j}` }));
        await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
      }
    }

    before(async () => {
      schema = await createTestSchema(postgres.url);
      data = initDataDir({ store: schema.url });
      createFunctionRole('tally', storeArgs());
    });

    after(async () => {
      for (const client of clients) client.destroy();
      for (const server of servers) await server.stop();
      data.remove();
      await schema.drop();
    });

    it('runs the mapping on one node, and on another once that node stops', async () => {
      const first = await startNode('node-a');
      await first.send(new CreateQueueCommand({ QueueName: 'tally', Attributes: { VisibilityTimeout: '30' } }));
      const code = join(data.dataDir, '..', 'tally-code');
      mkdirSync(code);
      writeFileSync(
        join(code, 'index.mjs'),
        'export const handler = async (event) => { for (const r of event.Records) console.log(r.body); };',
      );
      const role = `arn:aws:iam::${data.bootstrap.accountId}:role/tally`;
      const deployed = pciq([
        'functions',
        'deploy',
        'tally',
        '--code',
        code,
        '--handler',
        'index.handler',
        '--role',
        role,
        ...storeArgs(),
      ]);
      assert.equal(deployed.status, 0, deployed.stderr);
      assert.equal(pciq(['functions', 'map', 'tally', '--queue', 'tally', ...storeArgs()]).status, 0);
      await send(first, 0, 100);
      await waitFor('node-a to process the first hundred', () => processed().length === 100, { timeoutMs: 60_000 });
      const second = await startNode('node-b');
      await servers[0]!.stop();
      await send(second, 100, 100);
      const all = await waitFor(
        'node-b to take over',
        () => {
          const seen = processed();
          return seen.length >= 200 && seen;
        },
        { timeoutMs: 90_000, intervalMs: 500 },
      );
      assert.equal(all.length, 200, 'no message processed twice');
      assert.equal(new Set(all).size, 200, 'every message processed');
    });
  });
}
