/**
 * # IAM policy language and evaluator
 *
 * A pure library: no store, no clock, no I/O. Parse documents once, compile a principal's policies once,
 * and decide each request in microseconds.
 *
 * ```ts
 * const policy = parsePolicy(json, 'identity', 'arn:aws:iam::123456789012:policy/producer');
 * const set = compilePolicySet({ identity: [policy], boundary, session }); // keep per principal
 * const decision = evaluate(set, {
 *   principal: { arn, accountId, kind: 'user', userId, username, tags },
 *   action: 'sqs:SendMessage',
 *   resource: 'arn:aws:sqs:us-east-1:123456789012:orders',
 *   keys: { 'aws:SourceIp': ip, 'aws:SecureTransport': true, ...requestTimeKeys(clock.now()) },
 * }, queuePolicy);
 * // { decision: 'Allow' | 'ExplicitDeny' | 'ImplicitDeny', reason, matched: [{ policyId, statement, layer, … }] }
 * ```
 *
 * - `parsePolicy(document, kind, id?, { quota }?)`: validates a JSON document (string or object) of a
 *   kind — identity, boundary, session, trust (AssumeRolePolicyDocument), resource (queue, key, vault) —
 *   and throws `PciqError('MalformedPolicyDocument')` naming the statement and the problem, or
 *   `LimitExceeded` for a document over one of IAM's size quotas (managed, inline, trust), as IAM does. Size
 *   quotas are in `policyQuotas`; inline quotas are per entity in aggregate, so the IAM API sums
 *   `policySize` itself (and answers LimitExceeded, as AWS does, before parsing).
 * - `compilePolicySet({ identity, boundary?, session? })`: the reusable evaluator of one principal. Policy
 *   objects are compiled once (cached per object), so rebuilding a set after a change is cheap; callers
 *   cache sets per principal and drop them when an attached policy changes.
 * - `evaluate(set, request, resourcePolicy?, { explain }?)`: the decision, AWS's single-account logic (see
 *   evaluate.ts). For sts:AssumeRole pass the role's trust policy as `resourcePolicy`.
 * - `principalMatches(policy, principalArn | principal)`: whether an Allow of a resource or trust policy
 *   designates the principal at all (access review, trust listing).
 * - `requestTimeKeys(nowMs)`: `aws:CurrentTime` and `aws:EpochTime` from the caller's clock.
 *
 * Condition keys about the principal (`aws:username`, `aws:userid`, `aws:PrincipalArn`,
 * `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:PrincipalTag/*`) come from `request.principal`; all
 * others (`aws:SourceIp`, `aws:SecureTransport`, `aws:MultiFactorAuthPresent`, `aws:MultiFactorAuthAge`,
 * `aws:CurrentTime`, `aws:EpochTime`, `aws:RequestTag/*`, `aws:ResourceTag/*`, `aws:TagKeys`, service
 * keys) from `request.keys`; a key left out is missing, with the consequences AWS documents.
 */

export type { ConditionEntry } from './conditions.ts';
export type { ContextValue, PrincipalKind, RequestContext, RequestPrincipal } from './context.ts';
export { requestTimeKeys, resourceAccountOf } from './context.ts';
export type { Effect, ParseOptions, Policy, PolicyKind, PolicyStatement, PolicyVersion } from './document.ts';
export { parsePolicy } from './document.ts';
export type {
  Decision,
  DecisionReason,
  DecisionValue,
  EvaluateOptions,
  MatchedStatement,
  PolicyLayer,
  PolicySet,
} from './evaluate.ts';
export { compilePolicySet, evaluate, principalFromArn, principalMatches } from './evaluate.ts';
export { type PolicyQuota, policyQuotas, policySize } from './limits.ts';
export type { PrincipalSet } from './principal.ts';
