import { PciqError } from '../core/index.ts';
import type { ReadTx } from '../storage/index.ts';
import { noSuchEntity } from './context.ts';
import { parsePrincipalArn } from './names.ts';
import { findManagedPolicy, inlinePolicyId } from './policies.ts';
import {
  type ContextValue,
  compilePolicySet,
  type DecisionReason,
  type DecisionValue,
  evaluate,
  type MatchedStatement,
  parsePolicy,
  requestTimeKeys,
} from './policy/index.ts';
import { loadPrincipal, type PrincipalEntry, storedPolicy } from './principals.ts';

/**
 * "May P do A on R, and which statement decided?" (`pciq iam simulate`, IAM SimulatePrincipalPolicy): the
 * evaluation requests get, with every matching statement listed.
 */

export interface SimulationInput {
  /** A user, role or group ARN (a group is simulated as a member with no other policies), or the root. */
  policySourceArn: string;
  actionNames: string[];
  /** Default `*`. */
  resourceArns?: string[];
  /** A resource policy to evaluate with, as a queue's Policy attribute would be. */
  resourcePolicy?: string;
  /** Condition keys of the simulated request, e.g. aws:MultiFactorAuthPresent, aws:SourceIp. */
  context?: Record<string, ContextValue>;
  nowMs: number;
}

export interface SimulationResult {
  action: string;
  resource: string;
  decision: DecisionValue;
  reason: DecisionReason;
  matched: MatchedStatement[];
}

async function groupEntry(tx: ReadTx, accountId: string, groupName: string): Promise<PrincipalEntry> {
  const group = await tx.iam.getGroup(accountId, groupName);
  if (!group) throw noSuchEntity('group', groupName);
  const identity = [];
  for (const inline of await tx.iam.listInlinePolicies(accountId, 'group', group.groupName)) {
    identity.push(
      storedPolicy(inline.document, 'identity', inlinePolicyId('group', group.groupName, inline.policyName)),
    );
  }
  for (const attachment of await tx.iam.listAttachments(accountId, 'group', group.groupName)) {
    const managed = await findManagedPolicy(tx, accountId, attachment.policyArn);
    if (managed) identity.push(storedPolicy(managed.document, 'identity', managed.row.arn));
  }
  const arn = `arn:aws:iam::${accountId}:user/simulated-member-of-${group.groupName}`;
  return {
    principal: {
      arn,
      accountId,
      kind: 'user',
      userId: arn,
      username: `simulated-member-of-${group.groupName}`,
      tags: {},
    },
    identity,
    boundary: undefined,
    set: compilePolicySet({ identity }),
  };
}

export async function simulatePrincipalPolicy(
  tx: ReadTx,
  accountId: string,
  input: SimulationInput,
): Promise<SimulationResult[]> {
  const group = /^arn:aws:iam::(\d{12}):group\/(?:.*\/)?([^/]+)$/.exec(input.policySourceArn);
  let entry: PrincipalEntry | undefined;
  if (group) {
    if (group[1] !== accountId) throw noSuchEntity('group', group[2]!);
    entry = await groupEntry(tx, accountId, group[2]!);
  } else {
    const parsed = parsePrincipalArn(input.policySourceArn);
    if (!parsed || parsed.accountId !== accountId || parsed.kind === 'assumed-role') {
      throw new PciqError(
        'InvalidInput',
        `Invalid ARN: ${input.policySourceArn.slice(0, 256)} is not a user, group or role of this account.`,
      );
    }
    entry = await loadPrincipal(tx, input.policySourceArn);
    if (!entry) throw new PciqError('NoSuchEntity', `${input.policySourceArn.slice(0, 256)} does not exist.`);
  }
  const resourcePolicy =
    input.resourcePolicy === undefined ? undefined : parsePolicy(input.resourcePolicy, 'resource', 'ResourcePolicy');
  const keys = { ...requestTimeKeys(input.nowMs), ...input.context };
  const results: SimulationResult[] = [];
  for (const action of input.actionNames) {
    for (const resource of input.resourceArns?.length ? input.resourceArns : ['*']) {
      const decision = evaluate(entry.set, { principal: entry.principal, action, resource, keys }, resourcePolicy, {
        explain: true,
      });
      results.push({
        action,
        resource,
        decision: decision.decision,
        reason: decision.reason,
        matched: decision.matched,
      });
    }
  }
  return results;
}
