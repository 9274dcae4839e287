import { type CompiledStatement, compiledPolicy, Layer, type StatementGroup } from './compile.ts';
import type { CompiledCondition } from './conditions.ts';
import { ContextKeys, type RequestContext, type RequestPrincipal, resourceAccountOf } from './context.ts';
import type { Effect, Policy, PolicyKind } from './document.ts';
import type { PrincipalMatch } from './principal.ts';

/**
 * AWS's evaluation logic for requests within one account (reference_policies_evaluation-logic,
 * reference_policies_evaluation-logic_policy-eval-denyallow, _policy-eval-basics):
 * 1. An explicit Deny in any applicable policy (identity, resource, boundary, session) decides.
 * 2. The account root user is allowed everything no Deny forbids.
 * 3. A resource policy that names the user or the role session itself grants on its own.
 * 4. Otherwise an Allow must come from an identity policy, or from a resource policy naming the session's
 *    role or everyone; and, where present, the permissions boundary and the session policies must each
 *    allow too (the intersection). A resource policy naming only the account grants nothing by itself: it
 *    delegates to the account's identity policies.
 * 5. Anything else is an implicit deny.
 * A trust policy (the resource policy of sts:AssumeRole) must moreover allow the request itself, and so must
 * the resource policy of a resource in another account, where the identity side must allow as well
 * (reference_policies_evaluation-logic-cross-account).
 */

export type DecisionValue = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';
export type PolicyLayer = 'identity' | 'resource' | 'boundary' | 'session';

/** Why the decision came out as it did, for `pciq iam simulate` and SimulatePrincipalPolicy. */
export type DecisionReason =
  | 'explicit-deny'
  | 'root'
  | 'resource-policy'
  | 'identity-policy'
  | 'no-allow'
  | 'boundary-does-not-allow'
  | 'session-policy-does-not-allow'
  | 'trust-policy-does-not-allow'
  | 'resource-policy-does-not-allow';

export interface MatchedStatement {
  policyId: string;
  /** Sid, or `Statement[index]` for a statement without one. */
  statement: string;
  index: number;
  effect: Effect;
  layer: PolicyLayer;
}

export interface Decision {
  decision: DecisionValue;
  reason: DecisionReason;
  /** The statements that decided: every matching Deny for ExplicitDeny; for Allow the granting statements
   * and the boundary and session statements that let them through (all of them with `explain`, else the
   * first of each). Empty for an implicit deny and for the root. */
  matched: MatchedStatement[];
}

export interface EvaluateOptions {
  /** List every matching Allow statement rather than stopping at the first (simulation, access review). */
  explain?: boolean;
}

/** A principal's policies compiled for reuse across its requests. */
export interface PolicySet {
  readonly identity: Layer;
  readonly boundary: Layer | undefined;
  readonly session: Layer | undefined;
}

export function compilePolicySet(input: { identity: Policy[]; boundary?: Policy; session?: Policy[] }): PolicySet {
  expectKinds(input.identity, ['identity'], 'identity');
  if (input.boundary) expectKinds([input.boundary], ['boundary', 'identity'], 'boundary');
  if (input.session) expectKinds(input.session, ['session', 'identity'], 'session');
  const layerOf = (policies: readonly Policy[]) =>
    new Layer(policies.flatMap((policy) => compiledPolicy(policy).statements));
  return {
    identity: layerOf(input.identity),
    boundary: input.boundary ? layerOf([input.boundary]) : undefined,
    // Several session policies (inline and managed ARNs) together form one session policy.
    session: input.session?.length ? layerOf(input.session) : undefined,
  };
}

function expectKinds(policies: readonly Policy[], kinds: readonly PolicyKind[], role: string): void {
  for (const policy of policies) {
    if (!kinds.includes(policy.kind)) {
      throw new TypeError(`Policy ${policy.id} is a ${policy.kind} policy and cannot be used as a ${role} policy.`);
    }
  }
}

/**
 * Decides `request`. `resourcePolicy` is the policy of the resource acted on (queue, key, vault) or, for
 * sts:AssumeRole, the role's trust policy.
 */
export function evaluate(
  set: PolicySet,
  request: RequestContext,
  resourcePolicy?: Policy,
  options: EvaluateOptions = {},
): Decision {
  if (resourcePolicy && resourcePolicy.kind !== 'resource' && resourcePolicy.kind !== 'trust') {
    throw new TypeError(
      `Policy ${resourcePolicy.id} is a ${resourcePolicy.kind} policy, not a resource or trust policy.`,
    );
  }
  const keys = new ContextKeys(request);
  const { action, resource: arn } = request;
  const identity = set.identity.plan(action, arn, keys);
  const boundary = set.boundary?.plan(action, arn, keys);
  const session = set.session?.plan(action, arn, keys);
  const resource = resourcePolicy ? compiledPolicy(resourcePolicy).layer.plan(action, arn, keys) : undefined;

  const denies: MatchedStatement[] = [];
  collect(identity.denies, 'identity', keys, denies, true);
  if (boundary) collect(boundary.denies, 'boundary', keys, denies, true);
  if (session) collect(session.denies, 'session', keys, denies, true);
  if (resource) collectResource(resource.denies, request, keys, denies, true, 'any', set.boundary !== undefined);
  if (denies.length) return { decision: 'ExplicitDeny', reason: 'explicit-deny', matched: denies };

  // Where the resource policy is not just an alternative to the identity policies it must itself allow: one of
  // its Allow statements must match the action, designate the caller in any way (the account included) and
  // have its conditions hold. So it is for a role's trust policy (reference_policies_evaluation-logic: trust
  // policies "must explicitly allow access for principals", even when an identity policy allows
  // sts:AssumeRole; else a trust policy requiring MFA would not require it), and for a resource of another
  // account (reference_policies_evaluation-logic-cross-account: both accounts must allow).
  const trust = resourcePolicy?.kind === 'trust';
  const crossAccount = isCrossAccount(request);
  const resourceGrants: MatchedStatement[] = [];
  if (trust || crossAccount) {
    if (resource) collectResource(resource.allows, request, keys, resourceGrants, false, 'any');
    if (!resourceGrants.length) {
      const reason = trust ? 'trust-policy-does-not-allow' : 'resource-policy-does-not-allow';
      return { decision: 'ImplicitDeny', reason, matched: [] };
    }
  }

  if (request.principal.kind === 'root') return { decision: 'Allow', reason: 'root', matched: [] };

  const all = options.explain === true;
  if (resource && !crossAccount) {
    const named: MatchedStatement[] = [];
    collectResource(resource.allows, request, keys, named, all, 'named');
    if (named.length) return { decision: 'Allow', reason: 'resource-policy', matched: named };
  }

  const grants: MatchedStatement[] = [];
  collect(identity.allows, 'identity', keys, grants, all);
  const fromIdentity = grants.length > 0;
  if (resource && !crossAccount && (all || !fromIdentity)) {
    collectResource(resource.allows, request, keys, grants, all, 'role');
  }
  if (!grants.length) return { decision: 'ImplicitDeny', reason: 'no-allow', matched: [] };

  const matched = grants;
  if (boundary && !collect(boundary.allows, 'boundary', keys, matched, all)) {
    return { decision: 'ImplicitDeny', reason: 'boundary-does-not-allow', matched: [] };
  }
  if (session && !collect(session.allows, 'session', keys, matched, all)) {
    return { decision: 'ImplicitDeny', reason: 'session-policy-does-not-allow', matched: [] };
  }
  if (crossAccount) matched.push(...resourceGrants);
  return { decision: 'Allow', reason: fromIdentity ? 'identity-policy' : 'resource-policy', matched };
}

/** Whether the request acts on a resource of another account than the principal's (12-digit ids both; AWS
 * managed policies, `arn:aws:iam::aws:policy/…`, and ARN-less resources belong to no other account). */
function isCrossAccount(request: RequestContext): boolean {
  const resourceAccount = resourceAccountOf(request.resource);
  return (
    resourceAccount !== undefined &&
    /^\d{12}$/.test(request.principal.accountId) &&
    resourceAccount !== request.principal.accountId
  );
}

/** Appends the statements of an identity-side layer that apply; returns whether any did. */
function collect(
  groups: readonly StatementGroup[],
  layer: PolicyLayer,
  keys: ContextKeys,
  into: MatchedStatement[],
  all: boolean,
): boolean {
  let found = false;
  for (const group of groups) {
    if (!holds(group.conditions, keys)) continue;
    for (const statement of group.statements) {
      into.push(matchOf(statement, layer));
      if (!all) return true;
    }
    found = true;
  }
  return found;
}

/**
 * Appends the resource-policy statements whose principal designates the requester: `any` way (Deny applies
 * to everyone it names, the account included), exactly `named`, or `role` (named, through the role or
 * everyone, but not by the account alone).
 */
function collectResource(
  groups: readonly StatementGroup[],
  request: RequestContext,
  keys: ContextKeys,
  into: MatchedStatement[],
  all: boolean,
  wanted: 'any' | 'named' | 'role',
  boundaryAttached = false,
): void {
  for (const group of groups) {
    let conditionsHold: boolean | undefined;
    for (const statement of group.statements) {
      const match = principalMatch(statement, request, boundaryAttached);
      if (!match) continue;
      if (wanted === 'named' && match !== 'named') continue;
      if (wanted === 'role' && match === 'account') continue;
      conditionsHold ??= holds(group.conditions, keys);
      if (!conditionsHold) break;
      into.push(matchOf(statement, 'resource'));
      if (!all) return;
    }
  }
}

function principalMatch(
  statement: CompiledStatement,
  request: RequestContext,
  boundaryAttached = false,
): PrincipalMatch | undefined {
  if (statement.principal) return statement.principal.match(request.principal);
  if (statement.notPrincipal) {
    // access_policies_boundaries, reference_policies_elements_notprincipal: "The NotPrincipal element with a
    // Deny effect will always deny any IAM principal that has a permissions boundary policy attached,
    // regardless of the values specified in the NotPrincipal element."
    if (boundaryAttached && statement.effect === 'Deny') return 'role';
    return statement.notPrincipal.excludes(request.principal) ? undefined : 'role';
  }
  return undefined;
}

function holds(conditions: readonly CompiledCondition[], keys: ContextKeys): boolean {
  for (const condition of conditions) if (!condition.test(keys)) return false;
  return true;
}

function matchOf(statement: CompiledStatement, layer: PolicyLayer): MatchedStatement {
  return {
    policyId: statement.policyId,
    statement: statement.statement.label,
    index: statement.statement.index,
    effect: statement.effect,
    layer,
  };
}

/**
 * Whether an Allow statement of a resource or trust policy designates the principal (by Principal, or by
 * a NotPrincipal that leaves it in), whatever its actions and conditions: "is P trusted at all" for access
 * review and for listing who may assume a role. Deciding a request, AssumeRole included, is `evaluate`'s
 * job, with the trust policy as the resource policy.
 */
export function principalMatches(policy: Policy, principal: string | RequestPrincipal): boolean {
  const who = typeof principal === 'string' ? principalFromArn(principal) : principal;
  if (!who) return false;
  const request = { principal: who } as RequestContext;
  return compiledPolicy(policy).statements.some(
    (statement) => statement.effect === 'Allow' && principalMatch(statement, request) !== undefined,
  );
}

/** A principal described by its ARN alone (or a service principal name). */
export function principalFromArn(arn: string): RequestPrincipal | undefined {
  const iam = /^arn:[^:]+:iam::(\d{12}):(root|user\/(?:.*\/)?([^/]+))$/.exec(arn);
  if (iam) {
    const accountId = iam[1]!;
    if (iam[2] === 'root') return { arn, accountId, kind: 'root', userId: accountId, tags: {} };
    return { arn, accountId, kind: 'user', userId: arn, username: iam[3]!, tags: {} };
  }
  const session = /^arn:[^:]+:sts::(\d{12}):assumed-role\/[^/]+\/.+$/.exec(arn);
  if (session) return { arn, accountId: session[1]!, kind: 'assumed-role', userId: arn, tags: {} };
  const role = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (role) {
    // A role as such: matched as any of its sessions would be.
    const sessionArn = `arn:${role[1]}:sts::${role[2]}:assumed-role/${role[3]}/*`;
    return { arn: sessionArn, accountId: role[2]!, kind: 'assumed-role', userId: arn, roleArn: arn, tags: {} };
  }
  if (/^[a-z0-9][a-z0-9.-]*\.[a-z]+$/i.test(arn)) return { arn, accountId: '', kind: 'service', userId: arn, tags: {} };
  return undefined;
}
