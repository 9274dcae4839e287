import { PciqError } from '../core/index.ts';
import type { IamUserRow } from '../storage/index.ts';
import { alreadyExists, checkTags, type IamContext, noSuchEntity, withoutTags } from './context.ts';
import { checkName, checkPath, newUniqueId, userArn } from './names.ts';
import { checkBoundaryPolicy } from './policies.ts';
import { endSessionsOf } from './sessions.ts';

/** IAM users: the people and machines of an account (CreateUser … DeleteUser, TagUser, UntagUser). */

export interface UserView extends IamUserRow {
  arn: string;
  /** When the user last signed in with a password (IAM's PasswordLastUsed), if ever. */
  passwordLastUsedMs: number | null;
}

export function userView(row: IamUserRow, passwordLastUsedMs: number | null = null): UserView {
  return { ...row, arn: userArn(row.accountId, row.userName, row.path), passwordLastUsedMs };
}

export async function createUser(
  context: IamContext,
  accountId: string,
  input: { userName: string; path?: string; tags?: Record<string, string>; permissionsBoundary?: string },
): Promise<UserView> {
  const userName = checkName('userName', input.userName);
  const path = checkPath(input.path);
  const tags = checkTags(input.tags ?? {});
  return context.store.write(async (tx) => {
    if (await tx.iam.getUser(accountId, userName)) throw alreadyExists('User', userName);
    const boundary =
      input.permissionsBoundary === undefined
        ? null
        : await checkBoundaryPolicy(tx, accountId, input.permissionsBoundary);
    const row: IamUserRow = {
      accountId,
      userName,
      userId: newUniqueId('AIDA'),
      path,
      createdAtMs: context.clock.now(),
      tags,
      permissionsBoundary: boundary,
    };
    await tx.iam.insertUser(row);
    const view = userView(row);
    await context.audit.record(tx, {
      type: 'iam:CreateUser',
      outcome: 'success',
      resource: view.arn,
      details: { userId: row.userId, tagKeys: Object.keys(tags).join(',') || null },
    });
    return view;
  });
}

export async function getUser(context: IamContext, accountId: string, userName: string): Promise<UserView> {
  return context.store.read(async (tx) => {
    const row = await tx.iam.getUser(accountId, userName);
    if (!row) throw noSuchEntity('user', userName);
    const profile = await tx.iam.getLoginProfile(userArn(accountId, row.userName, row.path));
    const lastSignIn = profile
      ? (JSON.parse(profile.loginState) as { lastSignInMs: number | null }).lastSignInMs
      : null;
    return userView(row, lastSignIn);
  });
}

export async function listUsers(context: IamContext, accountId: string, pathPrefix = '/'): Promise<UserView[]> {
  const rows = await context.store.read((tx) => tx.iam.listUsers(accountId));
  return rows.filter((row) => row.path.startsWith(pathPrefix)).map((row) => userView(row));
}

/**
 * Deletes a user that holds nothing any more, as IAM requires: the console password, access keys, MFA
 * devices, group memberships and policies must be removed first (DeleteConflict names what is left).
 */
export async function deleteUser(context: IamContext, accountId: string, userName: string): Promise<void> {
  await context.store.write(async (tx) => {
    const row = await tx.iam.getUser(accountId, userName);
    if (!row) throw noSuchEntity('user', userName);
    const arn = userArn(accountId, row.userName, row.path);
    const conflict = (what: string) => new PciqError('DeleteConflict', `Cannot delete entity, must ${what} first.`);
    if (await tx.iam.getLoginProfile(arn)) throw conflict('delete login profile');
    if ((await tx.listAccessKeys()).some((key) => key.principalArn === arn)) throw conflict('delete access keys');
    if ((await tx.iam.listMfaDevices(accountId)).some((device) => device.ownerArn === arn))
      throw conflict('delete MFA device');
    if ((await tx.iam.listGroupsOfUser(accountId, row.userName)).length) throw conflict('remove user from group');
    if ((await tx.iam.listInlinePolicies(accountId, 'user', row.userName)).length) throw conflict('delete policies');
    if ((await tx.iam.listAttachments(accountId, 'user', row.userName)).length) throw conflict('detach all policies');
    await tx.iam.deleteUser(accountId, row.userName);
    const endedSessions = await endSessionsOf(tx, accountId, arn);
    await context.audit.record(tx, {
      type: 'iam:DeleteUser',
      outcome: 'success',
      resource: arn,
      details: { userId: row.userId, endedSessions },
    });
  });
}

export async function tagUser(
  context: IamContext,
  accountId: string,
  userName: string,
  tags: Record<string, string>,
): Promise<void> {
  await updateUserTags(
    context,
    accountId,
    userName,
    'iam:TagUser',
    (current) => checkTags(tags, current),
    Object.keys(tags),
  );
}

export async function untagUser(
  context: IamContext,
  accountId: string,
  userName: string,
  keys: readonly string[],
): Promise<void> {
  await updateUserTags(context, accountId, userName, 'iam:UntagUser', (current) => withoutTags(current, keys), keys);
}

async function updateUserTags(
  context: IamContext,
  accountId: string,
  userName: string,
  type: string,
  change: (current: Record<string, string>) => Record<string, string>,
  keys: readonly string[],
): Promise<void> {
  await context.store.write(async (tx) => {
    const row = await tx.iam.getUser(accountId, userName);
    if (!row) throw noSuchEntity('user', userName);
    await tx.iam.updateUser({ ...row, tags: change(row.tags) });
    await context.audit.record(tx, {
      type,
      outcome: 'success',
      resource: userArn(accountId, row.userName, row.path),
      details: { tagKeys: keys.join(',') },
    });
  });
}
