import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { it } from 'node:test';
import { SqliteStore, type Store } from '../../src/storage/index.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { describeAuditStoreContract } from './audit-contract.ts';
import { describeComplianceStoreContract } from './compliance-contract.ts';
import { describeStoreContract } from './contract.ts';
import { describeFunctionStoreContract } from './functions-contract.ts';
import { describeIamStoreContract } from './iam-contract.ts';
import { describeKeyStoreContract } from './keys-contract.ts';
import { describeVaultStoreContract } from './vault-contract.ts';

function sqliteFactory(file: string) {
  const dir = makeTempDir('pciq-sqlite-');
  const path = join(dir.path, file);
  return {
    create: async () => new SqliteStore({ path }),
    reopen: async (store: Store) => {
      await store.close();
      return new SqliteStore({ path });
    },
    cleanup: async () => dir.remove(),
  };
}

describeStoreContract('sqlite', sqliteFactory('contract.db'));
describeKeyStoreContract('sqlite', sqliteFactory('keys-contract.db'));
describeAuditStoreContract('sqlite', sqliteFactory('audit-contract.db'));
describeFunctionStoreContract('sqlite', sqliteFactory('functions-contract.db'));
describeVaultStoreContract('sqlite', sqliteFactory('vault-contract.db'));
describeIamStoreContract('sqlite', sqliteFactory('iam-contract.db'));
describeComplianceStoreContract('sqlite', sqliteFactory('compliance-contract.db'));

it('sees a key change another process committed with its next unit of work (sqlite)', async () => {
  const dir = makeTempDir('pciq-sqlite-');
  const path = join(dir.path, 'shared.db');
  const first = new SqliteStore({ path });
  const second = new SqliteStore({ path });
  try {
    const before = await first.write((tx) => tx.keys.revision());
    await second.write((tx) =>
      tx.keys.putAlias({
        accountId: '123456789012',
        aliasName: 'alias/x',
        keyId: randomUUID(),
        createdAtMs: 1,
        updatedAtMs: 1,
      }),
    );
    const changed = await second.read((tx) => tx.keys.revision());
    assert.notEqual(changed, before);
    assert.equal(await first.write((tx) => tx.keys.revision()), changed);
  } finally {
    await first.close();
    await second.close();
    dir.remove();
  }
});
