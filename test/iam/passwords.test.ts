import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPciqError } from '../../src/core/index.ts';
import { IamService } from '../../src/iam/index.ts';
import {
  attemptSignIn,
  changePassword,
  createLoginState,
  defaultScryptParams,
  generateTemporaryPassword,
  hashSecret,
  isInactive,
  isSessionIdle,
  type LoginState,
  needsRehash,
  passwordPolicy,
  passwordRuleViolations,
  pciDssPasswordPolicy,
  resetPassword,
  unlock,
  verifyAgainstNoUser,
  verifySecret,
} from '../../src/iam/passwords/index.ts';
import { IamHarness } from '../support/iam-harness.ts';

const policy = pciDssPasswordPolicy;
const user = 'alice';
const t0 = Date.UTC(2026, 0, 1);
const minute = 60_000;
const day = 24 * 60 * minute;
const right = 'correct horse 42';
const wrong = 'wrong horse 42!';

/** Every password a test hands to the library, so error messages can be scanned for all of them. */
const typedPasswords = new Set<string>();
function pw(password: string): string {
  typedPasswords.add(password);
  return password;
}

async function rejection(promise: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    assert.ok(error instanceof Error);
    for (const password of typedPasswords) {
      assert.ok(!error.message.includes(password), 'an error message quotes a password');
      assert.ok(!String(error.stack).includes(password), 'a stack trace quotes a password');
    }
    return error;
  }
  assert.fail('expected a rejection');
}

async function policyViolation(promise: Promise<unknown>, rule: RegExp): Promise<void> {
  const error = await rejection(promise);
  assert.ok(isPciqError(error));
  assert.equal(error.code, 'PasswordPolicyViolation');
  assert.match(error.message, rule);
}

async function afterWrongPasswords(state: LoginState, count: number, rules = policy): Promise<LoginState> {
  let current = state;
  for (let attempt = 1; attempt <= count; attempt++) current = (await attemptSignIn(current, wrong, t0, rules)).state;
  return current;
}

function signedUp(mustChangePassword = false): Promise<LoginState> {
  return createLoginState(pw(right), user, t0, policy, { mustChangePassword });
}

describe('password hashing', () => {
  it('stores a self-describing scrypt string that verifies only the same password', async () => {
    const hash = await hashSecret(pw(right));
    assert.match(hash, /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.ok(!hash.includes(right));
    assert.equal(await verifySecret(right, hash), true);
    assert.equal(await verifySecret(wrong, hash), false);
    assert.notEqual(await hashSecret(right), hash, 'each hash has its own salt');
  });

  it('matches the same password typed in another Unicode normalisation form', async () => {
    const composed = pw('caf\u00e9 password 12');
    const decomposed = pw('cafe\u0301 password 12');
    assert.equal(await verifySecret(decomposed, await hashSecret(composed)), true);
  });

  it('verifies hashes made with other parameters and asks for them to be upgraded', async () => {
    const cheap = await hashSecret(right, { logN: 12, blockSize: 8, parallelism: 1 });
    assert.equal(await verifySecret(right, cheap), true);
    assert.equal(needsRehash(cheap), true);
    assert.equal(needsRehash(await hashSecret(right, defaultScryptParams)), false);
  });

  it('refuses a damaged or tampered hash without quoting it', async () => {
    const hash = await hashSecret(right);
    const expensive = hash.replace('ln=15', 'ln=30');
    const error = await rejection(verifySecret(right, expensive));
    assert.ok(isPciqError(error) && error.code === 'InternalFailure');
    assert.ok(!error.message.includes(hash.split('$')[3]!));
  });

  it('answers false for an unknown user name after doing the same work as a real check', async () => {
    assert.equal(await verifyAgainstNoUser(pw(right)), false);
  });

  it('does not block the event loop while hashing', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await hashSecret(right);
    clearInterval(timer);
    assert.ok(ticks > 0, 'timers ran while scrypt worked');
  });
});

describe('password rules (PCI DSS 8.3.6)', () => {
  it('refuses 11 characters, naming the rule, and accepts 12', async () => {
    await policyViolation(
      createLoginState(pw('abcdefghij1'), user, t0, policy, { mustChangePassword: false }),
      /at least 12 characters long \(PCI DSS 8\.3\.6\)/,
    );
    await createLoginState(pw('abcdefghijk1'), user, t0, policy, { mustChangePassword: false });
  });

  it('refuses a 10-character password with a message naming the rule', async () => {
    await policyViolation(
      createLoginState(pw('tencharac1'), user, t0, policy, { mustChangePassword: true }),
      /The password must be at least 12 characters long \(PCI DSS 8\.3\.6\)/,
    );
  });

  it('requires a digit and a letter', async () => {
    await policyViolation(
      createLoginState(pw('only letters here'), user, t0, policy, { mustChangePassword: false }),
      /at least one digit \(PCI DSS 8\.3\.6\)/,
    );
    await policyViolation(
      createLoginState(pw('1234567890123'), user, t0, policy, { mustChangePassword: false }),
      /at least one letter \(PCI DSS 8\.3\.6\)/,
    );
  });

  it('counts characters, not UTF-16 code units', () => {
    const elevenWithEmoji = `${'😀'.repeat(5)}abcde1`; // 11 characters, 16 code units
    assert.deepEqual(
      passwordRuleViolations(elevenWithEmoji, user, policy).map((v) => v.rule),
      ['minimum-length'],
    );
  });

  it('names every broken rule at once', () => {
    const rules = passwordRuleViolations('alice', user, policy).map((v) => v.rule);
    assert.deepEqual(rules, ['minimum-length', 'digit', 'user-name']);
  });

  it('refuses a password containing the user name, in any case', async () => {
    await policyViolation(
      createLoginState(pw('my-ALICE-password-1'), user, t0, policy, { mustChangePassword: false }),
      /must not contain the user name/,
    );
  });

  it('applies stricter account settings on top of PCI DSS', () => {
    const strict = passwordPolicy({ requireUppercase: true, requireSymbols: true, minimumLength: 14 });
    const rules = passwordRuleViolations('lowercase only 1', user, strict).map((v) => v.rule);
    assert.deepEqual(rules, ['uppercase', 'symbol']);
    assert.deepEqual(
      passwordRuleViolations('Lower case 1!', user, strict).map((v) => v.rule),
      ['minimum-length'],
    );
  });

  it('generates temporary passwords that follow the policy and differ each time', () => {
    const strict = passwordPolicy({ requireUppercase: true, requireLowercase: true, requireSymbols: true });
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const password = generateTemporaryPassword('ab2', strict);
      assert.deepEqual(passwordRuleViolations(password, 'ab2', strict), []);
      seen.add(password);
    }
    assert.equal(seen.size, 50);
  });
});

describe('password policy floors', () => {
  it('defaults to PCI DSS v4.0.1', () => {
    assert.deepEqual(passwordPolicy(), {
      minimumLength: 12,
      requireUppercase: false,
      requireLowercase: false,
      requireSymbols: false,
      passwordReuseHistory: 4,
      maxFailedAttempts: 10,
      lockoutDurationMs: 30 * minute,
      idleSessionTimeoutMs: 15 * minute,
      inactiveAccountDisableMs: 90 * day,
      maxPasswordAgeMs: null,
    });
  });

  it('refuses any setting weaker than PCI DSS, naming the requirement', () => {
    const weaker: [Parameters<typeof passwordPolicy>[0], RegExp][] = [
      [{ minimumLength: 8 }, /minimumLength .*8\.3\.6/],
      [{ passwordReuseHistory: 3 }, /passwordReuseHistory .*8\.3\.7/],
      [{ maxFailedAttempts: 11 }, /maxFailedAttempts .*8\.3\.4/],
      [{ lockoutDurationMs: 29 * minute }, /lockoutDurationMs .*8\.3\.4/],
      [{ idleSessionTimeoutMs: 16 * minute }, /idleSessionTimeoutMs .*8\.2\.8/],
      [{ inactiveAccountDisableMs: 91 * day }, /inactiveAccountDisableMs .*8\.2\.6/],
    ];
    for (const [overrides, message] of weaker) {
      assert.throws(
        () => passwordPolicy(overrides),
        (error) => isPciqError(error) && error.code === 'InvalidParameterValue' && message.test(error.message),
      );
    }
  });

  it('accepts stricter settings', () => {
    const strict = passwordPolicy({ minimumLength: 16, maxFailedAttempts: 5, lockoutDurationMs: 60 * minute });
    assert.equal(strict.maxFailedAttempts, 5);
  });

  it('holds for a policy handed to the IAM service as for a configured one', async () => {
    const harness = await new IamHarness().open();
    const options = { store: harness.store, sealer: harness.keys, clock: harness.clock };
    try {
      assert.throws(
        () => new IamService({ ...options, passwordPolicy: { ...pciDssPasswordPolicy, minimumLength: 8 } }),
        (error) => isPciqError(error) && /minimumLength .*8\.3\.6/.test(error.message),
      );
      const strict = new IamService({ ...options, passwordPolicy: { minimumLength: 16 } });
      assert.equal(strict.context.passwordPolicy.minimumLength, 16);
      assert.equal(strict.context.passwordPolicy.passwordReuseHistory, 4, 'PCI DSS for what it leaves out');
    } finally {
      await harness.close();
    }
  });
});

describe('password history (PCI DSS 8.3.7)', () => {
  it('refuses any of the last four passwords and allows the fifth-oldest again', async () => {
    const passwords = ['first password 1', 'second password 2', 'third password 3', 'fourth password 4'].map(pw);
    let state = await createLoginState(passwords[0]!, user, t0, policy, { mustChangePassword: false });
    for (const next of passwords.slice(1)) state = await changePassword(state, next, user, t0, policy);
    for (const old of passwords) {
      await policyViolation(
        changePassword(state, old, user, t0, policy),
        /must differ from the last 4 passwords \(PCI DSS 8\.3\.7\)/,
      );
    }
    state = await changePassword(state, pw('fifth password 5'), user, t0, policy);
    assert.equal(state.previousHashes.length, 3, 'only as many hashes as the rule needs are kept');
    state = await changePassword(state, passwords[0]!, user, t0, policy);
    assert.equal((await attemptSignIn(state, passwords[0]!, t0, policy)).outcome, 'ok');
  });

  it('applies to an administrator reset too', async () => {
    const state = await signedUp();
    await policyViolation(resetPassword(state, right, user, t0, policy), /PCI DSS 8\.3\.7/);
  });
});

describe('sign-in', () => {
  it('signs in with the right password and records the time', async () => {
    const result = await attemptSignIn(await signedUp(), right, t0 + minute, policy);
    assert.equal(result.outcome, 'ok');
    assert.equal(result.state.lastSignInMs, t0 + minute);
  });

  it('keeps a state that survives JSON storage', async () => {
    const state = JSON.parse(JSON.stringify(await signedUp())) as LoginState;
    assert.equal((await attemptSignIn(state, right, t0, policy)).outcome, 'ok');
  });

  it('locks on the 10th consecutive wrong password, refuses the right one during the lock, and unlocks after 30 minutes (8.3.4)', async () => {
    let state = await signedUp();
    for (let attempt = 1; attempt <= 10; attempt++) {
      const result = await attemptSignIn(state, pw(`${wrong}${attempt}`), t0 + attempt, policy);
      assert.equal(result.outcome, 'wrong-password');
      assert.equal(result.causedLockout, attempt === 10);
      state = result.state;
    }
    assert.equal(state.lockedUntilMs, t0 + 10 + 30 * minute);
    const eleventh = await attemptSignIn(state, right, t0 + 11, policy);
    assert.equal(eleventh.outcome, 'locked', 'the right password is refused while locked');
    assert.deepEqual(eleventh.state, state, 'attempts during a lock do not extend it');
    const lateInLock = await attemptSignIn(state, right, t0 + 10 + 30 * minute - 1, policy);
    assert.equal(lateInLock.outcome, 'locked');
    const after = await attemptSignIn(state, right, t0 + 10 + 30 * minute, policy);
    assert.equal(after.outcome, 'ok');
    assert.equal(after.state.failedAttempts, 0);
    assert.equal(after.state.lockedUntilMs, null);
  });

  it('starts counting afresh after a lock has run out', async () => {
    const state = await afterWrongPasswords(await signedUp(), 10, policy);
    const later = t0 + 31 * minute;
    const result = await attemptSignIn(state, wrong, later, policy);
    assert.equal(result.outcome, 'wrong-password');
    assert.equal(result.state.failedAttempts, 1);
    assert.equal(result.state.lockedUntilMs, null);
  });

  it('resets the failure count on success', async () => {
    let state = await afterWrongPasswords(await signedUp(), 9, policy);
    state = (await attemptSignIn(state, right, t0, policy)).state;
    const next = await attemptSignIn(state, wrong, t0, policy);
    assert.equal(next.state.failedAttempts, 1);
    assert.equal(next.causedLockout, false);
  });

  it('lets an administrator unlock after confirming identity', async () => {
    const state = await afterWrongPasswords(await signedUp(), 10, policy);
    assert.equal((await attemptSignIn(unlock(state), right, t0 + 1, policy)).outcome, 'ok');
  });

  it('honours a stricter lockout threshold', async () => {
    const strict = passwordPolicy({ maxFailedAttempts: 3 });
    const state = await afterWrongPasswords(await signedUp(), 3, strict);
    assert.equal((await attemptSignIn(state, right, t0, strict)).outcome, 'locked');
  });
});

describe('inactive accounts (PCI DSS 8.2.6)', () => {
  it('disables an account unused for 90 days, even with the right password', async () => {
    const signedIn = (await attemptSignIn(await signedUp(), right, t0, policy)).state;
    assert.equal((await attemptSignIn(signedIn, right, t0 + 90 * day - 1, policy)).outcome, 'ok');
    const result = await attemptSignIn(signedIn, right, t0 + 90 * day, policy);
    assert.equal(result.outcome, 'inactive');
    assert.equal(isInactive(signedIn, t0 + 90 * day, policy), true);
  });

  it('counts from creation when the person never signed in', async () => {
    const state = await signedUp();
    assert.equal((await attemptSignIn(state, right, t0 + 90 * day, policy)).outcome, 'inactive');
  });

  it('comes back into use through an administrator reset, which must then be changed', async () => {
    const dormant = await signedUp();
    const later = t0 + 100 * day;
    const reset = await resetPassword(dormant, pw('temporary pass 7'), user, later, policy);
    const first = await attemptSignIn(reset, 'temporary pass 7', later + minute, policy);
    assert.equal(first.outcome, 'must-change-password');
  });
});

describe('first-use and reset passwords (PCI DSS 8.3.5)', () => {
  it('requires a change at first sign-in and then signs in normally', async () => {
    const state = await signedUp(true);
    const first = await attemptSignIn(state, right, t0, policy);
    assert.equal(first.outcome, 'must-change-password');
    assert.equal(first.state.lastSignInMs, null, 'not a completed sign-in');
    const changed = await changePassword(first.state, pw('my own secret 99'), user, t0 + 1, policy);
    assert.equal(changed.mustChangePassword, false);
    assert.equal((await attemptSignIn(changed, 'my own secret 99', t0 + 2, policy)).outcome, 'ok');
    assert.equal((await attemptSignIn(changed, right, t0 + 3, policy)).outcome, 'wrong-password');
  });

  it('counts a wrong password before the first change as a failure', async () => {
    const result = await attemptSignIn(await signedUp(true), wrong, t0, policy);
    assert.equal(result.outcome, 'wrong-password');
    assert.equal(result.state.failedAttempts, 1);
  });

  it('makes an administrator reset unlock the account and require a change', async () => {
    const state = await afterWrongPasswords(await signedUp(), 10, policy);
    const temporary = pw(generateTemporaryPassword(user, policy));
    const reset = await resetPassword(state, temporary, user, t0 + 1, policy);
    assert.equal((await attemptSignIn(reset, temporary, t0 + 2, policy)).outcome, 'must-change-password');
  });

  it('requires a change when the password is older than an optional maximum age', async () => {
    const aging = passwordPolicy({ maxPasswordAgeMs: 30 * day });
    const state = await signedUp();
    assert.equal((await attemptSignIn(state, right, t0 + 29 * day, aging)).outcome, 'ok');
    assert.equal((await attemptSignIn(state, right, t0 + 30 * day, aging)).outcome, 'must-change-password');
  });
});

describe('idle sessions (PCI DSS 8.2.8)', () => {
  it('ends a session idle for 15 minutes', () => {
    assert.equal(isSessionIdle(t0, t0 + 15 * minute - 1, policy), false);
    assert.equal(isSessionIdle(t0, t0 + 15 * minute, policy), true);
  });
});
