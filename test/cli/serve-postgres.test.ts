/**
 * The commands an operator runs on a node of a PostgreSQL store, through the CLI: mistakes at start-up end
 * in one line and an exit, never in a process that neither serves nor exits.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
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
  });
}
