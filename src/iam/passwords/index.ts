/**
 * People's passwords (PCI DSS 8.2.6, 8.2.8, 8.3.1–8.3.7), pure: no store, no clock, no I/O but scrypt.
 *
 * - `passwordPolicy(overrides)` → `PasswordPolicy`: PCI DSS defaults that are also floors (weaker → throws
 *   `InvalidParameterValue`); `pciDssPasswordPolicy` is the default.
 * - `LoginState`: the JSON record to store per person. `createLoginState(password, userName, nowMs, policy,
 *   { mustChangePassword })`, `attemptSignIn(state, password, nowMs, policy)` → `{ outcome, state,
 *   causedLockout }`, `changePassword` / `resetPassword(state, newPassword, userName, nowMs, policy)` →
 *   new state, `countFailedAttempt(state, nowMs, policy)` for a wrong second factor, `unlock(state)`; always
 *   persist the returned state. `isLocked`, `isInactive`,
 *   `inactiveFromMs` for reviews; `isSessionIdle(lastActivityAtMs, nowMs, policy)` for 8.2.8.
 * - Rules: `passwordRuleViolations` / `assertPasswordFollowsRules` (throws `PasswordPolicyViolation`,
 *   naming every broken rule, never quoting the password); `generateTemporaryPassword(userName, policy)`.
 * - Hashing: `hashSecret` / `verifySecret` (scrypt, encoded `$scrypt$ln=15,r=8,p=1$salt$key`, async,
 *   constant-time), `verifyAgainstNoUser` to spend the same time when the user name is unknown.
 */
export {
  attemptSignIn,
  changePassword,
  countFailedAttempt,
  createLoginState,
  inactiveFromMs,
  isInactive,
  isLocked,
  isSessionIdle,
  type LoginState,
  type NewLoginOptions,
  resetPassword,
  type SignInOutcome,
  type SignInResult,
  unlock,
} from './login-state.ts';
export { maximumPasswordLength, type PasswordPolicy, passwordPolicy, pciDssPasswordPolicy } from './policy.ts';
export {
  assertPasswordFollowsRules,
  generateTemporaryPassword,
  type PasswordRuleViolation,
  passwordRuleViolations,
} from './rules.ts';
export {
  defaultScryptParams,
  findMatchingSecret,
  hashSecret,
  hashSecretsWithSharedSalt,
  needsRehash,
  type ScryptParams,
  verifyAgainstNoUser,
  verifySecret,
} from './scrypt-hash.ts';
