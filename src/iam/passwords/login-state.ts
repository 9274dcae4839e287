import type { PasswordPolicy } from './policy.ts';
import { assertPasswordFollowsRules, passwordPolicyViolation } from './rules.ts';
import { findMatchingSecret, hashSecret, needsRehash, verifySecret } from './scrypt-hash.ts';

/**
 * Everything sign-in needs to know about one person's password, as plain JSON-serialisable data: the
 * caller stores it with the user and writes back the state each function returns, in the same write
 * transaction as the read, so two concurrent attempts cannot both count as the first failure.
 */
export interface LoginState {
  passwordHash: string;
  /** Earlier passwords' hashes, newest first: as many as 8.3.7 needs besides the current one. */
  previousHashes: string[];
  /** Consecutive wrong passwords since the last success or unlock. */
  failedAttempts: number;
  lockedUntilMs: number | null;
  lastSignInMs: number | null;
  passwordChangedAtMs: number;
  /** 8.3.5: a first-use or reset password must be replaced at the next sign-in. */
  mustChangePassword: boolean;
  createdAtMs: number;
}

export type SignInOutcome = 'ok' | 'wrong-password' | 'locked' | 'inactive' | 'must-change-password';

export interface SignInResult {
  /**
   * `ok`: signed in. `must-change-password`: the password was right, but no session until `changePassword`
   * (first use, reset, or older than the policy's maximum age). The others refuse; `locked` and `inactive`
   * say so without checking the password at all.
   */
  outcome: SignInOutcome;
  state: LoginState;
  /** True for the attempt that locked the account, so the caller records the lockout in the audit trail. */
  causedLockout: boolean;
}

export interface NewLoginOptions {
  /** True when an administrator chose the password (8.3.5); false when the person chose it themselves. */
  mustChangePassword: boolean;
}

/** A login for a new person; throws `PasswordPolicyViolation` naming each rule the password breaks. */
export async function createLoginState(
  password: string,
  userName: string,
  nowMs: number,
  policy: PasswordPolicy,
  options: NewLoginOptions,
): Promise<LoginState> {
  assertPasswordFollowsRules(password, userName, policy);
  return {
    passwordHash: await hashSecret(password),
    previousHashes: [],
    failedAttempts: 0,
    lockedUntilMs: null,
    lastSignInMs: null,
    passwordChangedAtMs: nowMs,
    mustChangePassword: options.mustChangePassword,
    createdAtMs: nowMs,
  };
}

/**
 * 8.2.6: the last sign-in, or creation, or the last password change (an administrator's reset is how a
 * disabled account comes back into use) — whichever is latest.
 */
function lastActivityMs(state: LoginState): number {
  return Math.max(state.createdAtMs, state.lastSignInMs ?? state.createdAtMs, state.passwordChangedAtMs);
}

/** 8.2.6: true once the account has gone unused for the policy's inactivity period; it stays disabled. */
export function isInactive(state: LoginState, nowMs: number, policy: PasswordPolicy): boolean {
  return nowMs - lastActivityMs(state) >= policy.inactiveAccountDisableMs;
}

/** When the account was (or will be) disabled for inactivity, for access reviews. */
export function inactiveFromMs(state: LoginState, policy: PasswordPolicy): number {
  return lastActivityMs(state) + policy.inactiveAccountDisableMs;
}

/** Whether a lockout (of a login, or of an MFA device: 8.3.4) still runs at `nowMs`. */
export function isLocked(state: Pick<LoginState, 'lockedUntilMs'>, nowMs: number): boolean {
  return state.lockedUntilMs !== null && nowMs < state.lockedUntilMs;
}

/** 8.2.8: a session whose last request was this long ago must sign in again. */
export function isSessionIdle(lastActivityAtMs: number, nowMs: number, policy: PasswordPolicy): boolean {
  return nowMs - lastActivityAtMs >= policy.idleSessionTimeoutMs;
}

function isPasswordExpired(state: LoginState, nowMs: number, policy: PasswordPolicy): boolean {
  return policy.maxPasswordAgeMs !== null && nowMs - state.passwordChangedAtMs >= policy.maxPasswordAgeMs;
}

/**
 * One sign-in attempt. 8.3.4: the attempt that makes `maxFailedAttempts` consecutive failures locks the
 * account for `lockoutDurationMs`; while locked, every attempt is refused, the right password included,
 * and does not extend the lock. A lock that has run out is cleared with the failure count.
 */
export async function attemptSignIn(
  state: LoginState,
  password: string,
  nowMs: number,
  policy: PasswordPolicy,
): Promise<SignInResult> {
  if (isInactive(state, nowMs, policy)) return { outcome: 'inactive', state, causedLockout: false };
  if (isLocked(state, nowMs)) return { outcome: 'locked', state, causedLockout: false };
  const current = state.lockedUntilMs === null ? state : { ...state, failedAttempts: 0, lockedUntilMs: null };

  if (!(await verifySecret(password, current.passwordHash))) return countFailedAttempt(current, nowMs, policy);

  const verified = { ...current, failedAttempts: 0 };
  if (verified.mustChangePassword || isPasswordExpired(verified, nowMs, policy)) {
    return { outcome: 'must-change-password', state: verified, causedLockout: false };
  }
  // Hashes made with older, cheaper parameters are upgraded while the password is at hand.
  const passwordHash = needsRehash(verified.passwordHash) ? await hashSecret(password) : verified.passwordHash;
  return { outcome: 'ok', state: { ...verified, passwordHash, lastSignInMs: nowMs }, causedLockout: false };
}

/**
 * Counts one failed attempt (8.3.4) and locks the account when it makes `maxFailedAttempts`: a wrong
 * password, or a right password with a wrong second factor, which is as much an invalid attempt. An expired
 * lock is cleared first, as in `attemptSignIn`.
 */
export function countFailedAttempt(state: LoginState, nowMs: number, policy: PasswordPolicy): SignInResult {
  if (isLocked(state, nowMs)) return { outcome: 'locked', state, causedLockout: false };
  const current = state.lockedUntilMs === null ? state : { ...state, failedAttempts: 0, lockedUntilMs: null };
  const failedAttempts = current.failedAttempts + 1;
  const causedLockout = failedAttempts >= policy.maxFailedAttempts;
  const lockedUntilMs = causedLockout ? nowMs + policy.lockoutDurationMs : null;
  return { outcome: 'wrong-password', state: { ...current, failedAttempts, lockedUntilMs }, causedLockout };
}

/**
 * Replaces the password of a person who has just proved the current one (`attemptSignIn` answered `ok` or
 * `must-change-password`, or AWS ChangePassword's OldPassword checked the same way). Throws
 * `PasswordPolicyViolation` naming each broken rule, including reuse of one of the last passwords (8.3.7).
 */
export function changePassword(
  state: LoginState,
  newPassword: string,
  userName: string,
  nowMs: number,
  policy: PasswordPolicy,
): Promise<LoginState> {
  return replacePassword(state, newPassword, userName, nowMs, policy, false);
}

/**
 * An administrator's reset (AWS UpdateLoginProfile): the new password must be changed at first use (8.3.5);
 * the reset also unlocks the account (8.3.4 "until the user's identity is confirmed") and brings a disabled
 * account back into use. Use `generateTemporaryPassword` for a unique value.
 */
export function resetPassword(
  state: LoginState,
  temporaryPassword: string,
  userName: string,
  nowMs: number,
  policy: PasswordPolicy,
): Promise<LoginState> {
  return replacePassword(state, temporaryPassword, userName, nowMs, policy, true);
}

/** 8.3.4: an administrator who has confirmed the person's identity lifts a lockout before it runs out. */
export function unlock<T extends Pick<LoginState, 'failedAttempts' | 'lockedUntilMs'>>(state: T): T {
  return { ...state, failedAttempts: 0, lockedUntilMs: null };
}

async function replacePassword(
  state: LoginState,
  newPassword: string,
  userName: string,
  nowMs: number,
  policy: PasswordPolicy,
  isReset: boolean,
): Promise<LoginState> {
  assertPasswordFollowsRules(newPassword, userName, policy);
  const history = [state.passwordHash, ...state.previousHashes].slice(0, policy.passwordReuseHistory);
  if ((await findMatchingSecret(newPassword, history)) !== -1) {
    const message = `The password must differ from the last ${policy.passwordReuseHistory} passwords (PCI DSS 8.3.7).`;
    throw passwordPolicyViolation([{ rule: 'history', message }]);
  }
  return {
    ...state,
    passwordHash: await hashSecret(newPassword),
    previousHashes: history.slice(0, policy.passwordReuseHistory - 1),
    passwordChangedAtMs: nowMs,
    mustChangePassword: isReset,
    ...(isReset ? { failedAttempts: 0, lockedUntilMs: null } : {}),
  };
}
