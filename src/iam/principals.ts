import type { IamEntityKind, ReadTx } from '../storage/index.ts';
import { containmentPolicies } from './containment.ts';
import { parsePrincipalArn, roleArnFor, rootArn, userArn } from './names.ts';
import { findManagedPolicy, inlinePolicyId } from './policies.ts';
import {
  compilePolicySet,
  type Policy,
  type PolicyKind,
  type PolicySet,
  parsePolicy,
  type RequestPrincipal,
} from './policy/index.ts';

/**
 * A principal as authorization sees it: who it is (for condition keys such as aws:username and
 * aws:PrincipalTag) and its policies, compiled. Built from the store at one revision and reused for every
 * request of that principal until the revision changes.
 */
export interface PrincipalEntry {
  principal: RequestPrincipal;
  /** Identity policies: inline and attached, the user's groups' included. */
  identity: Policy[];
  boundary: Policy | undefined;
  set: PolicySet;
  /** Roles only: the trust policy, for AssumeRole. */
  trustPolicy?: Policy;
  maxSessionDurationSec?: number;
}

const maxParsed = 10_000;
const parsed = new Map<string, Policy>();

/**
 * Parses a stored document, once per (kind, id, text): a parsed policy keeps its compiled form, so a
 * revision change (any IAM write) does not make every principal's policies compile again.
 */
export function storedPolicy(document: string, kind: PolicyKind, id: string): Policy {
  const key = `${kind}\n${id}\n${document}`;
  let policy = parsed.get(key);
  if (!policy) {
    // Stored documents were validated when written; inline quotas are checked in aggregate there, so the
    // largest per-document quota applies here.
    policy = parsePolicy(document, kind, id, { quota: kind === 'trust' ? 'trust' : 'role-inline' });
    if (parsed.size >= maxParsed) parsed.clear();
    parsed.set(key, policy);
  }
  return policy;
}

async function policiesOf(tx: ReadTx, accountId: string, kind: IamEntityKind, name: string): Promise<Policy[]> {
  const policies: Policy[] = [];
  for (const inline of await tx.iam.listInlinePolicies(accountId, kind, name)) {
    policies.push(
      storedPolicy(inline.document, 'identity', inlinePolicyId(kind, inline.entityName, inline.policyName)),
    );
  }
  for (const attachment of await tx.iam.listAttachments(accountId, kind, name)) {
    const managed = await findManagedPolicy(tx, accountId, attachment.policyArn);
    if (managed) policies.push(storedPolicy(managed.document, 'identity', managed.row.arn));
  }
  return policies;
}

async function boundaryOf(tx: ReadTx, accountId: string, arn: string | null): Promise<Policy | undefined> {
  if (arn === null) return undefined;
  const managed = await findManagedPolicy(tx, accountId, arn);
  // A boundary that no longer exists allows nothing (IAM refuses to delete a policy in use as one).
  return managed
    ? storedPolicy(managed.document, 'boundary', arn)
    : parsePolicy(
        { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] },
        'boundary',
        arn,
      );
}

/** Loads a root, user or role by ARN; undefined when there is no such principal (any more). */
export async function loadPrincipal(tx: ReadTx, arn: string): Promise<PrincipalEntry | undefined> {
  const parsedArn = parsePrincipalArn(arn);
  if (!parsedArn) return undefined;
  const { accountId } = parsedArn;
  switch (parsedArn.kind) {
    case 'root': {
      const principal: RequestPrincipal = {
        arn: rootArn(accountId),
        accountId,
        kind: 'root',
        userId: accountId,
        tags: {},
      };
      return { principal, identity: [], boundary: undefined, set: compilePolicySet({ identity: [] }) };
    }
    case 'user': {
      const user = await tx.iam.getUser(accountId, parsedArn.name);
      if (!user || userArn(accountId, user.userName, user.path) !== arn) return undefined;
      const identity = await policiesOf(tx, accountId, 'user', user.userName);
      for (const group of await tx.iam.listGroupsOfUser(accountId, user.userName)) {
        identity.push(...(await policiesOf(tx, accountId, 'group', group)));
      }
      identity.push(...containmentPolicies(arn, user.tags, await tx.iam.listMfaDevices(accountId)));
      const boundary = await boundaryOf(tx, accountId, user.permissionsBoundary);
      const principal: RequestPrincipal = {
        arn,
        accountId,
        kind: 'user',
        userId: user.userId,
        username: user.userName,
        tags: user.tags,
      };
      return { principal, identity, boundary, set: compilePolicySet({ identity, ...(boundary ? { boundary } : {}) }) };
    }
    case 'role': {
      const role = await tx.iam.getRole(accountId, parsedArn.name);
      if (!role || roleArnFor(accountId, role.roleName, role.path) !== arn) return undefined;
      const identity = await policiesOf(tx, accountId, 'role', role.roleName);
      identity.push(...containmentPolicies(arn, role.tags, []));
      const boundary = await boundaryOf(tx, accountId, role.permissionsBoundary);
      // The role itself never acts: its sessions do (see `sessionPrincipal`); this entry carries its policies.
      const principal: RequestPrincipal = {
        arn,
        accountId,
        kind: 'assumed-role',
        userId: role.roleId,
        tags: role.tags,
        roleArn: arn,
      };
      return {
        principal,
        identity,
        boundary,
        set: compilePolicySet({ identity, ...(boundary ? { boundary } : {}) }),
        trustPolicy: storedPolicy(role.trustPolicy, 'trust', `${arn}/trust-policy`),
        maxSessionDurationSec: role.maxSessionDurationSec,
      };
    }
    case 'assumed-role':
      return undefined;
  }
}

/** Finds a role by its ARN as a caller writes it (with or without its path). */
export async function roleByArn(tx: ReadTx, arn: string) {
  const parsedArn = parsePrincipalArn(arn);
  if (parsedArn?.kind !== 'role') return undefined;
  const role = await tx.iam.getRole(parsedArn.accountId, parsedArn.name);
  if (!role || roleArnFor(role.accountId, role.roleName, role.path) !== arn) return undefined;
  return role;
}
