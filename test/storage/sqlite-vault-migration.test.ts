import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { SqliteStore } from '../../src/storage/index.ts';
import { vaultMigrations } from '../../src/storage/sqlite/schema/vault.ts';
import { makeTempDir } from '../support/temp-dir.ts';

describe('the vault tables on SQLite', () => {
  it('move tokens written under the first schema into the table keyed by reference, losing none', async () => {
    const dir = makeTempDir('pciq-vault-migration-');
    try {
      const path = join(dir.path, 'pciq.db');
      await new SqliteStore({ path }).close();
      // A data directory as the first vault schema left it, with two tokens in it.
      const raw = new DatabaseSync(path);
      raw.exec(`DROP TABLE vault_tokens; ${vaultMigrations[0]}`);
      raw.prepare("UPDATE schema_versions SET version = 1 WHERE module = 'vault'").run();
      const insert = raw.prepare('INSERT INTO vault_tokens VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      insert.run('123456789012', 'ref-a', 'opaque', Buffer.from([1]), Buffer.from([2]), '', null, 'arn:a', 1, null);
      insert.run('123456789012', 'ref-b', 'opaque', Buffer.from([3]), Buffer.from([4]), 's', 'fp', 'arn:a', 2, 9);
      raw.close();

      const store = new SqliteStore({ path });
      try {
        const rows = await store.read((tx) => tx.vault.scanTokens('', 10));
        assert.deepEqual(
          rows.map((row) => [row.tokenRef, [...row.sealedPan], [...row.sealedMeta], row.fingerprint, row.expiresAtMs]),
          [
            ['ref-a', [1], [2], null, null],
            ['ref-b', [3], [4], 'fp', 9],
          ],
        );
        assert.equal((await store.read((tx) => tx.vault.findConvergent('123456789012', 's', 'fp')))?.tokenRef, 'ref-b');
        assert.equal(await store.write((tx) => tx.vault.deleteExpiredTokens(10, 10)), 1);
      } finally {
        await store.close();
      }
      const check = new DatabaseSync(path, { readOnly: true });
      const table = check.prepare("SELECT wr FROM pragma_table_list WHERE name = 'vault_tokens'").get();
      const indexes = check
        .prepare(
          "SELECT name FROM sqlite_master WHERE tbl_name = 'vault_tokens' AND type = 'index' AND sql IS NOT NULL ORDER BY name",
        )
        .all();
      check.close();
      assert.equal(table?.wr, 1, 'without row ids');
      assert.deepEqual(
        indexes.map((index) => index.name),
        ['vault_tokens_convergent', 'vault_tokens_expiry'],
      );
    } finally {
      dir.remove();
    }
  });
});
