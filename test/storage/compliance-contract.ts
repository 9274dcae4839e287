/**
 * The compliance and incident part of the storage contract (`tx.compliance`, `tx.incidents`): what every
 * driver must do. Run from each driver's test file next to `describeStoreContract`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FindingRow, Store } from '../../src/storage/index.ts';
import type { StoreFactory } from './contract.ts';

function finding(rule: string, resource: string, overrides: Partial<FindingRow> = {}): FindingRow {
  return {
    rule,
    resource,
    resourceType: 'queue',
    status: 'fail',
    severity: 'high',
    requirements: '["3.5.1"]',
    evidence: '{"comparisons":[]}',
    remediation: 'fix it',
    firstSeenAtMs: 1_000,
    lastSeenAtMs: 2_000,
    statusSinceMs: 1_500,
    ...overrides,
  };
}

export function describeComplianceStoreContract(driver: string, factory: StoreFactory): void {
  describe(`compliance storage contract: ${driver}`, () => {
    let store: Store;
    before(async () => {
      store = await factory.create();
    });
    after(async () => {
      await store.close();
      await factory.cleanup();
    });

    it('keeps one finding per rule and resource, replaced in place', async () => {
      await store.write(async (tx) => {
        await tx.compliance.putFinding(finding('r1', 'arn:b'));
        await tx.compliance.putFinding(finding('r1', 'arn:a'));
        await tx.compliance.putFinding(finding('r1', 'arn:a', { status: 'pass', lastSeenAtMs: 3_000 }));
      });
      const rows = await store.read((tx) => tx.compliance.findings());
      assert.deepEqual(
        rows.map((row) => [row.rule, row.resource, row.status, row.lastSeenAtMs]),
        [
          ['r1', 'arn:a', 'pass', 3_000],
          ['r1', 'arn:b', 'fail', 2_000],
        ],
      );
      await store.write((tx) => tx.compliance.deleteFinding('r1', 'arn:b'));
      assert.equal((await store.read((tx) => tx.compliance.findings())).length, 1);
    });

    it('numbers scans and remediations and lists them newest first', async () => {
      const ids = await store.write(async (tx) => [
        await tx.compliance.insertScan({ timeMs: 1, trigger: 'on-demand', summary: '{"score":50}' }),
        await tx.compliance.insertScan({ timeMs: 2, trigger: 'periodic', summary: '{"score":75}' }),
        await tx.compliance.insertRemediation({
          timeMs: 3,
          rule: 'r',
          resource: 'arn:a',
          action: 'x',
          before: '{}',
          after: '{"a":1}',
          planId: null,
          actor: 'pciq',
          outcome: 'success',
          error: null,
        }),
      ]);
      assert.ok(ids[1]! > ids[0]!);
      const scans = await store.read((tx) => tx.compliance.scans(10));
      assert.deepEqual(
        scans.map((scan) => scan.trigger),
        ['periodic', 'on-demand'],
      );
      const [remediation] = await store.read((tx) => tx.compliance.remediations(10));
      assert.equal(remediation!.id, ids[2]);
      assert.equal(remediation!.planId, null);
      assert.equal(remediation!.after, '{"a":1}');
    });

    it('keeps mutes by rule and resource, and state by key', async () => {
      const mute = {
        rule: 'r',
        resource: 'arn:*',
        reason: 'why',
        owner: 'me',
        expiresAtMs: 9,
        createdAtMs: 1,
        createdBy: 'u',
      };
      await store.write(async (tx) => {
        await tx.compliance.putMute(mute);
        await tx.compliance.putMute({ ...mute, reason: 'changed' });
        await tx.compliance.setState('k', 'v1');
        await tx.compliance.setState('k', 'v2');
      });
      assert.deepEqual(await store.read((tx) => tx.compliance.mutes()), [{ ...mute, reason: 'changed' }]);
      assert.equal(await store.read((tx) => tx.compliance.getState('k')), 'v2');
      assert.equal(await store.write((tx) => tx.compliance.deleteMute('r', 'arn:*')), true);
      assert.equal(await store.write((tx) => tx.compliance.deleteMute('r', 'arn:*')), false);
    });

    it('keeps incidents and the snapshot signing keys', async () => {
      const incident = {
        id: 'INC-1',
        kind: 'queue',
        target: 'arn:q',
        status: 'contained' as const,
        openedAtMs: 5,
        updatedAtMs: 5,
        body: '{}',
      };
      await store.write(async (tx) => {
        await tx.incidents.put(incident);
        await tx.incidents.put({ ...incident, status: 'released', updatedAtMs: 6, body: '{"r":1}' });
        await tx.incidents.insertSigningKey({
          keyId: 'k1',
          publicKey: Buffer.from([1, 2]),
          sealedPrivateKey: Buffer.from([3]),
          createdAtMs: 7,
        });
      });
      assert.deepEqual(await store.read((tx) => tx.incidents.get('INC-1')), {
        ...incident,
        status: 'released',
        updatedAtMs: 6,
        body: '{"r":1}',
      });
      assert.equal((await store.read((tx) => tx.incidents.list())).length, 1);
      assert.equal(await store.read((tx) => tx.incidents.get('INC-2')), undefined);
      const [key] = await store.read((tx) => tx.incidents.signingKeys());
      assert.deepEqual([...Buffer.from(key!.publicKey)], [1, 2]);
    });
  });
}
