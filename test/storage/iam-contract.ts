/**
 * The identity part of the storage contract (`tx.iam`, and access keys): what every driver must do. Run by
 * each driver's test file next to the main contract.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IamSessionRow, IamUserRow, Store } from '../../src/storage/index.ts';
import type { StoreFactory } from './contract.ts';

const account = '123456789012';

function user(name: string, overrides: Partial<IamUserRow> = {}): IamUserRow {
  return {
    accountId: account,
    userName: name,
    userId: `AIDA${name.toUpperCase().padEnd(17, 'X')}`,
    path: '/',
    createdAtMs: 1_000,
    tags: { team: 'payments' },
    permissionsBoundary: null,
    ...overrides,
  };
}

function session(accessKeyId: string, overrides: Partial<IamSessionRow> = {}): IamSessionRow {
  return {
    accessKeyId,
    accountId: account,
    kind: 'session-token',
    sealedSecret: Buffer.from('sealed'),
    tokenHash: 'a'.repeat(64),
    principalArn: `arn:aws:iam::${account}:user/alice`,
    roleArn: null,
    issuedToArn: `arn:aws:iam::${account}:user/alice`,
    createdAtMs: 1_000,
    expiresAtMs: 10_000,
    mfaAuthenticatedAtMs: 1_000,
    sessionPolicy: null,
    sessionPolicyArns: [],
    sourceIdentity: null,
    tags: {},
    idleTimeoutMs: null,
    lastActivityAtMs: 1_000,
    ...overrides,
  };
}

export function describeIamStoreContract(driver: string, factory: StoreFactory): void {
  describe(`storage contract, identities: ${driver}`, () => {
    let store: Store;
    const revision = () => store.read((tx) => tx.iam.revision());
    before(async () => {
      store = await factory.create();
    });
    after(async () => {
      await store.close();
      await factory.cleanup();
    });

    it('keeps users with their tags, finds them whatever the case of the name, and changes the revision', async () => {
      const first = await revision();
      await store.write((tx) => tx.iam.insertUser(user('Alice')));
      const second = await revision();
      assert.notEqual(second, first);
      const found = await store.read((tx) => tx.iam.getUser(account, 'alice'));
      assert.equal(found?.userName, 'Alice');
      assert.deepEqual(found?.tags, { team: 'payments' });
      await assert.rejects(store.write((tx) => tx.iam.insertUser(user('ALICE', { userId: 'AIDAOTHER' }))));
      await store.write((tx) => tx.iam.updateUser({ ...found!, tags: {}, permissionsBoundary: 'arn:b' }));
      const updated = await store.read((tx) => tx.iam.getUser(account, 'Alice'));
      assert.deepEqual(updated?.tags, {});
      assert.equal(updated?.permissionsBoundary, 'arn:b');
      assert.notEqual(await revision(), second);
      assert.deepEqual(
        (await store.read((tx) => tx.iam.listUsers(account))).map((row) => row.userName),
        ['Alice'],
      );
      assert.deepEqual(await store.read((tx) => tx.iam.listUsers('999999999999')), []);
    });

    it('keeps groups and memberships, listing only members and groups that exist', async () => {
      await store.write(async (tx) => {
        await tx.iam.insertUser(user('bob'));
        await tx.iam.insertGroup({
          accountId: account,
          groupName: 'ops',
          groupId: 'AGPAOPS',
          path: '/',
          createdAtMs: 1,
        });
        await tx.iam.addMembership({ accountId: account, groupName: 'ops', userName: 'bob' });
        await tx.iam.addMembership({ accountId: account, groupName: 'ops', userName: 'bob' });
        await tx.iam.addMembership({ accountId: account, groupName: 'ops', userName: 'Alice' });
      });
      assert.deepEqual(await store.read((tx) => tx.iam.listUsersOfGroup(account, 'OPS')), ['Alice', 'bob']);
      assert.deepEqual(await store.read((tx) => tx.iam.listGroupsOfUser(account, 'bob')), ['ops']);
      const removed = await store.write((tx) =>
        tx.iam.removeMembership({ accountId: account, groupName: 'ops', userName: 'bob' }),
      );
      assert.equal(removed, true);
      assert.deepEqual(await store.read((tx) => tx.iam.listGroupsOfUser(account, 'bob')), []);
      assert.equal(
        await store.write((tx) => tx.iam.removeMembership({ accountId: account, groupName: 'ops', userName: 'bob' })),
        false,
      );
    });

    it('keeps roles with their trust policy; last use does not change the revision', async () => {
      await store.write((tx) =>
        tx.iam.insertRole({
          accountId: account,
          roleName: 'producer',
          roleId: 'AROAPRODUCER',
          path: '/app/',
          description: 'sends orders',
          trustPolicy: '{"Statement":[]}',
          maxSessionDurationSec: 3600,
          createdAtMs: 5,
          tags: { app: 'orders' },
          permissionsBoundary: null,
          lastUsedAtMs: null,
        }),
      );
      const before = await revision();
      await store.write((tx) => tx.iam.touchRole(account, 'producer', 99));
      assert.equal(await revision(), before);
      const role = await store.read((tx) => tx.iam.getRole(account, 'PRODUCER'));
      assert.equal(role?.lastUsedAtMs, 99);
      assert.equal(role?.path, '/app/');
      await store.write((tx) => tx.iam.updateRole({ ...role!, maxSessionDurationSec: 7200 }));
      assert.equal((await store.read((tx) => tx.iam.getRole(account, 'producer')))?.maxSessionDurationSec, 7200);
      assert.notEqual(await revision(), before);
      await store.write((tx) => tx.iam.deleteRole(account, 'producer'));
      assert.equal(await store.read((tx) => tx.iam.getRole(account, 'producer')), undefined);
    });

    it('keeps managed policies with versions, inline policies and attachments', async () => {
      const arn = `arn:aws:iam::${account}:policy/send`;
      await store.write(async (tx) => {
        await tx.iam.insertManagedPolicy({
          arn,
          accountId: account,
          policyName: 'send',
          policyId: 'ANPASEND',
          path: '/',
          description: '',
          defaultVersionId: 'v1',
          nextVersion: 2,
          createdAtMs: 1,
          updatedAtMs: 1,
        });
        await tx.iam.insertPolicyVersion({ policyArn: arn, versionId: 'v1', document: '{"v":1}', createdAtMs: 1 });
        await tx.iam.insertPolicyVersion({ policyArn: arn, versionId: 'v2', document: '{"v":2}', createdAtMs: 2 });
        await tx.iam.attachPolicy({ accountId: account, entityKind: 'user', entityName: 'bob', policyArn: arn });
        await tx.iam.attachPolicy({ accountId: account, entityKind: 'group', entityName: 'ops', policyArn: arn });
        await tx.iam.putInlinePolicy({
          accountId: account,
          entityKind: 'user',
          entityName: 'bob',
          policyName: 'inline',
          document: 'one',
        });
        await tx.iam.putInlinePolicy({
          accountId: account,
          entityKind: 'user',
          entityName: 'bob',
          policyName: 'INLINE',
          document: 'two',
        });
      });
      const versions = await store.read((tx) => tx.iam.listPolicyVersions(arn));
      assert.deepEqual(
        versions.map((version) => version.versionId),
        ['v2', 'v1'],
      );
      assert.equal((await store.read((tx) => tx.iam.getPolicyVersion(arn, 'v2')))?.document, '{"v":2}');
      const inline = await store.read((tx) => tx.iam.listInlinePolicies(account, 'user', 'bob'));
      assert.deepEqual(
        inline.map((row) => [row.policyName, row.document]),
        [['inline', 'two']],
        'an inline policy of the same name (any case) is replaced',
      );
      assert.equal((await store.read((tx) => tx.iam.listAttachmentsOfPolicy(arn))).length, 2);
      assert.equal((await store.read((tx) => tx.iam.listAttachments(account, 'user', 'bob'))).length, 1);
      assert.equal(
        await store.write((tx) =>
          tx.iam.detachPolicy({ accountId: account, entityKind: 'user', entityName: 'bob', policyArn: arn }),
        ),
        true,
      );
      assert.equal(await store.write((tx) => tx.iam.deleteInlinePolicy(account, 'user', 'bob', 'Inline')), true);
      await store.write((tx) => tx.iam.deleteManagedPolicy(arn));
      assert.equal(await store.read((tx) => tx.iam.getManagedPolicy(arn)), undefined);
      assert.deepEqual(await store.read((tx) => tx.iam.listPolicyVersions(arn)), []);
    });

    it('keeps login profiles; sign-in bookkeeping does not change the revision', async () => {
      const principalArn = `arn:aws:iam::${account}:user/bob`;
      await store.write((tx) =>
        tx.iam.putLoginProfile({ principalArn, accountId: account, loginState: '{"n":0}', createdAtMs: 1 }),
      );
      const before = await revision();
      assert.equal(await store.write((tx) => tx.iam.updateLoginState(principalArn, '{"n":0}', '{"n":1}')), true);
      assert.equal(
        await store.write((tx) => tx.iam.updateLoginState(principalArn, '{"n":0}', '{"n":2}')),
        false,
        'a state read before another attempt wrote is not written over it',
      );
      assert.equal(await revision(), before);
      assert.equal((await store.read((tx) => tx.iam.getLoginProfile(principalArn)))?.loginState, '{"n":1}');
      assert.equal((await store.read((tx) => tx.iam.listLoginProfiles(account))).length, 1);
      assert.equal(await store.write((tx) => tx.iam.deleteLoginProfile(principalArn)), true);
      assert.equal(await store.read((tx) => tx.iam.getLoginProfile(principalArn)), undefined);
    });

    it('keeps MFA devices with sealed seeds; recording a code use does not change the revision', async () => {
      const serialNumber = `arn:aws:iam::${account}:mfa/bob`;
      await store.write((tx) =>
        tx.iam.insertMfaDevice({
          serialNumber,
          accountId: account,
          ownerArn: null,
          sealedSeed: Buffer.from('seed'),
          createdAtMs: 1,
          enabledAtMs: null,
          lastUsedStep: null,
          recoveryCodes: '[]',
          failedAttempts: 0,
          lockedUntilMs: null,
        }),
      );
      const device = await store.read((tx) => tx.iam.getMfaDevice(serialNumber));
      await store.write((tx) =>
        tx.iam.updateMfaDevice({ ...device!, ownerArn: `arn:aws:iam::${account}:user/bob`, enabledAtMs: 2 }),
      );
      const before = await revision();
      const fresh = { lastUsedStep: null, recoveryCodes: '[]' };
      assert.equal(
        await store.write((tx) => tx.iam.recordMfaUse(serialNumber, fresh, { lastUsedStep: 42, recoveryCodes: '[1]' })),
        true,
      );
      assert.equal(
        await store.write((tx) => tx.iam.recordMfaUse(serialNumber, fresh, { lastUsedStep: 43, recoveryCodes: '[1]' })),
        false,
        'a code checked against what another request already used is not recorded',
      );
      await store.write((tx) => tx.iam.replaceMfaSeed(serialNumber, Buffer.from('resealed')));
      assert.equal(await revision(), before);
      const updated = await store.read((tx) => tx.iam.getMfaDevice(serialNumber));
      assert.equal(updated?.lastUsedStep, 42);
      assert.equal(updated?.recoveryCodes, '[1]');
      assert.equal(updated?.enabledAtMs, 2);
      assert.deepEqual(Buffer.from(updated!.sealedSeed), Buffer.from('resealed'));
      await store.write((tx) => tx.iam.deleteMfaDevice(serialNumber));
      assert.deepEqual(await store.read((tx) => tx.iam.listMfaDevices(account)), []);
    });

    it('counts wrong MFA codes in one statement, locks at the limit, starts afresh after the lock, and resets on a code accepted', async () => {
      const serialNumber = `arn:aws:iam::${account}:mfa/carol`;
      await store.write((tx) =>
        tx.iam.insertMfaDevice({
          serialNumber,
          accountId: account,
          ownerArn: `arn:aws:iam::${account}:user/carol`,
          sealedSeed: Buffer.from('seed'),
          createdAtMs: 1,
          enabledAtMs: 1,
          lastUsedStep: null,
          recoveryCodes: '[]',
          failedAttempts: 0,
          lockedUntilMs: null,
        }),
      );
      const before = await revision();
      const count = (nowMs: number) =>
        store.write((tx) => tx.iam.countMfaFailure(serialNumber, nowMs, 3, nowMs + 1_000));
      assert.deepEqual(await count(10), { failedAttempts: 1, lockedUntilMs: null });
      assert.deepEqual(
        await Promise.all([count(11), count(11)]).then((all) => all.map((f) => f?.failedAttempts).sort()),
        [2, 3],
        'concurrent failures are all counted',
      );
      assert.deepEqual(
        await store.read((tx) => tx.iam.getMfaDevice(serialNumber)).then((d) => d?.lockedUntilMs),
        1_011,
      );
      assert.deepEqual(await count(500), { failedAttempts: 4, lockedUntilMs: 1_011 }, 'a lock is not extended');
      assert.deepEqual(await count(2_000), { failedAttempts: 1, lockedUntilMs: null }, 'counting starts afresh');
      const fresh = { lastUsedStep: null, recoveryCodes: '[]' };
      await store.write((tx) => tx.iam.recordMfaUse(serialNumber, fresh, { ...fresh, lastUsedStep: 7 }));
      assert.equal((await store.read((tx) => tx.iam.getMfaDevice(serialNumber)))?.failedAttempts, 0);
      assert.equal(await revision(), before);
      assert.equal(await store.write((tx) => tx.iam.countMfaFailure(`${serialNumber}-gone`, 1, 3, 2)), undefined);
    });

    it('keeps sessions until they expire; activity only moves forward', async () => {
      await store.write(async (tx) => {
        await tx.iam.insertSession(session('ASIAONE', { sessionPolicyArns: ['arn:p'], tags: { a: 'b' } }));
        await tx.iam.insertSession(session('ASIATWO', { expiresAtMs: 20_000, idleTimeoutMs: 900_000 }));
      });
      await store.write((tx) => tx.iam.touchSession('ASIAONE', 5_000));
      await store.write((tx) => tx.iam.touchSession('ASIAONE', 4_000));
      const one = await store.read((tx) => tx.iam.getSession('ASIAONE'));
      assert.equal(one?.lastActivityAtMs, 5_000);
      assert.deepEqual(one?.sessionPolicyArns, ['arn:p']);
      assert.deepEqual(one?.tags, { a: 'b' });
      assert.equal(await store.write((tx) => tx.iam.deleteExpiredSessions(10_000)), 1);
      assert.equal(await store.read((tx) => tx.iam.getSession('ASIAONE')), undefined);
      assert.equal((await store.read((tx) => tx.iam.getSession('ASIATWO')))?.idleTimeoutMs, 900_000);
      // Ending a session early (sign-out, incident response) is a decision every process must see at once.
      const beforeRevocation = await revision();
      await store.write((tx) => tx.iam.deleteSession('ASIATWO'));
      assert.notEqual(await revision(), beforeRevocation, 'an ended session applies to the next request everywhere');
      assert.deepEqual(await store.read((tx) => tx.iam.listSessions(account)), []);
    });

    it('changes the revision when an access key is created, deactivated or deleted, not when it is used', async () => {
      const principalArn = `arn:aws:iam::${account}:user/bob`;
      const first = await revision();
      await store.write((tx) =>
        tx.insertAccessKey({
          accessKeyId: 'AKIACONTRACT',
          sealedSecret: Buffer.from('s'),
          principalArn,
          status: 'Active',
          createdAtMs: 1,
          lastUsedAtMs: null,
        }),
      );
      const second = await revision();
      assert.notEqual(second, first);
      await store.write((tx) => tx.touchAccessKey('AKIACONTRACT', 7));
      assert.equal(await revision(), second);
      await store.write((tx) => tx.setAccessKeyStatus('AKIACONTRACT', 'Inactive'));
      const third = await revision();
      assert.notEqual(third, second);
      assert.equal((await store.read((tx) => tx.getAccessKey('AKIACONTRACT')))?.status, 'Inactive');
      await store.write((tx) => tx.deleteAccessKey('AKIACONTRACT'));
      assert.notEqual(await revision(), third);
      assert.equal(await store.read((tx) => tx.getAccessKey('AKIACONTRACT')), undefined);
    });

    it('rolls a failed unit back without changing the revision', async () => {
      const before = await revision();
      await assert.rejects(
        store.write(async (tx) => {
          await tx.iam.insertUser(user('carol'));
          throw new Error('abort');
        }),
      );
      assert.equal(await revision(), before);
      assert.equal(await store.read((tx) => tx.iam.getUser(account, 'carol')), undefined);
    });
  });
}
