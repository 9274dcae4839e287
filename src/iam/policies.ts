import { PciqError } from '../core/index.ts';
import type { IamEntityKind, IamManagedPolicyRow, IamPolicyVersionRow, ReadTx, WriteTx } from '../storage/index.ts';
import { awsManagedPolicies, awsManagedPolicy, awsManagedPolicyCreatedAtMs } from './aws-managed-policies.ts';
import { type IamContext, nameOf, requireEntity } from './context.ts';
import { checkName, checkPath, entityArn, newUniqueId, parsePolicyArn } from './names.ts';
import { type PolicyQuota, parsePolicy, policyQuotas, policySize } from './policy/index.ts';

/**
 * Managed policies (with versions), inline policies, attachments and permissions boundaries, with IAM's
 * quotas (reference_iam-quotas): 5 versions per managed policy, 10 managed policies per user, group or
 * role, inline policies limited in aggregate size per entity.
 */

export const maxPolicyVersions = 5;
export const maxAttachedPolicies = 10;

export interface ManagedPolicyView {
  arn: string;
  policyName: string;
  policyId: string;
  path: string;
  description: string;
  defaultVersionId: string;
  attachmentCount: number;
  permissionsBoundaryUsageCount: number;
  isAttachable: boolean;
  createdAtMs: number;
  updatedAtMs: number;
  isAwsManaged: boolean;
}

/** Policy documents go into audit records as keyed hashes: comparable, not readable. */
export function policyHash(context: IamContext, document: string): string {
  return context.sealer.keyedHash('iam-policy-document', document);
}

/** The id an inline policy carries in decisions: `user/alice/inline-name`. */
export function inlinePolicyId(kind: IamEntityKind, entityName: string, policyName: string): string {
  return `${kind}/${entityName}/${policyName}`;
}

const inlineQuota: Record<IamEntityKind, PolicyQuota> = {
  user: 'user-inline',
  group: 'group-inline',
  role: 'role-inline',
};

/** The managed policy an ARN names, customer (in `accountId`) or AWS managed; undefined when there is none. */
export async function findManagedPolicy(
  tx: ReadTx,
  accountId: string,
  arn: string,
): Promise<{ row: IamManagedPolicyRow; document: string } | undefined> {
  const aws = awsManagedPolicy(arn);
  if (aws) {
    return {
      row: {
        arn: aws.arn,
        accountId: 'aws',
        policyName: aws.name,
        policyId: aws.policyId,
        path: '/',
        description: aws.description,
        defaultVersionId: 'v1',
        nextVersion: 2,
        createdAtMs: awsManagedPolicyCreatedAtMs,
        updatedAtMs: awsManagedPolicyCreatedAtMs,
      },
      document: aws.document,
    };
  }
  const row = await tx.iam.getManagedPolicy(arn);
  if (!row || row.accountId !== accountId) return undefined;
  const version = await tx.iam.getPolicyVersion(arn, row.defaultVersionId);
  return version ? { row, document: version.document } : undefined;
}

function invalidArn(arn: string): PciqError {
  return new PciqError('InvalidInput', `ARN ${arn.slice(0, 256)} is not valid.`);
}

async function requirePolicy(tx: ReadTx, accountId: string, arn: string) {
  if (!parsePolicyArn(arn)) throw invalidArn(arn);
  const found = await findManagedPolicy(tx, accountId, arn);
  if (!found) throw new PciqError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
  return found;
}

/** A permissions boundary must be a managed policy that exists: returns its ARN. */
export async function checkBoundaryPolicy(tx: ReadTx, accountId: string, arn: string): Promise<string> {
  if (!parsePolicyArn(arn)) throw invalidArn(arn);
  if (!(await findManagedPolicy(tx, accountId, arn))) {
    throw new PciqError('NoSuchEntity', `Scope ARN: ${arn} does not exist or is not attachable.`);
  }
  return arn;
}

async function viewOf(tx: ReadTx, row: IamManagedPolicyRow): Promise<ManagedPolicyView> {
  const attachments = await tx.iam.listAttachmentsOfPolicy(row.arn);
  let boundaryUses = 0;
  const accounts = row.accountId === 'aws' ? [] : [row.accountId];
  for (const accountId of accounts) {
    for (const user of await tx.iam.listUsers(accountId)) if (user.permissionsBoundary === row.arn) boundaryUses++;
    for (const role of await tx.iam.listRoles(accountId)) if (role.permissionsBoundary === row.arn) boundaryUses++;
  }
  return {
    arn: row.arn,
    policyName: row.policyName,
    policyId: row.policyId,
    path: row.path,
    description: row.description,
    defaultVersionId: row.defaultVersionId,
    attachmentCount: attachments.length,
    permissionsBoundaryUsageCount: boundaryUses,
    isAttachable: true,
    createdAtMs: row.createdAtMs,
    updatedAtMs: row.updatedAtMs,
    isAwsManaged: row.accountId === 'aws',
  };
}

function parseIdentityDocument(document: string, id: string, quota: PolicyQuota = 'managed'): void {
  parsePolicy(document, 'identity', id, { quota });
}

export async function createPolicy(
  context: IamContext,
  accountId: string,
  input: { policyName: string; policyDocument: string; path?: string; description?: string },
): Promise<ManagedPolicyView> {
  const policyName = checkName('policyName', input.policyName);
  const path = checkPath(input.path);
  const arn = entityArn(accountId, 'policy', path, policyName);
  parseIdentityDocument(input.policyDocument, arn);
  return context.store.write(async (tx) => {
    if (
      (await tx.iam.listManagedPolicies(accountId)).some(
        (row) => row.policyName.toLowerCase() === policyName.toLowerCase(),
      )
    ) {
      throw new PciqError(
        'EntityAlreadyExists',
        `A policy called ${policyName} already exists. Duplicate names are not allowed.`,
      );
    }
    const now = context.clock.now();
    const row: IamManagedPolicyRow = {
      arn,
      accountId,
      policyName,
      policyId: newUniqueId('ANPA'),
      path,
      description: input.description ?? '',
      defaultVersionId: 'v1',
      nextVersion: 2,
      createdAtMs: now,
      updatedAtMs: now,
    };
    await tx.iam.insertManagedPolicy(row);
    await tx.iam.insertPolicyVersion({
      policyArn: arn,
      versionId: 'v1',
      document: input.policyDocument,
      createdAtMs: now,
    });
    await context.audit.record(tx, {
      type: 'iam:CreatePolicy',
      outcome: 'success',
      resource: arn,
      details: { policyName, policyHash: policyHash(context, input.policyDocument) },
    });
    return viewOf(tx, row);
  });
}

export async function getPolicy(context: IamContext, accountId: string, arn: string): Promise<ManagedPolicyView> {
  return context.store.read(async (tx) => viewOf(tx, (await requirePolicy(tx, accountId, arn)).row));
}

export async function listPolicies(
  context: IamContext,
  accountId: string,
  options: { scope?: 'All' | 'AWS' | 'Local'; onlyAttached?: boolean; pathPrefix?: string } = {},
): Promise<ManagedPolicyView[]> {
  return context.store.read(async (tx) => {
    const scope = options.scope ?? 'All';
    const views: ManagedPolicyView[] = [];
    if (scope !== 'Local') {
      for (const aws of awsManagedPolicies) {
        const found = await findManagedPolicy(tx, accountId, aws.arn);
        if (found) views.push(await viewOf(tx, found.row));
      }
    }
    if (scope !== 'AWS')
      for (const row of await tx.iam.listManagedPolicies(accountId)) views.push(await viewOf(tx, row));
    return views.filter(
      (view) => view.path.startsWith(options.pathPrefix ?? '/') && (!options.onlyAttached || view.attachmentCount > 0),
    );
  });
}

async function requireCustomerPolicy(tx: ReadTx, accountId: string, arn: string): Promise<IamManagedPolicyRow> {
  const { row } = await requirePolicy(tx, accountId, arn);
  if (row.accountId === 'aws') {
    throw new PciqError('UnmodifiableEntity', `Policy ${arn} is managed by AWS and cannot be changed.`);
  }
  return row;
}

export async function deletePolicy(context: IamContext, accountId: string, arn: string): Promise<void> {
  await context.store.write(async (tx) => {
    const row = await requireCustomerPolicy(tx, accountId, arn);
    if ((await tx.iam.listAttachmentsOfPolicy(arn)).length) {
      throw new PciqError('DeleteConflict', 'Cannot delete a policy attached to entities.');
    }
    const view = await viewOf(tx, row);
    if (view.permissionsBoundaryUsageCount > 0) {
      throw new PciqError('DeleteConflict', 'Cannot delete a policy used as a permissions boundary.');
    }
    if ((await tx.iam.listPolicyVersions(arn)).length > 1) {
      throw new PciqError(
        'DeleteConflict',
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions.",
      );
    }
    await tx.iam.deleteManagedPolicy(arn);
    await context.audit.record(tx, {
      type: 'iam:DeletePolicy',
      outcome: 'success',
      resource: arn,
      details: { policyName: row.policyName },
    });
  });
}

export async function createPolicyVersion(
  context: IamContext,
  accountId: string,
  input: { policyArn: string; policyDocument: string; setAsDefault: boolean },
): Promise<IamPolicyVersionRow & { isDefault: boolean }> {
  parseIdentityDocument(input.policyDocument, input.policyArn);
  return context.store.write(async (tx) => {
    const row = await requireCustomerPolicy(tx, accountId, input.policyArn);
    if ((await tx.iam.listPolicyVersions(row.arn)).length >= maxPolicyVersions) {
      throw new PciqError(
        'LimitExceeded',
        `A managed policy can have up to ${maxPolicyVersions} versions. Before you create a new version, you must delete an existing version.`,
      );
    }
    const now = context.clock.now();
    const version: IamPolicyVersionRow = {
      policyArn: row.arn,
      versionId: `v${row.nextVersion}`,
      document: input.policyDocument,
      createdAtMs: now,
    };
    await tx.iam.insertPolicyVersion(version);
    await tx.iam.updateManagedPolicy({
      ...row,
      nextVersion: row.nextVersion + 1,
      defaultVersionId: input.setAsDefault ? version.versionId : row.defaultVersionId,
      updatedAtMs: now,
    });
    await context.audit.record(tx, {
      type: 'iam:CreatePolicyVersion',
      outcome: 'success',
      resource: row.arn,
      details: {
        versionId: version.versionId,
        isDefault: input.setAsDefault,
        policyHash: policyHash(context, input.policyDocument),
      },
    });
    return { ...version, isDefault: input.setAsDefault };
  });
}

export async function getPolicyVersion(
  context: IamContext,
  accountId: string,
  arn: string,
  versionId: string,
): Promise<IamPolicyVersionRow & { isDefault: boolean }> {
  return context.store.read(async (tx) => {
    const { row, document } = await requirePolicy(tx, accountId, arn);
    if (row.accountId === 'aws') {
      if (versionId !== 'v1') throw noSuchVersion(arn, versionId);
      return { policyArn: arn, versionId, document, createdAtMs: row.createdAtMs, isDefault: true };
    }
    const version = await tx.iam.getPolicyVersion(arn, versionId);
    if (!version) throw noSuchVersion(arn, versionId);
    return { ...version, isDefault: version.versionId === row.defaultVersionId };
  });
}

function noSuchVersion(arn: string, versionId: string): PciqError {
  return new PciqError(
    'NoSuchEntity',
    `Policy ${arn} version ${versionId.slice(0, 16)} does not exist or is not attachable.`,
  );
}

export async function listPolicyVersions(
  context: IamContext,
  accountId: string,
  arn: string,
): Promise<Array<IamPolicyVersionRow & { isDefault: boolean }>> {
  return context.store.read(async (tx) => {
    const { row, document } = await requirePolicy(tx, accountId, arn);
    if (row.accountId === 'aws')
      return [{ policyArn: arn, versionId: 'v1', document, createdAtMs: row.createdAtMs, isDefault: true }];
    return (await tx.iam.listPolicyVersions(arn)).map((version) => ({
      ...version,
      isDefault: version.versionId === row.defaultVersionId,
    }));
  });
}

export async function deletePolicyVersion(
  context: IamContext,
  accountId: string,
  arn: string,
  versionId: string,
): Promise<void> {
  await context.store.write(async (tx) => {
    const row = await requireCustomerPolicy(tx, accountId, arn);
    if (!(await tx.iam.getPolicyVersion(arn, versionId))) throw noSuchVersion(arn, versionId);
    if (row.defaultVersionId === versionId) {
      throw new PciqError('DeleteConflict', 'Cannot delete the default version of a policy.');
    }
    await tx.iam.deletePolicyVersion(arn, versionId);
    await context.audit.record(tx, {
      type: 'iam:DeletePolicyVersion',
      outcome: 'success',
      resource: arn,
      details: { versionId },
    });
  });
}

export async function setDefaultPolicyVersion(
  context: IamContext,
  accountId: string,
  arn: string,
  versionId: string,
): Promise<void> {
  await context.store.write(async (tx) => {
    const row = await requireCustomerPolicy(tx, accountId, arn);
    if (!(await tx.iam.getPolicyVersion(arn, versionId))) throw noSuchVersion(arn, versionId);
    await tx.iam.updateManagedPolicy({ ...row, defaultVersionId: versionId, updatedAtMs: context.clock.now() });
    await context.audit.record(tx, {
      type: 'iam:SetDefaultPolicyVersion',
      outcome: 'success',
      resource: arn,
      details: { versionId },
    });
  });
}

async function entityArnOf(tx: ReadTx, accountId: string, kind: IamEntityKind, name: string) {
  const row = await requireEntity(tx, accountId, kind, name);
  return { name: nameOf(row), arn: entityArn(accountId, kind, row.path, nameOf(row)) };
}

export async function attachPolicy(
  context: IamContext,
  accountId: string,
  input: { kind: IamEntityKind; entityName: string; policyArn: string },
  change: 'attach' | 'detach',
): Promise<void> {
  await context.store.write(async (tx) => {
    const entity = await entityArnOf(tx, accountId, input.kind, input.entityName);
    const attached = await tx.iam.listAttachments(accountId, input.kind, entity.name);
    const attachment = { accountId, entityKind: input.kind, entityName: entity.name, policyArn: input.policyArn };
    if (change === 'attach') {
      await requirePolicy(tx, accountId, input.policyArn);
      const isNew = !attached.some((row) => row.policyArn === input.policyArn);
      if (isNew && attached.length >= maxAttachedPolicies) {
        const quota = { user: 'PoliciesPerUser', group: 'PoliciesPerGroup', role: 'PoliciesPerRole' }[input.kind];
        throw new PciqError('LimitExceeded', `Cannot exceed quota for ${quota}: ${maxAttachedPolicies}`);
      }
      await tx.iam.attachPolicy(attachment);
    } else if (!(await tx.iam.detachPolicy(attachment))) {
      throw new PciqError('NoSuchEntity', `Policy ${input.policyArn} was not found.`);
    }
    await context.audit.record(tx, {
      type: change === 'attach' ? 'iam:AttachPolicy' : 'iam:DetachPolicy',
      outcome: 'success',
      resource: entity.arn,
      details: { policyArn: input.policyArn },
    });
  });
}

export async function listAttachedPolicies(
  context: IamContext,
  accountId: string,
  kind: IamEntityKind,
  entityName: string,
): Promise<Array<{ policyName: string; policyArn: string }>> {
  return context.store.read(async (tx) => {
    const entity = await entityArnOf(tx, accountId, kind, entityName);
    return (await tx.iam.listAttachments(accountId, kind, entity.name)).map((row) => ({
      policyArn: row.policyArn,
      policyName: parsePolicyArn(row.policyArn)?.name ?? row.policyArn,
    }));
  });
}

/** ListEntitiesForPolicy: who a managed policy is attached to. */
export async function listEntitiesForPolicy(context: IamContext, accountId: string, arn: string) {
  return context.store.read(async (tx) => {
    await requirePolicy(tx, accountId, arn);
    return (await tx.iam.listAttachmentsOfPolicy(arn)).filter((row) => row.accountId === accountId);
  });
}

export async function putInlinePolicy(
  context: IamContext,
  accountId: string,
  input: { kind: IamEntityKind; entityName: string; policyName: string; policyDocument: string },
): Promise<void> {
  const policyName = checkName('policyName', input.policyName);
  const quota = inlineQuota[input.kind];
  await context.store.write(async (tx) => {
    const entity = await entityArnOf(tx, accountId, input.kind, input.entityName);
    // The quota first: IAM names the entity when one document, or all of them together, is too large.
    await checkInlineQuota(tx, accountId, input.kind, entity.name, policyName, input.policyDocument, quota);
    parseIdentityDocument(input.policyDocument, inlinePolicyId(input.kind, entity.name, policyName), quota);
    await tx.iam.putInlinePolicy({
      accountId,
      entityKind: input.kind,
      entityName: entity.name,
      policyName,
      document: input.policyDocument,
    });
    await context.audit.record(tx, {
      type: 'iam:PutPolicy',
      outcome: 'success',
      resource: entity.arn,
      details: { policyName, policyHash: policyHash(context, input.policyDocument) },
    });
  });
}

/** IAM's inline quotas are per entity, in aggregate over its inline policies (reference_iam-quotas). */
async function checkInlineQuota(
  tx: WriteTx,
  accountId: string,
  kind: IamEntityKind,
  entityName: string,
  policyName: string,
  document: string,
  quota: PolicyQuota,
): Promise<void> {
  let total = policySize(document, quota);
  for (const other of await tx.iam.listInlinePolicies(accountId, kind, entityName)) {
    if (other.policyName.toLowerCase() !== policyName.toLowerCase()) total += policySize(other.document, quota);
  }
  const { limit } = policyQuotas[quota];
  if (total > limit) {
    throw new PciqError('LimitExceeded', `Maximum policy size of ${limit} bytes exceeded for ${kind} ${entityName}`);
  }
}

function noSuchInlinePolicy(kind: IamEntityKind, policyName: string): PciqError {
  return new PciqError('NoSuchEntity', `The ${kind} policy with name ${policyName} cannot be found.`);
}

export async function getInlinePolicy(
  context: IamContext,
  accountId: string,
  input: { kind: IamEntityKind; entityName: string; policyName: string },
): Promise<{ entityName: string; policyName: string; document: string }> {
  return context.store.read(async (tx) => {
    const entity = await entityArnOf(tx, accountId, input.kind, input.entityName);
    const row = await tx.iam.getInlinePolicy(accountId, input.kind, entity.name, input.policyName);
    if (!row) throw noSuchInlinePolicy(input.kind, input.policyName);
    return { entityName: entity.name, policyName: row.policyName, document: row.document };
  });
}

export async function listInlinePolicyNames(
  context: IamContext,
  accountId: string,
  kind: IamEntityKind,
  entityName: string,
): Promise<string[]> {
  return context.store.read(async (tx) => {
    const entity = await entityArnOf(tx, accountId, kind, entityName);
    return (await tx.iam.listInlinePolicies(accountId, kind, entity.name)).map((row) => row.policyName);
  });
}

export async function deleteInlinePolicy(
  context: IamContext,
  accountId: string,
  input: { kind: IamEntityKind; entityName: string; policyName: string },
): Promise<void> {
  await context.store.write(async (tx) => {
    const entity = await entityArnOf(tx, accountId, input.kind, input.entityName);
    if (!(await tx.iam.deleteInlinePolicy(accountId, input.kind, entity.name, input.policyName))) {
      throw noSuchInlinePolicy(input.kind, input.policyName);
    }
    await context.audit.record(tx, {
      type: 'iam:DeletePolicy',
      outcome: 'success',
      resource: entity.arn,
      details: { policyName: input.policyName },
    });
  });
}

/** PutUserPermissionsBoundary, PutRolePermissionsBoundary and their Delete…: `policyArn` null removes it. */
export async function setPermissionsBoundary(
  context: IamContext,
  accountId: string,
  input: { kind: 'user' | 'role'; entityName: string; policyArn: string | null },
): Promise<void> {
  await context.store.write(async (tx) => {
    const entity = await entityArnOf(tx, accountId, input.kind, input.entityName);
    const boundary = input.policyArn === null ? null : await checkBoundaryPolicy(tx, accountId, input.policyArn);
    if (input.kind === 'user') {
      const row = (await tx.iam.getUser(accountId, entity.name))!;
      await tx.iam.updateUser({ ...row, permissionsBoundary: boundary });
    } else {
      const row = (await tx.iam.getRole(accountId, entity.name))!;
      await tx.iam.updateRole({ ...row, permissionsBoundary: boundary });
    }
    await context.audit.record(tx, {
      type: boundary === null ? 'iam:DeletePermissionsBoundary' : 'iam:PutPermissionsBoundary',
      outcome: 'success',
      resource: entity.arn,
      details: { policyArn: boundary },
    });
  });
}
