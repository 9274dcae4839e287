import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPciqError } from '../../src/core/index.ts';
import { account, IamHarness } from '../support/iam-harness.ts';

const initialPassword = 'first-use pass 2026';
const password = 'correct horse 42 battery';

function refusedWith(code: string, message?: RegExp) {
  return (error: unknown) => isPciqError(error) && error.code === code && (!message || message.test(error.message));
}

describe("people's sign-in (PCI DSS 8.2, 8.3, 8.4)", () => {
  let h: IamHarness;
  before(async () => {
    h = await new IamHarness().open();
  });
  after(() => h.close());

  /** A person with a password they chose and an MFA device. */
  async function person(name: string) {
    await h.iam.createUser(account, { userName: name });
    await h.iam.createLoginProfile(account, { owner: { userName: name }, password, chosenByOwner: true });
    return h.enableMfa(name);
  }

  it('refuses a 10-character password, naming the rule it breaks', async () => {
    await h.iam.createUser(account, { userName: 'short' });
    await assert.rejects(
      h.iam.createLoginProfile(account, { owner: { userName: 'short' }, password: 'abcdefgh12' }),
      refusedWith('PasswordPolicyViolation', /at least 12 characters long \(PCI DSS 8\.3\.6\)/),
    );
  });

  it('makes a password set by an administrator be changed at first use, then gives a session with MFA', async () => {
    await h.iam.createUser(account, { userName: 'alice' });
    await h.iam.createLoginProfile(account, { owner: { userName: 'alice' }, password: initialPassword });
    const mfa = await h.enableMfa('alice');
    await assert.rejects(
      h.iam.signIn({ accountId: account, userName: 'alice', password: initialPassword, tokenCode: mfa.code() }),
      refusedWith('PasswordResetRequired', /8\.3\.5/),
    );
    h.clock.advance(30_000);
    await assert.rejects(
      h.iam.signIn({
        accountId: account,
        userName: 'alice',
        password: initialPassword,
        tokenCode: mfa.code(),
        newPassword: 'short1',
      }),
      refusedWith('PasswordPolicyViolation'),
    );
    const session = await h.iam.signIn({
      accountId: account,
      userName: 'alice',
      password: initialPassword,
      tokenCode: mfa.code(),
      newPassword: password,
    });
    assert.match(session.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(session.idleTimeoutMs, 15 * 60_000);
    const caller = await h.sessionCaller(session, session.principalArn);
    const resolved = await h.iam.directory.resolve(caller);
    assert.equal(resolved?.mfaAuthenticatedAtMs, h.clock.now());
    // The code just used cannot sign in again (8.5.1), even with the right password.
    await assert.rejects(
      h.iam.signIn({ accountId: account, userName: 'alice', password, tokenCode: mfa.code() }),
      refusedWith('AccessDenied'),
    );
    const logins = await h.records('iam:Login');
    assert.deepEqual(
      logins.map((record) => [record.outcome, record.details?.reason ?? null]),
      [
        ['failure', 'must-change-password'],
        ['success', null],
        ['failure', 'mfa-replayed'],
      ],
    );
  });

  it('locks the account at the 10th wrong password, refuses the 11th attempt even with the right one, for 30 minutes', async () => {
    const mfa = await person('bob');
    for (let attempt = 1; attempt <= 10; attempt++) {
      await assert.rejects(
        h.iam.signIn({
          accountId: account,
          userName: 'bob',
          password: `wrong password ${attempt}`,
          tokenCode: mfa.code(),
        }),
        refusedWith('AccessDenied', /incorrect/),
      );
    }
    await assert.rejects(
      h.iam.signIn({ accountId: account, userName: 'bob', password, tokenCode: mfa.code() }),
      refusedWith('AccessDenied', /locked .* \(PCI DSS 8\.3\.4\)/),
    );
    h.clock.advance(29 * 60_000);
    await assert.rejects(
      h.iam.signIn({ accountId: account, userName: 'bob', password, tokenCode: mfa.code() }),
      refusedWith('AccessDenied', /locked/),
    );
    h.clock.advance(60_000);
    const session = await h.iam.signIn({ accountId: account, userName: 'bob', password, tokenCode: mfa.code() });
    assert.ok(session.sessionToken.length > 40);
    const lockouts = await h.records('iam:Lockout');
    assert.equal(lockouts.length, 1);
    assert.equal(lockouts[0]?.resource, `arn:aws:iam::${account}:user/bob`);
    assert.equal(lockouts[0]?.details?.failedAttempts, 10);
  });

  it('disables an account without sign-in for 90 days until an administrator resets its password (8.2.6)', async () => {
    const mfa = await person('dormant');
    await h.iam.signIn({ accountId: account, userName: 'dormant', password, tokenCode: mfa.code() });
    h.clock.advance(89 * 24 * 3_600_000);
    await h.iam.signIn({ accountId: account, userName: 'dormant', password, tokenCode: mfa.code() });
    h.clock.advance(90 * 24 * 3_600_000);
    await assert.rejects(
      h.iam.signIn({ accountId: account, userName: 'dormant', password, tokenCode: mfa.code() }),
      refusedWith('AccessDenied', /disabled after 90 days without use \(PCI DSS 8\.2\.6\)/),
    );
    await h.iam.updateLoginProfile(account, { owner: { userName: 'dormant' }, password: initialPassword });
    h.clock.advance(30_000);
    const session = await h.iam.signIn({
      accountId: account,
      userName: 'dormant',
      password: initialPassword,
      tokenCode: mfa.code(),
      newPassword: 'awake again in 2027',
    });
    assert.match(session.accessKeyId, /^ASIA/);
  });

  it('counts a right password with a wrong code as a failed attempt', async () => {
    const mfa = await person('carol');
    await assert.rejects(
      h.iam.signIn({ accountId: account, userName: 'carol', password, tokenCode: '000000' }),
      refusedWith('AccessDenied'),
    );
    const profile = await h.iam.getLoginProfile(account, { userName: 'carol' });
    assert.equal(profile.state.failedAttempts, 1);
    await h.iam.signIn({ accountId: account, userName: 'carol', password, tokenCode: mfa.code() });
    assert.equal((await h.iam.getLoginProfile(account, { userName: 'carol' })).state.failedAttempts, 0);
  });

  it('gives no session to a person without an MFA device (8.4.2)', async () => {
    await h.iam.createUser(account, { userName: 'dave' });
    await h.iam.createLoginProfile(account, { owner: { userName: 'dave' }, password, chosenByOwner: true });
    await assert.rejects(
      h.iam.signIn({ accountId: account, userName: 'dave', password, tokenCode: '123456' }),
      refusedWith('AccessDenied', /8\.4\.2/),
    );
  });

  it('answers an unknown user as a wrong password, and records no name that might be a password', async () => {
    await assert.rejects(
      h.iam.signIn({ accountId: account, userName: 'hunter2-typed-here', password, tokenCode: '123456' }),
      refusedWith('AccessDenied', /^The user name, password or MFA code is incorrect\.$/),
    );
    const records = await h.records('iam:Login');
    const unknown = records.at(-1)!;
    assert.equal(unknown.details?.reason, 'unknown-user');
    assert.equal(unknown.actor.principal, null);
    assert.doesNotMatch(JSON.stringify(unknown), /hunter2/);
    assert.doesNotMatch(JSON.stringify(records), new RegExp(password));
  });

  it('ends a session after 15 minutes without a request (8.2.8), not while it is used', async () => {
    const mfa = await person('erin');
    const session = await h.iam.signIn({ accountId: account, userName: 'erin', password, tokenCode: mfa.code() });
    await h.iam.directory.refreshFor(session.accessKeyId);
    const credential = h.iam.directory.lookup(session.accessKeyId)!;
    // Three requests 14 minutes apart, then one 15 minutes after the last, all within the session's hour.
    for (let i = 0; i < 3; i++) {
      h.clock.advance(14 * 60_000);
      await h.iam.directory.admit(credential, session.sessionToken);
    }
    h.clock.advance(15 * 60_000);
    await assert.rejects(
      h.iam.directory.admit(credential, session.sessionToken),
      refusedWith('ExpiredToken', /15 minutes without a request/),
    );
  });

  it('takes a recovery code once instead of a TOTP code', async () => {
    await h.iam.createUser(account, { userName: 'frank' });
    await h.iam.createLoginProfile(account, { owner: { userName: 'frank' }, password, chosenByOwner: true });
    const device = await h.iam.createVirtualMfaDevice(account, { name: 'frank' });
    const { decodeBase32, totpCode } = await import('../../src/iam/mfa/index.ts');
    const seed = decodeBase32(device.base32Seed);
    const { recoveryCodes } = await h.iam.enableMfaDevice(account, {
      owner: { userName: 'frank' },
      serialNumber: device.serialNumber,
      code1: totpCode(seed, h.clock.now() - 30_000),
      code2: totpCode(seed, h.clock.now()),
      withRecoveryCodes: true,
    });
    assert.equal(recoveryCodes.length, 10);
    await h.iam.signIn({ accountId: account, userName: 'frank', password, recoveryCode: recoveryCodes[0]! });
    await assert.rejects(
      h.iam.signIn({ accountId: account, userName: 'frank', password, recoveryCode: recoveryCodes[0]! }),
      refusedWith('AccessDenied'),
    );
  });
});
