import { isPciqError, PciqError } from '../core/index.ts';
import type { ReadTx } from '../storage/index.ts';
import { type IamContext, noSuchEntity, Refusal, writeOrRefuse } from './context.ts';
import { unlockMfaDevices } from './mfa-devices.ts';
import { rootArn, userArn } from './names.ts';
import {
  attemptSignIn,
  changePassword as changeLoginPassword,
  createLoginState,
  type LoginState,
  resetPassword,
  unlock,
} from './passwords/index.ts';

/**
 * People's passwords (login profiles): CreateLoginProfile, UpdateLoginProfile, GetLoginProfile,
 * DeleteLoginProfile and ChangePassword, for IAM users and the account root. Hashing (scrypt) runs outside
 * units of work, which then write only if the stored state is still the one the hash was computed from.
 */

export type LoginOwner = { userName: string } | 'root';

export interface LoginProfileView {
  /** The user's name, or `<root_account>`. */
  userName: string;
  principalArn: string;
  createdAtMs: number;
  passwordResetRequired: boolean;
  state: LoginState;
}

/** The principal a login belongs to: a user (which must exist) or the account root. */
export async function loginPrincipal(tx: ReadTx, accountId: string, owner: LoginOwner) {
  if (owner === 'root') return { principalArn: rootArn(accountId), userName: '<root_account>' };
  const user = await tx.iam.getUser(accountId, owner.userName);
  if (!user) throw noSuchEntity('user', owner.userName);
  return { principalArn: userArn(accountId, user.userName, user.path), userName: user.userName };
}

function noProfile(userName: string): PciqError {
  return new PciqError('NoSuchEntity', `Login Profile for User ${userName} cannot be found.`);
}

/**
 * CreateLoginProfile. A password chosen by an administrator must be changed at first use (PCI DSS 8.3.5),
 * whatever PasswordResetRequired says; `chosenByOwner` is for the person setting their own (`pciq init`).
 */
export async function createLoginProfile(
  context: IamContext,
  accountId: string,
  input: { owner: LoginOwner; password: string; chosenByOwner?: boolean },
): Promise<LoginProfileView> {
  const { principalArn, userName } = await context.store.read((tx) => loginPrincipal(tx, accountId, input.owner));
  const now = context.clock.now();
  const mustChangePassword = input.chosenByOwner !== true;
  const state = await createLoginState(input.password, userName, now, context.passwordPolicy, { mustChangePassword });
  await context.store.write(async (tx) => {
    await loginPrincipal(tx, accountId, input.owner);
    if (await tx.iam.getLoginProfile(principalArn)) {
      throw new PciqError('EntityAlreadyExists', `Login Profile for user ${userName} already exists.`);
    }
    await tx.iam.putLoginProfile({ principalArn, accountId, loginState: JSON.stringify(state), createdAtMs: now });
    await context.audit.record(tx, {
      type: 'iam:CreateLoginProfile',
      outcome: 'success',
      resource: principalArn,
      details: { mustChangePassword },
    });
  });
  return { userName, principalArn, createdAtMs: now, passwordResetRequired: mustChangePassword, state };
}

export async function getLoginProfile(
  context: IamContext,
  accountId: string,
  owner: LoginOwner,
): Promise<LoginProfileView> {
  return context.store.read(async (tx) => {
    const { principalArn, userName } = await loginPrincipal(tx, accountId, owner);
    const row = await tx.iam.getLoginProfile(principalArn);
    if (!row) throw noProfile(userName);
    const state = JSON.parse(row.loginState) as LoginState;
    return {
      userName,
      principalArn,
      createdAtMs: row.createdAtMs,
      passwordResetRequired: state.mustChangePassword,
      state,
    };
  });
}

export async function deleteLoginProfile(context: IamContext, accountId: string, owner: LoginOwner): Promise<void> {
  await context.store.write(async (tx) => {
    const { principalArn, userName } = await loginPrincipal(tx, accountId, owner);
    if (!(await tx.iam.deleteLoginProfile(principalArn))) throw noProfile(userName);
    await context.audit.record(tx, { type: 'iam:DeleteLoginProfile', outcome: 'success', resource: principalArn });
  });
}

/** A new login state, and what to record about the change; `refusal` fails the request after it commits. */
interface LoginChange {
  state: LoginState;
  details?: Record<string, string | number | boolean | null>;
  refusal?: PciqError;
}

/**
 * Replaces a stored login state by what `compute` makes of it, retrying when a concurrent sign-in changed it
 * in between (a counted failure must never be lost). The change and its record commit together.
 */
async function updateLoginState(
  context: IamContext,
  accountId: string,
  owner: LoginOwner,
  type: string,
  compute: (state: LoginState, userName: string) => Promise<LoginChange>,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const { principalArn, userName, before } = await context.store.read(async (tx) => {
      const principal = await loginPrincipal(tx, accountId, owner);
      const row = await tx.iam.getLoginProfile(principal.principalArn);
      if (!row) throw noProfile(principal.userName);
      return { ...principal, before: row.loginState };
    });
    const change = await compute(JSON.parse(before) as LoginState, userName);
    const written = await writeOrRefuse(context, async (tx) => {
      const row = await tx.iam.getLoginProfile(principalArn);
      if (!row) throw noProfile(userName);
      if (!(await tx.iam.updateLoginState(principalArn, before, JSON.stringify(change.state)))) return false;
      // A new password changes who can sign in: the revision tells every process.
      await tx.iam.putLoginProfile({ ...row, loginState: JSON.stringify(change.state) });
      const error = change.refusal?.code;
      await context.audit.record(tx, {
        type,
        outcome: error ? 'failure' : 'success',
        resource: principalArn,
        ...(error ? { error, requestError: error } : {}),
        ...(change.details ? { details: change.details } : {}),
      });
      return change.refusal ? new Refusal(change.refusal) : true;
    });
    if (written) return;
    if (attempt >= 5) throw new PciqError('ServiceUnavailable', 'The login profile kept changing; try again.');
  }
}

/** UpdateLoginProfile: an administrator's reset, to be changed at first use (8.3.5); it also lifts a lockout. */
export async function updateLoginProfile(
  context: IamContext,
  accountId: string,
  input: { owner: LoginOwner; password?: string; passwordResetRequired?: boolean },
): Promise<void> {
  await updateLoginState(context, accountId, input.owner, 'iam:UpdateLoginProfile', async (state, userName) => {
    const now = context.clock.now();
    const next =
      input.password !== undefined
        ? await resetPassword(state, input.password, userName, now, context.passwordPolicy)
        : // Without a new password only the reset requirement can be raised; 8.3.5 does not let it be lowered.
          { ...state, mustChangePassword: state.mustChangePassword || input.passwordResetRequired === true };
    return {
      state: next,
      details: { mustChangePassword: next.mustChangePassword, passwordChanged: input.password !== undefined },
    };
  });
}

/**
 * An administrator lifts a lockout after confirming the person's identity (8.3.4): of the password, and of
 * MFA devices locked after too many wrong codes (a user signing with access keys may have devices and no
 * password).
 */
export async function unlockLogin(context: IamContext, accountId: string, owner: LoginOwner): Promise<void> {
  const devicesUnlocked = await context.store.write(async (tx) => {
    const { principalArn } = await loginPrincipal(tx, accountId, owner);
    const unlocked = await unlockMfaDevices(tx, principalArn);
    if (unlocked > 0) {
      await context.audit.record(tx, {
        type: 'iam:UnlockLogin',
        outcome: 'success',
        resource: principalArn,
        details: { mfaDevices: unlocked },
      });
    }
    return unlocked;
  });
  try {
    await updateLoginState(context, accountId, owner, 'iam:UnlockLogin', async (state) => ({ state: unlock(state) }));
  } catch (error) {
    // Someone without a password whose devices were just unlocked: that was the whole unlock.
    if (devicesUnlocked === 0 || !isPciqError(error) || error.code !== 'NoSuchEntity') throw error;
  }
}

/**
 * ChangePassword: a person replaces their own password, proving the current one. A wrong current password
 * counts as a failed attempt (8.3.4), as a sign-in would.
 */
export async function changeOwnPassword(
  context: IamContext,
  accountId: string,
  input: { owner: LoginOwner; oldPassword: string; newPassword: string },
): Promise<void> {
  await updateLoginState(context, accountId, input.owner, 'iam:ChangePassword', async (state, userName) => {
    const now = context.clock.now();
    const attempt = await attemptSignIn(state, input.oldPassword, now, context.passwordPolicy);
    if (attempt.outcome === 'ok' || attempt.outcome === 'must-change-password') {
      return {
        state: await changeLoginPassword(attempt.state, input.newPassword, userName, now, context.passwordPolicy),
      };
    }
    const refusal =
      attempt.outcome === 'wrong-password'
        ? new PciqError('InvalidInput', 'The old password is incorrect.')
        : new PciqError('AccessDenied', 'The account is locked or disabled; an administrator must unlock or reset it.');
    return { state: attempt.state, refusal, details: { reason: attempt.outcome } };
  });
}
