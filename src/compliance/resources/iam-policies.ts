import { findManagedPolicy } from '../../iam/index.ts';
import type { IamEntityKind, ReadTx } from '../../storage/index.ts';
import { analysePolicy, listOf, statementsOf } from '../policy-statements.ts';
import type { Resource, ResourceProvider } from '../resource.ts';

/**
 * IAM's own policy documents (PCI DSS 7.2.1, 7.2.2 least privilege; 8.4.2 MFA for access into the CDE):
 * users', groups' and roles' inline policies, the account's customer managed policies (their default
 * version) and roles' trust policies. AWS managed policies are AWS's documents, not the account's: who
 * holds them is the access review's subject (`pciq iam review`).
 *
 * An inline policy's id is its entity's ARN with `:inline-policy/NAME`; a trust policy's, the role's ARN
 * with `:trust-policy`. Each also answers to the ARNs of the identities it applies to (`aliases`), so a
 * change recorded against a user or role (a policy put or attached) gets its policies judged at once.
 */

const detokenizeAction = 'pciq:detokenize';
const mfaConditionKeys = new Set(['aws:multifactorauthpresent', 'aws:multifactorauthage']);

function globMatches(pattern: string, action: string): boolean {
  const escaped = pattern.toLowerCase().replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(action);
}

function hasMfaCondition(condition: unknown): boolean {
  if (typeof condition !== 'object' || condition === null) return false;
  return Object.values(condition).some(
    (keys) =>
      typeof keys === 'object' &&
      keys !== null &&
      Object.keys(keys).some((key) => mfaConditionKeys.has(key.toLowerCase())),
  );
}

/** Statements that allow pciq:Detokenize (by name, wildcard or NotAction) with no condition on MFA. */
export function detokenizeWithoutMfa(text: string): string[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return [];
  }
  if (typeof document !== 'object' || document === null) return [];
  return statementsOf(document as Record<string, unknown>)
    .map((statement, index) => ({ statement, index }))
    .filter(({ statement }) => {
      if (statement.Effect !== 'Allow' || hasMfaCondition(statement.Condition)) return false;
      const matches = (value: unknown) =>
        listOf(value).some((pattern) => typeof pattern === 'string' && globMatches(pattern, detokenizeAction));
      return statement.NotAction !== undefined ? !matches(statement.NotAction) : matches(statement.Action);
    })
    .map(({ statement, index }) => (typeof statement.Sid === 'string' ? statement.Sid : `Statement[${index}]`));
}

export type IamPolicyKind = 'inline' | 'managed' | 'trust';

export function describePolicy(document: string, kind: IamPolicyKind): Record<string, unknown> {
  const facts = analysePolicy(document);
  return {
    kind,
    isIdentityPolicy: kind !== 'trust',
    policy: facts,
    detokenizeWithoutMfa: kind === 'trust' ? [] : detokenizeWithoutMfa(document),
    allowsDetokenizeWithoutMfa: kind !== 'trust' && detokenizeWithoutMfa(document).length > 0,
  };
}

const inlineSuffix = ':inline-policy/';
const trustSuffix = ':trust-policy';

/** What a policy resource id names: the inline policy of an entity, a managed policy, or a role's trust policy. */
export type PolicyRef =
  | { kind: 'inline'; accountId: string; entityKind: IamEntityKind; entityName: string; policyName: string }
  | { kind: 'managed'; arn: string; accountId: string }
  | { kind: 'trust'; accountId: string; roleName: string };

export function parsePolicyResourceId(id: string): PolicyRef | undefined {
  const entity =
    /^arn:aws:iam::(\d{12}):(user|group|role)\/(?:.*\/)?([^/:]+)(:inline-policy\/(.+)|:trust-policy)$/.exec(id);
  if (entity) {
    const [, accountId, entityKind, entityName, suffix, policyName] = entity;
    if (suffix === trustSuffix)
      return entityKind === 'role' ? { kind: 'trust', accountId: accountId!, roleName: entityName! } : undefined;
    return {
      kind: 'inline',
      accountId: accountId!,
      entityKind: entityKind as IamEntityKind,
      entityName: entityName!,
      policyName: policyName!,
    };
  }
  const managed = /^arn:aws:iam::(\d{12}):policy\//.exec(id);
  return managed ? { kind: 'managed', arn: id, accountId: managed[1]! } : undefined;
}

function entityArnOf(accountId: string, kind: IamEntityKind, path: string, name: string): string {
  return `arn:aws:iam::${accountId}:${kind}${path}${name}`;
}

async function listPolicies(tx: ReadTx, accountId: string): Promise<Resource[]> {
  const users = await tx.iam.listUsers(accountId);
  const groups = await tx.iam.listGroups(accountId);
  const roles = await tx.iam.listRoles(accountId);
  const memberships = await tx.iam.listMemberships(accountId);
  const arns = new Map<string, string>();
  for (const user of users)
    arns.set(`user/${user.userName.toLowerCase()}`, entityArnOf(accountId, 'user', user.path, user.userName));
  for (const group of groups)
    arns.set(`group/${group.groupName.toLowerCase()}`, entityArnOf(accountId, 'group', group.path, group.groupName));
  for (const role of roles)
    arns.set(`role/${role.roleName.toLowerCase()}`, entityArnOf(accountId, 'role', role.path, role.roleName));
  const arnOf = (kind: IamEntityKind, name: string) => arns.get(`${kind}/${name.toLowerCase()}`);
  // A group's policies apply to its members: a change to a member is a change to what the policy grants.
  const holders = (kind: IamEntityKind, name: string): string[] => {
    const own = arnOf(kind, name);
    const members =
      kind === 'group'
        ? memberships
            .filter((row) => row.groupName.toLowerCase() === name.toLowerCase())
            .map((row) => arnOf('user', row.userName))
        : [];
    return [own, ...members].filter((arn): arn is string => arn !== undefined);
  };
  const resources: Resource[] = [];
  for (const inline of await tx.iam.listInlinePolicies(accountId)) {
    const entity = arnOf(inline.entityKind, inline.entityName);
    if (!entity) continue;
    resources.push({
      id: `${entity}${inlineSuffix}${inline.policyName}`,
      type: 'iam-policy',
      name: `${inline.entityKind}/${inline.entityName}/${inline.policyName}`,
      aliases: holders(inline.entityKind, inline.entityName),
      data: { ...describePolicy(inline.document, 'inline'), attachedTo: [entity], isInUse: true },
    });
  }
  const attachments = await tx.iam.listAttachments(accountId);
  for (const managed of await tx.iam.listManagedPolicies(accountId)) {
    const found = await findManagedPolicy(tx, accountId, managed.arn);
    if (!found) continue;
    const attached = attachments.filter((row) => row.policyArn === managed.arn);
    resources.push({
      id: managed.arn,
      type: 'iam-policy',
      name: managed.policyName,
      aliases: attached.flatMap((row) => holders(row.entityKind, row.entityName)),
      data: {
        ...describePolicy(found.document, 'managed'),
        defaultVersionId: managed.defaultVersionId,
        attachedTo: attached.map((row) => arnOf(row.entityKind, row.entityName)).filter(Boolean),
        // A customer managed policy attached to nobody grants nothing (yet).
        isInUse: attached.length > 0,
      },
    });
  }
  for (const role of roles) {
    const arn = entityArnOf(accountId, 'role', role.path, role.roleName);
    resources.push({
      id: `${arn}${trustSuffix}`,
      type: 'iam-policy',
      name: `role/${role.roleName}/trust-policy`,
      aliases: [arn],
      data: { ...describePolicy(role.trustPolicy, 'trust'), attachedTo: [arn], isInUse: true },
    });
  }
  return resources;
}

export const iamPolicyProvider: ResourceProvider = {
  type: 'iam-policy',
  description: "IAM policies: users', groups' and roles' inline policies, customer managed policies, trust policies",
  list: (context) => context.store.read((tx) => listPolicies(tx, context.accountId)),
};

/** Every identity policy of a role (inline, customer and AWS managed): what a function acting as it may do. */
export async function rolePolicyDocuments(tx: ReadTx, accountId: string, roleName: string): Promise<string[]> {
  const documents = (await tx.iam.listInlinePolicies(accountId, 'role', roleName)).map((row) => row.document);
  for (const attachment of await tx.iam.listAttachments(accountId, 'role', roleName)) {
    const managed = await findManagedPolicy(tx, accountId, attachment.policyArn);
    if (managed) documents.push(managed.document);
  }
  return documents;
}
