import { join } from 'node:path';
import { SqliteStore, type Store } from '../../src/storage/index.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { describeStoreContract } from './contract.ts';
import { describeKeyStoreContract } from './keys-contract.ts';

for (const [name, describeContract] of [
  ['sqlite', describeStoreContract],
  ['sqlite', describeKeyStoreContract],
] as const) {
  const dir = makeTempDir('pciq-sqlite-');
  const path = join(dir.path, 'contract.db');
  describeContract(name, {
    create: async () => new SqliteStore({ path }),
    reopen: async (store: Store) => {
      await store.close();
      return new SqliteStore({ path });
    },
    cleanup: async () => dir.remove(),
  });
}
