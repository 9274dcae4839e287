import { join } from 'node:path';
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
