import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { evaluateFilters } from '../../src/compliance/index.ts';
import { createAccessKey, rootArn } from '../../src/iam/index.ts';
import { decodeBase32, totpCode } from '../../src/iam/mfa/index.ts';
import { account, allow, ComplianceHarness, policy, seen } from '../support/compliance-harness.ts';

const dayMs = 86_400_000;
const password = 'correct horse 42 battery';

describe('the default pack on IAM', () => {
  let h: ComplianceHarness;
  before(async () => {
    h = await new ComplianceHarness().open();
  });
  after(() => h.close());

  const userArn = (name: string) => `arn:aws:iam::${account}:user/${name}`;
  const keyResource = (user: string, accessKeyId: string) => `${userArn(user)}/access-key/${accessKeyId}`;

  describe('the account root', () => {
    it('fails the root while it has an active access key, passes it once the key is deactivated', async () => {
      const root = rootArn(account);
      assert.equal((await h.judge('root-access-key', root)).status, 'pass');
      // pciq's APIs make no keys for the root; one left by another tool or an imported store is what this finds.
      const key = await h.store.write((tx) => createAccessKey(tx, h.keys, root, h.clock.now()));
      const failed = await h.judge('root-access-key', root);
      assert.equal(failed.status, 'fail');
      assert.equal(failed.severity, 'critical');
      assert.deepEqual(seen(failed), { hasAccessKeys: true });

      await h.store.write((tx) => tx.setAccessKeyStatus(key.accessKeyId, 'Inactive'));
      assert.equal((await h.judge('root-access-key', root)).status, 'pass');
    });

    it('fails the root for 30 days after it signs in, passes it once unused for longer', async () => {
      const root = rootArn(account);
      assert.equal((await h.judge('root-used-recently', root)).status, 'pass', 'never used');
      await h.iam.createLoginProfile(account, { owner: 'root', password, chosenByOwner: true });
      const device = await h.iam.createVirtualMfaDevice(account, { name: 'root-device' });
      const seed = decodeBase32(device.base32Seed);
      const code = (stepOffset = 0) => totpCode(seed, h.clock.now() + stepOffset * 30_000);
      await h.iam.enableMfaDevice(account, {
        owner: 'root',
        serialNumber: device.serialNumber,
        code1: code(-1),
        code2: code(0),
      });
      h.clock.advance(30_000);
      await h.iam.signIn({ accountId: account, password, tokenCode: code() });

      const failed = await h.judge('root-used-recently', root);
      assert.equal(failed.status, 'fail');
      assert.deepEqual(seen(failed), { lastUsedAtMs: 0 });
      h.clock.advance(29 * dayMs);
      assert.equal((await h.judge('root-used-recently', root)).status, 'fail');
      h.clock.advance(dayMs);
      assert.equal((await h.judge('root-used-recently', root)).status, 'pass');
    });
  });

  describe('users', () => {
    it('fails a person without an MFA device, passes them once one is enabled', async () => {
      await h.iam.createUser(account, { userName: 'clerk' });
      await h.iam.createLoginProfile(account, { owner: { userName: 'clerk' }, password });
      const failed = await h.judge('user-without-mfa', userArn('clerk'));
      assert.equal(failed.status, 'fail');
      assert.deepEqual(seen(failed), { isPerson: true, hasMfa: false });

      await h.enableMfa('clerk');
      assert.equal((await h.judge('user-without-mfa', userArn('clerk'))).status, 'pass');
    });

    it('passes an application user without MFA: it has no password to sign in with', async () => {
      await h.user('batch-job');
      const finding = await h.judge('user-without-mfa', userArn('batch-job'));
      assert.equal(finding.status, 'pass');
      assert.deepEqual(seen(finding), { isPerson: false });
    });

    it('fails a user unused for more than 90 days, passes it once its access key is used', async () => {
      const user = await h.user('reports');
      h.clock.advance(90 * dayMs);
      assert.equal((await h.judge('user-inactive-90-days', userArn('reports'))).status, 'pass');
      h.clock.advance(dayMs);
      const failed = await h.judge('user-inactive-90-days', userArn('reports'));
      assert.equal(failed.status, 'fail');
      assert.deepEqual(seen(failed), { lastActivityAtMs: 91 });

      await h.useAccessKey(user.accessKeyId);
      assert.equal((await h.judge('user-inactive-90-days', userArn('reports'))).status, 'pass');
    });

    it('fails a person who has not signed in for more than 90 days, passes them once they sign in', async () => {
      await h.iam.createUser(account, { userName: 'auditor' });
      await h.iam.createLoginProfile(account, { owner: { userName: 'auditor' }, password, chosenByOwner: true });
      const mfa = await h.enableMfa('auditor');
      await h.iam.signIn({ accountId: account, userName: 'auditor', password, tokenCode: mfa.code() });
      h.clock.advance(91 * dayMs);
      const failed = await h.judge('user-inactive-90-days', userArn('auditor'));
      assert.equal(failed.status, 'fail');
      assert.deepEqual(seen(failed), { lastActivityAtMs: 91 });

      // Refused at sign-in until an administrator resets the password; the person sets their own at first use.
      await assert.rejects(
        h.iam.signIn({ accountId: account, userName: 'auditor', password, tokenCode: mfa.code() }),
        /disabled after 90 days without use/,
      );
      await h.iam.updateLoginProfile(account, { owner: { userName: 'auditor' }, password: 'reset by admin 2026' });
      await h.iam.signIn({
        accountId: account,
        userName: 'auditor',
        password: 'reset by admin 2026',
        tokenCode: mfa.code(),
        newPassword: 'chosen again 2026 xyz',
      });
      assert.equal((await h.judge('user-inactive-90-days', userArn('auditor'))).status, 'pass');
    });
  });

  describe('access keys', () => {
    it('fails an active key created more than 90 days ago, passes once it is rotated out', async () => {
      const old = await h.user('payouts');
      h.clock.advance(91 * dayMs);
      // In use every day: only its age is wrong.
      await h.useAccessKey(old.accessKeyId);
      const failed = await h.judge('access-key-older-than-90-days', keyResource('payouts', old.accessKeyId));
      assert.equal(failed.status, 'fail');
      assert.deepEqual(seen(failed), { status: 'Active', createdAtMs: 91 });
      assert.equal(
        (await h.judge('access-key-unused-90-days', keyResource('payouts', old.accessKeyId))).status,
        'pass',
      );

      const fresh = await h.iam.createAccessKey(account, 'payouts');
      await h.iam.updateAccessKey(account, { userName: 'payouts', accessKeyId: old.accessKeyId, status: 'Inactive' });
      const rotated = await h.judge('access-key-older-than-90-days', keyResource('payouts', old.accessKeyId));
      assert.equal(rotated.status, 'pass');
      assert.deepEqual(seen(rotated), { status: 'Inactive' });
      assert.equal(
        (await h.judge('access-key-older-than-90-days', keyResource('payouts', fresh.accessKeyId))).status,
        'pass',
      );
    });

    it('fails an active key unused for more than 90 days, passes it once used, and once deactivated', async () => {
      const key = await h.user('exports');
      const resource = keyResource('exports', key.accessKeyId);
      await h.useAccessKey(key.accessKeyId);
      h.clock.advance(91 * dayMs);
      const failed = await h.judge('access-key-unused-90-days', resource);
      assert.equal(failed.status, 'fail');
      assert.deepEqual(seen(failed), { status: 'Active', lastActivityAtMs: 91 });

      await h.useAccessKey(key.accessKeyId);
      assert.equal((await h.judge('access-key-unused-90-days', resource)).status, 'pass');

      h.clock.advance(91 * dayMs);
      assert.equal((await h.judge('access-key-unused-90-days', resource)).status, 'fail');
      await h.iam.updateAccessKey(account, { userName: 'exports', accessKeyId: key.accessKeyId, status: 'Inactive' });
      assert.equal((await h.judge('access-key-unused-90-days', resource)).status, 'pass');
    });

    it('counts a key never used as unused since its creation', async () => {
      const key = await h.user('imports');
      h.clock.advance(91 * dayMs);
      const failed = await h.judge('access-key-unused-90-days', keyResource('imports', key.accessKeyId));
      assert.equal(failed.status, 'fail');
      assert.equal(seen(failed).lastActivityAtMs, 91);
    });
  });

  describe('policies', () => {
    it('fails a role anyone may assume, passes it once its trust policy names who may', async () => {
      await h.iam.createRole(account, {
        roleName: 'open-door',
        assumeRolePolicyDocument: JSON.stringify(
          policy({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }),
        ),
      });
      const resource = `arn:aws:iam::${account}:role/open-door:trust-policy`;
      const failed = await h.judge('iam-trust-policy-open-to-all', resource);
      assert.equal(failed.status, 'fail');
      assert.equal(failed.severity, 'critical');
      assert.deepEqual(seen(failed), { 'policy.isOpenToAll': true });

      await h.iam.updateRole(account, 'open-door', {
        kind: 'trust',
        document: JSON.stringify(
          policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }),
        ),
      });
      assert.equal((await h.judge('iam-trust-policy-open-to-all', resource)).status, 'pass');
    });

    it('fails a policy allowing pciq:Detokenize without MFA, by name or wildcard, passes it once MFA is required', async () => {
      await h.user('teller', policy(allow('pciq:Detokenize')));
      const resource = `${userArn('teller')}:inline-policy/p0`;
      const failed = await h.judge('detokenize-without-mfa', resource);
      assert.equal(failed.status, 'fail');
      assert.deepEqual(seen(failed), { isInUse: true, allowsDetokenizeWithoutMfa: true });

      const put = (document: object) =>
        h.iam.putInlinePolicy(account, {
          kind: 'user',
          entityName: 'teller',
          policyName: 'p0',
          policyDocument: JSON.stringify(document),
        });
      await put(policy(allow('pciq:Detokenize', '*', { Bool: { 'aws:MultiFactorAuthPresent': 'true' } })));
      assert.equal((await h.judge('detokenize-without-mfa', resource)).status, 'pass');
      await put(policy(allow('pciq:*')));
      assert.equal((await h.judge('detokenize-without-mfa', resource)).status, 'fail');
      await put(policy(allow('pciq:Tokenize')));
      assert.equal((await h.judge('detokenize-without-mfa', resource)).status, 'pass');
    });
  });

  it('passes the password rules pciq enforces, and fails rules weaker than PCI DSS 8.3 in any one respect', async () => {
    const resource = h.singletonArn('password-policy');
    const finding = await h.judge('password-policy-below-pci-dss', resource);
    assert.equal(finding.status, 'pass');
    // No configuration can weaken the rules (passwordPolicy() refuses it), so the weaker rules are the
    // provider's own description with one setting changed, judged by the pack's policy.
    const [described] = await h.scanner.providers.get('password-policy')!.list(h.context());
    const rule = h.scanner.policy('password-policy-below-pci-dss')!;
    const weaker: Array<[string, number]> = [
      ['minimumLength', 11],
      ['passwordReuseHistory', 3],
      ['maxFailedAttempts', 11],
      ['lockoutDurationMinutes', 29],
    ];
    for (const [key, value] of weaker) {
      assert.equal(typeof described!.data[key], 'number', `the provider describes ${key}`);
      const result = evaluateFilters(rule.filters, { ...described!.data, [key]: value }, h.clock.now());
      assert.equal(result.isMatch, true, key);
      assert.deepEqual(
        result.evidence
          .filter((comparison) => comparison.isMatch)
          .map((comparison) => [comparison.key, comparison.actual]),
        [[key, value]],
      );
    }
  });
});
