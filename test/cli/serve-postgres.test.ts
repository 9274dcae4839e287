/**
 * The commands an operator runs on a node of a PostgreSQL store, through the CLI: mistakes at start-up end
 * in one line and an exit, never in a process that neither serves nor exits, nor in a new SQLite store.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pciq } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { createTestSchema, skipNotice, type TestSchema, testPostgres } from '../support/postgres.ts';

const postgres = await testPostgres();
if ('skip' in postgres) {
  skipNotice('pciq on a node of a PostgreSQL store', postgres.skip);
} else {
  describe('pciq on a node of a PostgreSQL store', () => {
    let schema: TestSchema;
    let data: ReturnType<typeof initDataDir>;

    before(async () => {
      schema = await createTestSchema(postgres.url);
      data = initDataDir({ store: schema.url });
    });

    after(async () => {
      data.remove();
      await schema.drop();
    });

    it('exits with one line when it cannot start serving, rather than hang on its database connections', async () => {
      const missing = join(data.dataDir, 'no-such.pem');
      const server = new PciqServer({
        dataDir: data.dataDir,
        keyFile: data.keyFile,
        extra: [...data.storeArgs, '--workers', '1', '--tls-cert', missing, '--tls-key', missing],
      });
      server.endpoint.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        server.exited,
        new Promise<'still running'>((resolve) => {
          timer = setTimeout(() => resolve('still running'), 30_000);
        }),
      ]).finally(() => clearTimeout(timer));
      if (code === 'still running') server.process.kill('SIGKILL');
      assert.equal(code, 1, `pciq serve exits: ${server.stderr}`);
      assert.match(server.stderr, /cannot read the TLS certificate or key/);
    });

    it('tells a further node where its data directory and certificate come from', () => {
      const fresh = join(dirname(data.dataDir), 'new-node');
      const hint =
        /copy the data directory of the node that ran `pciq init` .*or create it and pass --tls-cert\/--tls-key\n$/;
      const serve = () =>
        pciq(['serve', '--data-dir', fresh, '--key-file', data.keyFile, ...data.storeArgs, '--port', '0'], {
          timeoutMs: 60_000,
        });
      const absent = serve();
      assert.equal(absent.status, 1);
      assert.match(absent.stderr, /the data directory \S+new-node does not exist; on a further node/);
      assert.match(absent.stderr, hint);
      mkdirSync(fresh, { mode: 0o700 });
      const empty = serve();
      assert.equal(empty.status, 1);
      assert.match(empty.stderr, /cannot read the TLS certificate or key/);
      assert.match(empty.stderr, hint);
    });

    it("refuses a node's data directory without --store instead of making it a new SQLite one", () => {
      const caPem = readFileSync(data.bootstrap.caFile, 'utf8');
      const withoutStore = { ...process.env, PCIQ_STORE: undefined };
      const dirArgs = ['--data-dir', data.dataDir, '--key-file', data.keyFile];
      for (const args of [
        ['init', '--data-dir', data.dataDir, '--key-file', join(dirname(data.keyFile), 'other.key'), '--json'],
        ['keys', 'list', ...dirArgs],
        ['serve', ...dirArgs, '--port', '0', '--workers', '1'],
      ]) {
        const result = pciq(args, { env: withoutStore, timeoutMs: 60_000 });
        assert.equal(result.status, 1, `pciq ${args[0]} refuses: ${result.stdout}${result.stderr}`);
        assert.match(
          result.stderr,
          /is a node's data directory of postgres:\/\/pciq_test:\*\*\*\*\*@\S+: pass --store URL or set PCIQ_STORE\n$/,
        );
        assert.ok(!result.stderr.includes('pciq_test:pciq_test'), 'the password is never printed');
      }
      assert.ok(!existsSync(join(data.dataDir, 'pciq.db')), 'no SQLite store was created');
      assert.equal(readFileSync(data.bootstrap.caFile, 'utf8'), caPem, 'the certificate clients trust is unchanged');
    });
  });
}
