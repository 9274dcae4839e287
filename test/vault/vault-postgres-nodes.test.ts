/**
 * The vault on several PostgreSQL nodes (several stores on one database): what only concurrent writers on
 * other connections can break.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/core/index.ts';
import { RootKey } from '../../src/crypto/index.ts';
import { KeyService } from '../../src/keys/index.ts';
import { PostgresStore } from '../../src/storage/index.ts';
import { TokenVault } from '../../src/vault/index.ts';
import { caller } from '../support/audit-harness.ts';
import { panIn } from '../support/card-numbers.ts';
import { createTestSchema, skipNotice, type TestSchema, testPostgres } from '../support/postgres.ts';

const server = await testPostgres();
if ('skip' in server) {
  skipNotice('the vault on several PostgreSQL nodes', server.skip);
} else {
  describe('the vault on several PostgreSQL nodes', () => {
    let schema: TestSchema;
    let stores: PostgresStore[];
    let vaults: TokenVault[];

    before(async () => {
      schema = await createTestSchema(server.url);
      const root = RootKey.generateSecret();
      stores = await Promise.all([1, 2].map(() => PostgresStore.open({ url: `${schema.url}&pool_size=4` })));
      vaults = [];
      for (const store of stores) {
        const sealer = await KeyService.open({
          store,
          root: new RootKey(root),
          clock: systemClock,
          region: 'us-east-1',
        });
        vaults.push(new TokenVault({ store, sealer, clock: systemClock, region: 'us-east-1' }));
      }
      // The account's vault key exists before the race: the race under test is the tokens'.
      await vaults[0]!.tokenize(caller, panIn('400000', '400000', 16));
    });

    after(async () => {
      await Promise.all(stores.map((store) => store.close()));
      await schema.drop();
    });

    it('gives one convergent token to a card both nodes tokenize at once, and fails neither', async () => {
      for (let round = 0; round < 20; round++) {
        const pans = Array.from({ length: 5 }, () => panIn('411111', '411111', 16));
        // Each node tokenizes the cards in a batch and one by one, all at once.
        const perNode = await Promise.all(
          vaults.map(async (vault) => {
            const [batch, ...singles] = await Promise.all([
              vault.tokenizeBatch(caller, pans, { scope: 'checkout' }),
              ...pans.map((pan) => vault.tokenize(caller, pan, { scope: 'checkout' })),
            ]);
            return { batch: batch as Array<{ token: string }>, singles: singles as Array<{ token: string }> };
          }),
        );
        for (const index of pans.keys()) {
          const tokens = perNode.flatMap(({ batch, singles }) => [batch[index]!.token, singles[index]!.token]);
          assert.equal(new Set(tokens).size, 1, `card ${index} of round ${round} has one token: ${tokens}`);
        }
      }
    });
  });
}
