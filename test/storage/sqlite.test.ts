import { join } from 'node:path';
import { SqliteStore, type Store } from '../../src/storage/index.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { describeStoreContract } from './contract.ts';

const dir = makeTempDir('pciq-sqlite-');
const path = join(dir.path, 'contract.db');

describeStoreContract('sqlite', {
  create: async () => new SqliteStore({ path }),
  reopen: async (store: Store) => {
    await store.close();
    return new SqliteStore({ path });
  },
  cleanup: async () => dir.remove(),
});
