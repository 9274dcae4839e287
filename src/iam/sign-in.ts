import { PciqError } from '../core/index.ts';
import { type IamContext, Refusal, writeOrRefuse } from './context.ts';
import { type LoginOwner, loginPrincipal } from './login-profiles.ts';
import { checkMfaCode, type PreparedRecovery, redeemRecovery } from './mfa-devices.ts';
import {
  attemptSignIn,
  changePassword,
  countFailedAttempt,
  type LoginState,
  type SignInResult,
  verifyAgainstNoUser,
} from './passwords/index.ts';
import { type IssuedCredentials, issueSession, maxSessionDurationSec, minSessionDurationSec } from './sessions.ts';

/**
 * A person's sign-in (PCI DSS 8.2, 8.3, 8.4.2): user name, password and a TOTP code (or a recovery code)
 * exchanged for short-lived session credentials that end after 15 minutes without a request (8.2.8).
 * Every attempt is recorded; wrong passwords and wrong codes count towards the lockout (8.3.4); a person
 * without an MFA device gets no session (8.4.2); a password set by an administrator must be changed first
 * (8.3.5), in the same call with `newPassword`.
 */

export interface SignInInput {
  accountId: string;
  /** Undefined for the account root. */
  userName?: string;
  password: string;
  tokenCode?: string;
  recoveryCode?: string;
  newPassword?: string;
  durationSec?: number;
}

export interface SignedIn extends IssuedCredentials {
  principalArn: string;
  idleTimeoutMs: number;
}

/** Another attempt changed the login state between reading and writing it (on another node): decide again. */
class ConcurrentAttempt extends Error {}

/** What a refused person is told: nothing that helps guess which of the three factors was wrong. */
const refusedMessage = 'The user name, password or MFA code is incorrect.';
const defaultDurationSec = 3600;

export async function signIn(context: IamContext, input: SignInInput): Promise<SignedIn> {
  const durationSec = input.durationSec ?? defaultDurationSec;
  if (!Number.isInteger(durationSec) || durationSec < minSessionDurationSec || durationSec > maxSessionDurationSec) {
    throw new PciqError(
      'ValidationError',
      `DurationSeconds must be from ${minSessionDurationSec} to ${maxSessionDurationSec}.`,
    );
  }
  const owner: LoginOwner = input.userName === undefined ? 'root' : { userName: input.userName };
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await context.store.read(async (tx) => {
      try {
        const principal = await loginPrincipal(tx, input.accountId, owner);
        const row = await tx.iam.getLoginProfile(principal.principalArn);
        return row ? { ...principal, before: row.loginState } : undefined;
      } catch {
        return undefined;
      }
    });
    if (!found) return refuseUnknown(context, input);
    const state = JSON.parse(found.before) as LoginState;
    const now = context.clock.now();
    const result = await attemptSignIn(state, input.password, now, context.passwordPolicy);
    const prepared = await prepare(context, input, found.principalArn, found.userName, result);
    let outcome: SignedIn | undefined;
    try {
      outcome = await writeOrRefuse(context, async (tx) => {
        const row = await tx.iam.getLoginProfile(found.principalArn);
        // A concurrent attempt changed the state: decide again on the fresh one, so no failure is lost.
        if (!row || row.loginState !== found.before) return undefined;
        const save = async (next: LoginState) => {
          if (!(await tx.iam.updateLoginState(found.principalArn, found.before, JSON.stringify(next)))) {
            throw new ConcurrentAttempt();
          }
        };
        const actor = { principal: found.principalArn, accessKeyId: null, accountId: input.accountId };
        const refuse = async (
          reason: string,
          counted?: SignInResult,
          message = refusedMessage,
          code: 'AccessDenied' | 'PasswordResetRequired' = 'AccessDenied',
        ) => {
          if (counted) await save(counted.state);
          await context.audit.record(tx, {
            type: 'iam:Login',
            outcome: 'failure',
            error: code,
            requestError: code,
            resource: found.principalArn,
            actor,
            details: { reason, failedAttempts: (counted ?? result).state.failedAttempts },
          });
          if (counted?.causedLockout) {
            await context.audit.record(tx, {
              type: 'iam:Lockout',
              outcome: 'success',
              resource: found.principalArn,
              actor,
              details: {
                lockedUntil: new Date(counted.state.lockedUntilMs ?? now).toISOString(),
                failedAttempts: counted.state.failedAttempts,
              },
            });
          }
          return new Refusal(new PciqError(code, message));
        };
        switch (result.outcome) {
          case 'locked':
            return refuse(
              'locked',
              undefined,
              `The account is locked after too many failed sign-in attempts until ${new Date(state.lockedUntilMs ?? now).toISOString()} (PCI DSS 8.3.4); an administrator can unlock it sooner.`,
            );
          case 'inactive':
            return refuse(
              'inactive',
              undefined,
              'The account was disabled after 90 days without use (PCI DSS 8.2.6); an administrator must reset its password.',
            );
          case 'wrong-password':
            return refuse('wrong-password', result);
        }
        const mfa = await checkMfaCode(context, tx, found.principalArn, {
          ...(input.tokenCode !== undefined ? { tokenCode: input.tokenCode } : {}),
          ...(prepared.recovery ? { recovery: prepared.recovery } : {}),
        });
        if (mfa.outcome === 'no-device') {
          return refuse(
            'mfa-not-enrolled',
            undefined,
            'Every person must sign in with MFA (PCI DSS 8.4.2), and no MFA device is enabled for this user: ask an administrator to enable one.',
          );
        }
        // A device locked after too many wrong codes checked none: nothing to count, and the answer stays the
        // one for a wrong code, so that it does not tell a guesser the password was right.
        if (mfa.outcome === 'locked') return refuse('mfa-locked');
        if (mfa.outcome !== 'ok')
          return refuse(`mfa-${mfa.outcome}`, countFailedAttempt(state, now, context.passwordPolicy));
        if (!prepared.final) {
          await save(result.state);
          return refuse(
            'must-change-password',
            undefined,
            'The password must be changed at first use or after a reset (PCI DSS 8.3.5): sign in again with NewPassword and a new code.',
            'PasswordResetRequired',
          );
        }
        await save(prepared.final);
        await context.audit.record(tx, {
          type: 'iam:Login',
          outcome: 'success',
          resource: found.principalArn,
          actor,
          details: { mfa: true, recoveryCode: prepared.recovery !== undefined, passwordChanged: prepared.changed },
        });
        const credentials = await issueSession(context, tx, {
          accountId: input.accountId,
          kind: 'sign-in',
          principalArn: found.principalArn,
          roleArn: null,
          issuedToArn: found.principalArn,
          durationSec,
          mfaAuthenticatedAtMs: now,
          sessionPolicy: null,
          sessionPolicyArns: [],
          sourceIdentity: null,
          tags: {},
          idleTimeoutMs: context.passwordPolicy.idleSessionTimeoutMs,
        });
        return {
          ...credentials,
          principalArn: found.principalArn,
          idleTimeoutMs: context.passwordPolicy.idleSessionTimeoutMs,
        };
      });
    } catch (error) {
      if (error instanceof ConcurrentAttempt) continue;
      throw error;
    }
    if (outcome) return outcome;
  }
  throw new PciqError('ServiceUnavailable', 'The sign-in state kept changing; try again.');
}

/**
 * The slow parts, outside any unit of work (scrypt): the recovery code's match, and for a password that must
 * change, the new password's state (its rules are checked here, before anything is written).
 */
async function prepare(
  context: IamContext,
  input: SignInInput,
  principalArn: string,
  userName: string,
  result: SignInResult,
): Promise<{ recovery?: PreparedRecovery; final?: LoginState; changed: boolean }> {
  if (result.outcome !== 'ok' && result.outcome !== 'must-change-password') return { changed: false };
  const recovery =
    input.recoveryCode !== undefined ? await redeemRecovery(context, principalArn, input.recoveryCode) : undefined;
  const base = recovery ? { recovery } : {};
  if (result.outcome === 'ok') return { ...base, final: result.state, changed: false };
  if (input.newPassword === undefined) return { ...base, changed: false };
  const now = context.clock.now();
  const changed = await changePassword(result.state, input.newPassword, userName, now, context.passwordPolicy);
  // Signing in with the new password records the sign-in as the state machine does.
  const again = await attemptSignIn(changed, input.newPassword, now, context.passwordPolicy);
  return { ...base, final: again.state, changed: true };
}

/** An unknown user, or one without a password: the same time spent and the same answer as a wrong password. */
async function refuseUnknown(context: IamContext, input: SignInInput): Promise<never> {
  await verifyAgainstNoUser(input.password);
  return writeOrRefuse<never>(context, async (tx) => {
    await context.audit.record(tx, {
      type: 'iam:Login',
      outcome: 'failure',
      error: 'AccessDenied',
      requestError: 'AccessDenied',
      // The name typed is not recorded: people type passwords into the wrong field.
      actor: { principal: null, accessKeyId: null, accountId: input.accountId },
      details: { reason: 'unknown-user' },
    });
    return new Refusal(new PciqError('AccessDenied', refusedMessage));
  });
}
