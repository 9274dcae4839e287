import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { SqliteStore } from '../../src/storage/index.ts';
import { queueMigrations } from '../../src/storage/sqlite/schema/queues.ts';
import { makeTempDir } from '../support/temp-dir.ts';

describe('identity tables on a data directory made before them', () => {
  it('makes the bootstrap key of user/admin an AdministratorAccess user, so it keeps working', async () => {
    const dir = makeTempDir('pciq-iam-migration-');
    const path = join(dir.path, 'pciq.db');
    const old = new DatabaseSync(path);
    old.exec('CREATE TABLE schema_versions (module TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID');
    old.exec(queueMigrations[0]!);
    old.prepare("INSERT INTO schema_versions VALUES ('queues', 1)").run();
    old
      .prepare('INSERT INTO access_keys VALUES (?, ?, ?, ?, ?, ?)')
      .run('AKIAOLDBOOTSTRAPKEY0', Buffer.from('sealed'), 'arn:aws:iam::210987654321:user/admin', 'Active', 5, null);
    old.close();
    const store = new SqliteStore({ path });
    try {
      const admin = await store.read((tx) => tx.iam.getUser('210987654321', 'admin'));
      assert.equal(admin?.createdAtMs, 5);
      assert.match(admin!.userId, /^AIDA[0-9A-F]{18}$/);
      const attached = await store.read((tx) => tx.iam.listAttachments('210987654321', 'user', 'admin'));
      assert.deepEqual(
        attached.map((row) => row.policyArn),
        ['arn:aws:iam::aws:policy/AdministratorAccess'],
      );
    } finally {
      await store.close();
      dir.remove();
    }
  });
});
