import { PciqError } from '../core/index.ts';
import type { IamRoleRow } from '../storage/index.ts';
import { alreadyExists, checkTags, type IamContext, noSuchEntity, withoutTags } from './context.ts';
import { checkName, checkPath, newUniqueId, roleArnFor } from './names.ts';
import { checkBoundaryPolicy, policyHash } from './policies.ts';
import { parsePolicy } from './policy/index.ts';
import { endSessionsOf } from './sessions.ts';

/**
 * IAM roles: permissions that users, functions and services take on for a while through STS AssumeRole,
 * subject to the role's trust policy (CreateRole … DeleteRole, UpdateAssumeRolePolicy, UpdateRole).
 */

export interface RoleView extends IamRoleRow {
  arn: string;
}

export function roleView(row: IamRoleRow): RoleView {
  return { ...row, arn: roleArnFor(row.accountId, row.roleName, row.path) };
}

/** AWS: a role's sessions last at most 1 hour by default, and never more than 12. */
export const defaultMaxSessionDurationSec = 3600;
const maxSessionDurationLimits = { min: 3600, max: 43_200 };

function checkMaxSessionDuration(value: number | undefined): number {
  if (value === undefined) return defaultMaxSessionDurationSec;
  if (!Number.isInteger(value) || value < maxSessionDurationLimits.min || value > maxSessionDurationLimits.max) {
    throw new PciqError(
      'ValidationError',
      `1 validation error detected: Value '${value}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200`,
    );
  }
  return value;
}

function checkDescription(value: string | undefined): string {
  if (value === undefined) return '';
  if (value.length > 1000) {
    throw new PciqError(
      'ValidationError',
      `1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000`,
    );
  }
  return value;
}

/** Parses a trust policy, as IAM does before storing it (MalformedPolicyDocument). */
function checkTrustPolicy(document: string): string {
  parsePolicy(document, 'trust');
  return document;
}

export async function createRole(
  context: IamContext,
  accountId: string,
  input: {
    roleName: string;
    assumeRolePolicyDocument: string;
    path?: string;
    description?: string;
    maxSessionDurationSec?: number;
    permissionsBoundary?: string;
    tags?: Record<string, string>;
  },
): Promise<RoleView> {
  const roleName = checkName('roleName', input.roleName);
  const path = checkPath(input.path);
  const trustPolicy = checkTrustPolicy(input.assumeRolePolicyDocument);
  const tags = checkTags(input.tags ?? {});
  const maxSessionDurationSec = checkMaxSessionDuration(input.maxSessionDurationSec);
  const description = checkDescription(input.description);
  return context.store.write(async (tx) => {
    if (await tx.iam.getRole(accountId, roleName)) throw alreadyExists('Role', roleName);
    const boundary =
      input.permissionsBoundary === undefined
        ? null
        : await checkBoundaryPolicy(tx, accountId, input.permissionsBoundary);
    const row: IamRoleRow = {
      accountId,
      roleName,
      roleId: newUniqueId('AROA'),
      path,
      description,
      trustPolicy,
      maxSessionDurationSec,
      createdAtMs: context.clock.now(),
      tags,
      permissionsBoundary: boundary,
      lastUsedAtMs: null,
    };
    await tx.iam.insertRole(row);
    const view = roleView(row);
    await context.audit.record(tx, {
      type: 'iam:CreateRole',
      outcome: 'success',
      resource: view.arn,
      details: { roleId: row.roleId, policyHash: policyHash(context, trustPolicy), maxSessionDurationSec },
    });
    return view;
  });
}

export async function getRole(context: IamContext, accountId: string, roleName: string): Promise<RoleView> {
  const row = await context.store.read((tx) => tx.iam.getRole(accountId, roleName));
  if (!row) throw noSuchEntity('role', roleName);
  return roleView(row);
}

export async function listRoles(context: IamContext, accountId: string, pathPrefix = '/'): Promise<RoleView[]> {
  const rows = await context.store.read((tx) => tx.iam.listRoles(accountId));
  return rows.filter((row) => row.path.startsWith(pathPrefix)).map(roleView);
}

export async function deleteRole(context: IamContext, accountId: string, roleName: string): Promise<void> {
  await context.store.write(async (tx) => {
    const row = await tx.iam.getRole(accountId, roleName);
    if (!row) throw noSuchEntity('role', roleName);
    const conflict = (what: string) => new PciqError('DeleteConflict', `Cannot delete entity, must ${what} first.`);
    if ((await tx.iam.listInlinePolicies(accountId, 'role', row.roleName)).length) throw conflict('delete policies');
    if ((await tx.iam.listAttachments(accountId, 'role', row.roleName)).length) throw conflict('detach all policies');
    const arn = roleView(row).arn;
    await tx.iam.deleteRole(accountId, row.roleName);
    const endedSessions = await endSessionsOf(tx, accountId, arn);
    await context.audit.record(tx, {
      type: 'iam:DeleteRole',
      outcome: 'success',
      resource: arn,
      details: { endedSessions },
    });
  });
}

/** UpdateAssumeRolePolicy, UpdateRole, TagRole, UntagRole: one change to a role, recorded as `type`. */
export async function updateRole(
  context: IamContext,
  accountId: string,
  roleName: string,
  change:
    | { kind: 'trust'; document: string }
    | { kind: 'settings'; description?: string; maxSessionDurationSec?: number }
    | { kind: 'tag'; tags: Record<string, string> }
    | { kind: 'untag'; keys: readonly string[] },
): Promise<void> {
  await context.store.write(async (tx) => {
    const row = await tx.iam.getRole(accountId, roleName);
    if (!row) throw noSuchEntity('role', roleName);
    let updated: IamRoleRow;
    let type: string;
    let details: Record<string, string | number | null>;
    switch (change.kind) {
      case 'trust':
        updated = { ...row, trustPolicy: checkTrustPolicy(change.document) };
        type = 'iam:UpdateAssumeRolePolicy';
        details = { policyHash: policyHash(context, change.document) };
        break;
      case 'settings':
        updated = {
          ...row,
          ...(change.description !== undefined ? { description: checkDescription(change.description) } : {}),
          ...(change.maxSessionDurationSec !== undefined
            ? { maxSessionDurationSec: checkMaxSessionDuration(change.maxSessionDurationSec) }
            : {}),
        };
        type = 'iam:UpdateRole';
        details = { maxSessionDurationSec: updated.maxSessionDurationSec };
        break;
      case 'tag':
        updated = { ...row, tags: checkTags(change.tags, row.tags) };
        type = 'iam:TagRole';
        details = { tagKeys: Object.keys(change.tags).join(',') };
        break;
      case 'untag':
        updated = { ...row, tags: withoutTags(row.tags, change.keys) };
        type = 'iam:UntagRole';
        details = { tagKeys: change.keys.join(',') };
        break;
    }
    await tx.iam.updateRole(updated);
    await context.audit.record(tx, { type, outcome: 'success', resource: roleView(row).arn, details });
  });
}
