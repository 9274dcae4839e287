/**
 * The vault's part of the storage contract (`tx.vault`): what every driver must do. Run by each driver's
 * test file next to the main contract.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store, VaultTokenRow } from '../../src/storage/index.ts';
import type { StoreFactory } from './contract.ts';

function tokenRow(overrides: Partial<VaultTokenRow> = {}): VaultTokenRow {
  return {
    accountId: '123456789012',
    tokenRef: `ref-${Math.random().toString(36).slice(2)}`,
    format: 'opaque',
    sealedPan: Buffer.from([1, 2, 3]),
    sealedMeta: Buffer.from([4, 5, 6]),
    scope: '',
    fingerprint: null,
    createdBy: 'arn:aws:iam::123456789012:user/admin',
    createdAtMs: 1_000,
    expiresAtMs: null,
    ...overrides,
  };
}

export function describeVaultStoreContract(driver: string, factory: StoreFactory): void {
  describe(`storage contract, vault: ${driver}`, () => {
    let store: Store;
    before(async () => {
      store = await factory.create();
    });
    after(async () => {
      await store.close();
      await factory.cleanup();
    });

    it('keeps tokens per account and finds them by reference', async () => {
      const row = tokenRow();
      await store.write((tx) => tx.vault.insertTokens([row]));
      const found = await store.read((tx) => tx.vault.getToken(row.accountId, row.tokenRef));
      assert.deepEqual(
        { ...found, sealedPan: [...found!.sealedPan], sealedMeta: [...found!.sealedMeta] },
        {
          ...row,
          sealedPan: [1, 2, 3],
          sealedMeta: [4, 5, 6],
        },
      );
      assert.equal(await store.read((tx) => tx.vault.getToken('210987654321', row.tokenRef)), undefined);
    });

    it('keeps every row of a large batch as given', async () => {
      // Sizes around those a driver may insert by statements of many rows: all of them, whatever the split.
      for (const count of [31, 32, 33, 100]) {
        const rows = Array.from({ length: count }, (_, i) =>
          tokenRow({
            sealedPan: Buffer.from([i, count]),
            sealedMeta: Buffer.from([count, i, 7]),
            scope: i % 3 === 0 ? 'orders' : '',
            fingerprint: i % 3 === 0 ? `fp-${count}-${i}` : null,
            createdAtMs: 1_000 + i,
            expiresAtMs: i % 2 === 0 ? 50_000 + i : null,
          }),
        );
        await store.write((tx) => tx.vault.insertTokens(rows));
        for (const row of rows) {
          const found = await store.read((tx) => tx.vault.getToken(row.accountId, row.tokenRef));
          assert.deepEqual(
            { ...found, sealedPan: [...found!.sealedPan], sealedMeta: [...found!.sealedMeta] },
            { ...row, sealedPan: [...row.sealedPan], sealedMeta: [...row.sealedMeta] },
          );
        }
      }
    });

    it('reads one ciphertext of many tokens at once, in the order asked, none for unknown tokens', async () => {
      const rows = [
        tokenRow({ sealedPan: Buffer.from([11]), sealedMeta: Buffer.from([21]) }),
        tokenRow({ sealedPan: Buffer.from([12]), sealedMeta: Buffer.from([22]), expiresAtMs: 9_000 }),
      ];
      await store.write(async (tx) => {
        await tx.vault.insertTokens(rows);
      });
      const asked = [rows[1]!.tokenRef, 'ref-unknown', rows[0]!.tokenRef, rows[1]!.tokenRef];
      const plain = (found: Array<{ sealed: Uint8Array; expiresAtMs: number | null } | undefined>) =>
        found.map((value) => value && { sealed: [...value.sealed], expiresAtMs: value.expiresAtMs });
      assert.deepEqual(plain(await store.read((tx) => tx.vault.getSealedTokens('123456789012', asked, 'pan'))), [
        { sealed: [12], expiresAtMs: 9_000 },
        undefined,
        { sealed: [11], expiresAtMs: null },
        { sealed: [12], expiresAtMs: 9_000 },
      ]);
      assert.deepEqual(plain(await store.read((tx) => tx.vault.getSealedTokens('123456789012', asked, 'meta'))), [
        { sealed: [22], expiresAtMs: 9_000 },
        undefined,
        { sealed: [21], expiresAtMs: null },
        { sealed: [22], expiresAtMs: 9_000 },
      ]);
      // Inside a write transaction too, and one at a time.
      assert.deepEqual(
        plain(await store.write((tx) => tx.vault.getSealedTokens('123456789012', [rows[0]!.tokenRef], 'meta'))),
        [{ sealed: [21], expiresAtMs: null }],
      );
      assert.deepEqual(await store.read((tx) => tx.vault.getSealedTokens('210987654321', asked, 'pan')), [
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
    });

    it('inserts many tokens in one call, each as given; a reference in use fails the call and its unit', async () => {
      const rows = Array.from({ length: 50 }, (_, i) =>
        tokenRow({
          sealedPan: Buffer.from([i, 1]),
          sealedMeta: Buffer.from([i, 2]),
          ...(i % 2 === 0 ? { scope: 'many', fingerprint: `fp-many-${i}`, expiresAtMs: 50_000 + i } : {}),
        }),
      );
      await store.write((tx) => tx.vault.insertTokens(rows));
      for (const row of [rows[0]!, rows[1]!, rows[49]!]) {
        const found = await store.read((tx) => tx.vault.getToken(row.accountId, row.tokenRef));
        assert.deepEqual(
          { ...found, sealedPan: [...found!.sealedPan], sealedMeta: [...found!.sealedMeta] },
          { ...row, sealedPan: [...row.sealedPan], sealedMeta: [...row.sealedMeta] },
        );
      }
      const fresh = tokenRow();
      await assert.rejects(store.write((tx) => tx.vault.insertTokens([fresh, rows[3]!])));
      assert.equal(await store.read((tx) => tx.vault.getToken(fresh.accountId, fresh.tokenRef)), undefined);
      await store.write((tx) => tx.vault.insertTokens([]));
    });

    it('finds convergent tokens by scope and fingerprint, one per fingerprint in a scope', async () => {
      const row = tokenRow({ scope: 'orders', fingerprint: 'fp-1' });
      await store.write((tx) => tx.vault.insertTokens([row]));
      assert.equal(
        (await store.read((tx) => tx.vault.findConvergent(row.accountId, 'orders', 'fp-1')))?.tokenRef,
        row.tokenRef,
      );
      assert.equal(await store.read((tx) => tx.vault.findConvergent(row.accountId, 'refunds', 'fp-1')), undefined);
      assert.deepEqual(
        await store.write((tx) => tx.vault.insertTokens([tokenRow({ scope: 'refunds', fingerprint: 'fp-1' })])),
        [],
      );
    });

    it('leaves out convergent rows whose fingerprint is taken in their scope, and names them', async () => {
      const taken = [
        tokenRow({ scope: 'race', fingerprint: 'fp-a' }),
        tokenRow({ scope: 'race', fingerprint: 'fp-b' }),
      ];
      await store.write((tx) => tx.vault.insertTokens(taken));
      // As a node that looked before another committed would: in one row, and among many (statements of many).
      const late = tokenRow({ scope: 'race', fingerprint: 'fp-a' });
      assert.deepEqual(await store.write((tx) => tx.vault.insertTokens([late])), [late.tokenRef]);
      const rows = Array.from({ length: 40 }, (_, i) =>
        tokenRow({ scope: 'race', fingerprint: i === 5 ? 'fp-a' : i === 37 ? 'fp-b' : `fp-late-${i}` }),
      );
      assert.deepEqual(await store.write((tx) => tx.vault.insertTokens(rows)), [rows[5]!.tokenRef, rows[37]!.tokenRef]);
      for (const [i, row] of rows.entries()) {
        const found = await store.read((tx) => tx.vault.getToken(row.accountId, row.tokenRef));
        assert.equal(found === undefined, i === 5 || i === 37, `row ${i}`);
      }
      assert.equal(
        (await store.read((tx) => tx.vault.findConvergent(late.accountId, 'race', 'fp-b')))?.tokenRef,
        taken[1]!.tokenRef,
      );
    });

    it('deletes tokens, expired ones in bounded sweeps, and replaces ciphertexts only', async () => {
      const keep = tokenRow({ expiresAtMs: 10_000 });
      const expired = [
        tokenRow({ expiresAtMs: 5_000 }),
        tokenRow({ expiresAtMs: 5_000 }),
        tokenRow({ expiresAtMs: 6_000 }),
      ];
      await store.write(async (tx) => {
        await tx.vault.insertTokens([keep, ...expired]);
      });
      assert.equal(await store.write((tx) => tx.vault.deleteExpiredTokens(6_000, 2)), 2);
      assert.equal(await store.write((tx) => tx.vault.deleteExpiredTokens(6_000, 2)), 1);
      assert.ok(await store.read((tx) => tx.vault.getToken(keep.accountId, keep.tokenRef)));
      await store.write((tx) =>
        tx.vault.replaceTokenSeals(keep.accountId, keep.tokenRef, { sealedMeta: Buffer.from([9]) }),
      );
      const replaced = await store.read((tx) => tx.vault.getToken(keep.accountId, keep.tokenRef));
      assert.deepEqual([[...replaced!.sealedPan], [...replaced!.sealedMeta]], [[1, 2, 3], [9]]);
      assert.equal(await store.write((tx) => tx.vault.deleteToken(keep.accountId, keep.tokenRef)), true);
      assert.equal(await store.write((tx) => tx.vault.deleteToken(keep.accountId, keep.tokenRef)), false);
    });

    it('scans every token page by page', async () => {
      const seen = new Set<string>();
      let cursor = '';
      for (;;) {
        const page = await store.read((tx) => tx.vault.scanTokens(cursor, 2));
        for (const row of page) seen.add(row.tokenRef);
        if (page.length < 2) break;
        cursor = page[page.length - 1]!.cursor;
      }
      assert.ok(seen.size >= 3, `${seen.size} tokens scanned`);
    });
  });
}
