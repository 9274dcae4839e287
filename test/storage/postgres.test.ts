import { PostgresStore, type Store } from '../../src/storage/index.ts';
import { createTestSchema, skipNotice, testPostgres } from '../support/postgres.ts';
import { describeAuditStoreContract } from './audit-contract.ts';
import { describeComplianceStoreContract } from './compliance-contract.ts';
import { describeStoreContract, type StoreFactory } from './contract.ts';
import { describeFunctionStoreContract } from './functions-contract.ts';
import { describeIamStoreContract } from './iam-contract.ts';
import { describeKeyStoreContract } from './keys-contract.ts';
import { describeVaultStoreContract } from './vault-contract.ts';

function postgresFactory(baseUrl: string): StoreFactory {
  let schema: Awaited<ReturnType<typeof createTestSchema>> | undefined;
  return {
    create: async () => {
      schema = await createTestSchema(baseUrl);
      return PostgresStore.open({ url: schema.url });
    },
    reopen: async (store: Store) => {
      await store.close();
      return PostgresStore.open({ url: schema!.url });
    },
    cleanup: async () => schema?.drop(),
  };
}

const server = await testPostgres();
if ('skip' in server) {
  skipNotice('storage contract: postgres', server.skip);
} else {
  describeStoreContract('postgres', postgresFactory(server.url));
  describeKeyStoreContract('postgres', postgresFactory(server.url));
  describeAuditStoreContract('postgres', postgresFactory(server.url));
  describeVaultStoreContract('postgres', postgresFactory(server.url));
  describeFunctionStoreContract('postgres', postgresFactory(server.url));
  describeIamStoreContract('postgres', postgresFactory(server.url));
  describeComplianceStoreContract('postgres', postgresFactory(server.url));
}
