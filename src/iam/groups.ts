import { PciqError } from '../core/index.ts';
import type { IamGroupRow } from '../storage/index.ts';
import { alreadyExists, type IamContext, noSuchEntity } from './context.ts';
import { checkName, checkPath, entityArn, newUniqueId, userArn } from './names.ts';
import { type UserView, userView } from './users.ts';

/** IAM groups: policies given to every member (CreateGroup, AddUserToGroup, … DeleteGroup). */

export interface GroupView extends IamGroupRow {
  arn: string;
}

function groupView(row: IamGroupRow): GroupView {
  return { ...row, arn: entityArn(row.accountId, 'group', row.path, row.groupName) };
}

export async function createGroup(
  context: IamContext,
  accountId: string,
  input: { groupName: string; path?: string },
): Promise<GroupView> {
  const groupName = checkName('groupName', input.groupName);
  const path = checkPath(input.path);
  return context.store.write(async (tx) => {
    if (await tx.iam.getGroup(accountId, groupName)) throw alreadyExists('Group', groupName);
    const row: IamGroupRow = {
      accountId,
      groupName,
      groupId: newUniqueId('AGPA'),
      path,
      createdAtMs: context.clock.now(),
    };
    await tx.iam.insertGroup(row);
    const view = groupView(row);
    await context.audit.record(tx, { type: 'iam:CreateGroup', outcome: 'success', resource: view.arn });
    return view;
  });
}

export async function getGroup(
  context: IamContext,
  accountId: string,
  groupName: string,
): Promise<{ group: GroupView; users: UserView[] }> {
  return context.store.read(async (tx) => {
    const row = await tx.iam.getGroup(accountId, groupName);
    if (!row) throw noSuchEntity('group', groupName);
    const users: UserView[] = [];
    for (const name of await tx.iam.listUsersOfGroup(accountId, row.groupName)) {
      const user = await tx.iam.getUser(accountId, name);
      if (user) users.push(userView(user));
    }
    return { group: groupView(row), users };
  });
}

export async function listGroups(context: IamContext, accountId: string, pathPrefix = '/'): Promise<GroupView[]> {
  const rows = await context.store.read((tx) => tx.iam.listGroups(accountId));
  return rows.filter((row) => row.path.startsWith(pathPrefix)).map(groupView);
}

export async function listGroupsForUser(
  context: IamContext,
  accountId: string,
  userName: string,
): Promise<GroupView[]> {
  return context.store.read(async (tx) => {
    const user = await tx.iam.getUser(accountId, userName);
    if (!user) throw noSuchEntity('user', userName);
    const groups: GroupView[] = [];
    for (const name of await tx.iam.listGroupsOfUser(accountId, user.userName)) {
      const group = await tx.iam.getGroup(accountId, name);
      if (group) groups.push(groupView(group));
    }
    return groups;
  });
}

export async function deleteGroup(context: IamContext, accountId: string, groupName: string): Promise<void> {
  await context.store.write(async (tx) => {
    const row = await tx.iam.getGroup(accountId, groupName);
    if (!row) throw noSuchEntity('group', groupName);
    const conflict = (what: string) => new PciqError('DeleteConflict', `Cannot delete entity, must ${what} first.`);
    if ((await tx.iam.listUsersOfGroup(accountId, row.groupName)).length) throw conflict('remove users from group');
    if ((await tx.iam.listInlinePolicies(accountId, 'group', row.groupName)).length) throw conflict('delete policies');
    if ((await tx.iam.listAttachments(accountId, 'group', row.groupName)).length) throw conflict('detach all policies');
    await tx.iam.deleteGroup(accountId, row.groupName);
    await context.audit.record(tx, { type: 'iam:DeleteGroup', outcome: 'success', resource: groupView(row).arn });
  });
}

export async function changeMembership(
  context: IamContext,
  accountId: string,
  input: { groupName: string; userName: string },
  change: 'add' | 'remove',
): Promise<void> {
  await context.store.write(async (tx) => {
    const group = await tx.iam.getGroup(accountId, input.groupName);
    if (!group) throw noSuchEntity('group', input.groupName);
    const user = await tx.iam.getUser(accountId, input.userName);
    if (!user) throw noSuchEntity('user', input.userName);
    const membership = { accountId, groupName: group.groupName, userName: user.userName };
    if (change === 'add') {
      // AWS: a user may belong to at most 10 groups.
      const groups = await tx.iam.listGroupsOfUser(accountId, user.userName);
      if (!groups.includes(group.groupName) && groups.length >= 10) {
        throw new PciqError('LimitExceeded', 'Cannot exceed quota for GroupsPerUser: 10');
      }
      await tx.iam.addMembership(membership);
    } else if (!(await tx.iam.removeMembership(membership))) {
      throw new PciqError('NoSuchEntity', `The user with name ${user.userName} is not in group ${group.groupName}.`);
    }
    await context.audit.record(tx, {
      type: change === 'add' ? 'iam:AddUserToGroup' : 'iam:RemoveUserFromGroup',
      outcome: 'success',
      resource: userArn(accountId, user.userName, user.path),
      details: { group: group.groupName },
    });
  });
}
