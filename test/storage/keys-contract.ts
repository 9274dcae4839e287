/**
 * The key-management part of the storage contract (`tx.keys`, and the re-encryption methods of messages
 * and access keys): what every driver must do. Run by each driver's test file next to the main contract.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { KmsKeyRow, Store } from '../../src/storage/index.ts';
import type { StoreFactory } from './contract.ts';

function keyRow(overrides: Partial<KmsKeyRow> = {}): KmsKeyRow {
  return {
    keyId: randomUUID(),
    accountId: '123456789012',
    description: 'contract',
    keyManager: 'CUSTOMER',
    state: 'Enabled',
    createdAtMs: 1_000,
    deletionAtMs: null,
    pendingWindowDays: null,
    rotationPeriodDays: 365,
    nextRotationAtMs: 5_000,
    currentVersion: 1,
    minDecryptVersion: 1,
    policy: '',
    tags: { team: 'payments' },
    ...overrides,
  };
}

export function describeKeyStoreContract(driver: string, factory: StoreFactory): void {
  describe(`storage contract, keys: ${driver}`, () => {
    let store: Store;
    before(async () => {
      store = await factory.create();
    });
    after(async () => {
      await store.close();
      await factory.cleanup();
    });

    it('keeps keys, versions and aliases, and changes the revision with every metadata change', async () => {
      const revisions = [await store.read((tx) => tx.keys.revision())];
      const key = keyRow();
      await store.write((tx) => tx.keys.insertKey(key));
      revisions.push(await store.read((tx) => tx.keys.revision()));
      await store.write((tx) =>
        tx.keys.insertVersion({
          keyId: key.keyId,
          version: 1,
          materialId: 'a'.repeat(64),
          wrappedMaterial: Buffer.from('wrapped'),
          rotationType: 'INITIAL',
          createdAtMs: 1_000,
          destroyedAtMs: null,
          invocations: 0,
        }),
      );
      revisions.push(await store.read((tx) => tx.keys.revision()));
      await store.write((tx) => tx.keys.updateKey({ ...key, state: 'Disabled', tags: { a: 'b' } }));
      revisions.push(await store.read((tx) => tx.keys.revision()));
      await store.write((tx) =>
        tx.keys.putAlias({
          accountId: key.accountId,
          aliasName: 'alias/c',
          keyId: key.keyId,
          createdAtMs: 1,
          updatedAtMs: 2,
        }),
      );
      revisions.push(await store.read((tx) => tx.keys.revision()));
      assert.equal(new Set(revisions).size, revisions.length, 'each change has a new revision');
      const stored = (await store.read((tx) => tx.keys.listKeys())).find((row) => row.keyId === key.keyId);
      assert.deepEqual(stored, { ...key, state: 'Disabled', tags: { a: 'b' } });
      const [version] = (await store.read((tx) => tx.keys.listVersions())).filter((row) => row.keyId === key.keyId);
      assert.deepEqual(Buffer.from(version!.wrappedMaterial!), Buffer.from('wrapped'));
      assert.deepEqual(await store.read((tx) => tx.keys.listAliases()), [
        { accountId: key.accountId, aliasName: 'alias/c', keyId: key.keyId, createdAtMs: 1, updatedAtMs: 2 },
      ]);
    });

    it('gives every unit of a group commit the revision as of its start, its own changes and rollbacks included', async () => {
      const before = await store.read((tx) => tx.keys.revision());
      // Issued in one turn of the event loop: the units share one physical transaction where the driver groups.
      const [first, changed, afterChange, failed, afterRollback] = await Promise.allSettled([
        store.write((tx) => tx.keys.revision()),
        store.write(async (tx) => {
          await tx.keys.insertKey(keyRow());
          return tx.keys.revision();
        }),
        store.write((tx) => tx.keys.revision()),
        store.write(async (tx) => {
          await tx.keys.revision();
          await tx.keys.insertKey(keyRow());
          await tx.keys.revision();
          throw new Error('rolled back');
        }),
        store.write((tx) => tx.keys.revision()),
      ]);
      const revisionOf = (result: PromiseSettledResult<string> | undefined) =>
        result?.status === 'fulfilled' ? result.value : assert.fail('unit failed');
      assert.equal(revisionOf(first), before);
      assert.notEqual(revisionOf(changed), before);
      assert.equal(revisionOf(afterChange), revisionOf(changed), 'a change is seen by the next unit');
      assert.equal(failed?.status, 'rejected');
      assert.equal(revisionOf(afterRollback), revisionOf(changed), 'a rolled-back change is not');
      assert.equal(await store.read((tx) => tx.keys.revision()), revisionOf(changed));
    });

    it('counts usage without changing the revision, destroys material, deletes aliases', async () => {
      const key = keyRow();
      await store.write(async (tx) => {
        await tx.keys.insertKey(key);
        await tx.keys.insertVersion({
          keyId: key.keyId,
          version: 1,
          materialId: 'b'.repeat(64),
          wrappedMaterial: Buffer.from('w'),
          rotationType: 'INITIAL',
          createdAtMs: 1,
          destroyedAtMs: null,
          invocations: 0,
        });
        await tx.keys.putAlias({
          accountId: key.accountId,
          aliasName: 'alias/d',
          keyId: key.keyId,
          createdAtMs: 1,
          updatedAtMs: 1,
        });
      });
      const revision = await store.read((tx) => tx.keys.revision());
      await store.write((tx) => tx.keys.addUsage(key.keyId, 1, 41));
      await store.write((tx) => tx.keys.addUsage(key.keyId, 1, 1));
      assert.equal(await store.read((tx) => tx.keys.revision()), revision);
      await store.write((tx) => tx.keys.setVersionMaterial(key.keyId, 1, null, 9_000));
      const version = (await store.read((tx) => tx.keys.listVersions())).find((row) => row.keyId === key.keyId)!;
      assert.equal(version.invocations, 42);
      assert.equal(version.wrappedMaterial, null);
      assert.equal(version.destroyedAtMs, 9_000);
      assert.equal(await store.write((tx) => tx.keys.deleteAlias(key.accountId, 'alias/d')), true);
      assert.equal(await store.write((tx) => tx.keys.deleteAlias(key.accountId, 'alias/d')), false);
    });

    it('keeps internal keys and replaces them', async () => {
      await store.write((tx) =>
        tx.keys.putInternalKey({ name: 'x', wrappedMaterial: Buffer.from('1'), createdAtMs: 5 }),
      );
      await store.write((tx) =>
        tx.keys.putInternalKey({ name: 'x', wrappedMaterial: Buffer.from('2'), createdAtMs: 6 }),
      );
      const [internal] = (await store.read((tx) => tx.keys.listInternalKeys())).filter((row) => row.name === 'x');
      assert.deepEqual(Buffer.from(internal!.wrappedMaterial), Buffer.from('2'));
      assert.equal(internal!.createdAtMs, 5);
    });

    it('scans sealed payloads of all queues in order and replaces one payload, and an access key secret', async () => {
      const queue = await store.write((tx) =>
        tx.insertQueue({
          accountId: '123456789012',
          name: `keys_${randomUUID().slice(0, 8)}`,
          isFifo: false,
          attributes: {},
          tags: {},
          createdAtMs: 1,
          lastModifiedAtMs: 1,
          lastPurgedAtMs: null,
        }),
      );
      const message = {
        queueId: queue.id,
        groupKey: null,
        sentAtMs: 1,
        visibleAtMs: 1,
        expiresAtMs: 10_000,
        receiveCount: 0,
        firstReceivedAtMs: null,
        lastReceivedAtMs: null,
        receiptNonce: null,
        sizeBytes: 1,
      };
      const seqs = await store.write(async (tx) => [
        await tx.insertMessage({ ...message, messageId: 'm1', payload: Buffer.from('p1') }),
        await tx.insertMessage({ ...message, messageId: 'm2', payload: Buffer.from('p2') }),
      ]);
      const page = await store.read((tx) => tx.scanPayloads(seqs[0]! - 1, 1));
      assert.deepEqual(
        page.map((row) => [row.seq, row.messageId]),
        [[seqs[0], 'm1']],
      );
      await store.write((tx) => tx.replacePayload(queue.id, seqs[1]!, Buffer.from('resealed')));
      const rest = await store.read((tx) => tx.scanPayloads(seqs[0]!, 10));
      assert.deepEqual(Buffer.from(rest[0]!.payload), Buffer.from('resealed'));
      await store.write((tx) => tx.insertMessage({ ...message, messageId: 'm3', payload: Buffer.from('p3') }));
      const prefixes = (await store.read((tx) => tx.payloadPrefixes(1)))
        .filter((row) => row.queueId === queue.id)
        .map((row) => Buffer.from(row.prefix).toString())
        .sort();
      assert.deepEqual(prefixes, ['p', 'r'], 'one row per distinct prefix of the queue');
      await store.write((tx) =>
        tx.insertAccessKey({
          accessKeyId: 'AKIACONTRACTKEYS0001',
          sealedSecret: Buffer.from('s1'),
          principalArn: 'arn:aws:iam::123456789012:user/a',
          status: 'Active',
          createdAtMs: 1,
          lastUsedAtMs: null,
        }),
      );
      await store.write((tx) => tx.replaceAccessKeySecret('AKIACONTRACTKEYS0001', Buffer.from('s2')));
      const accessKey = await store.read((tx) => tx.getAccessKey('AKIACONTRACTKEYS0001'));
      assert.deepEqual(Buffer.from(accessKey!.sealedSecret), Buffer.from('s2'));
    });
  });
}
