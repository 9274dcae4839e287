import { type Caller, type Clock, PciqError, unmappedIpv4 } from '../core/index.ts';
import type { IamDirectory, ResolvedCaller } from './directory.ts';
import type { IamAuditSink } from './events.ts';
import {
  type ContextValue,
  type Decision,
  evaluate,
  type Policy,
  type PolicyLayer,
  parsePolicy,
  resourceAccountOf,
} from './policy/index.ts';

/** What a decision needs besides the caller, the action and the resource. */
export interface AuthorizationContext {
  /** Where the request came from: aws:SourceIp, aws:SecureTransport, aws:UserAgent. */
  origin?: { sourceIp: string; secureTransport: boolean; userAgent?: string };
  /** The Region the request was sent to, aws:RequestedRegion: present in every AWS request, so a policy
   * limiting Regions (`StringNotEquals` on it in a Deny) must see it or it denies everything. */
  requestedRegion?: string;
  /** The policy of the resource acted on: a queue's Policy attribute as stored, or a parsed resource or trust policy. */
  resourcePolicy?: string | Policy;
  /** Other condition keys of the request: aws:RequestTag/…, aws:TagKeys, service keys. */
  keys?: Record<string, ContextValue>;
}

export interface AuthorizationResult extends Decision {
  /** Who asked, as the decision saw it (undefined when the identity behind the credential is gone). */
  principalArn: string;
}

const maxCachedResourcePolicies = 1_000;

/**
 * The single authorization choke point (PCI DSS 7.2.1, 7.2.2): every API request, and any module that
 * must ask about an extra action inside one (the tokenization vault about `pciq:Detokenize`), calls
 * `authorize`. Deny by default; an explicit Deny wins; identity policies, the resource's policy, permissions
 * boundaries and session policies combine as AWS documents. Every refusal is recorded in the audit trail
 * with the statement that decided it.
 */
export class AccessControl {
  private readonly directory: IamDirectory;
  private readonly clock: Clock;
  private readonly audit: IamAuditSink;
  private readonly resourcePolicies = new Map<string, Policy | null>();

  constructor(directory: IamDirectory, clock: Clock, audit: IamAuditSink) {
    this.directory = directory;
    this.clock = clock;
    this.audit = audit;
  }

  /** Allows the request or throws AccessDenied (recorded) in AWS's words. */
  async authorize(caller: Caller, action: string, resource: string, context: AuthorizationContext = {}): Promise<void> {
    const resolved = await this.directory.resolve(caller);
    await this.require(caller, resolved, action, resource, context);
  }

  /**
   * Refuses only what an explicit Deny refuses: for a use a resource's own policy grants every principal of
   * the account (an AWS managed key, whose key policy lets the account use it through its service), which
   * identity policies can still take away but need not grant.
   */
  async refuseExplicitDeny(
    caller: Caller,
    action: string,
    resource: string,
    context: AuthorizationContext = {},
  ): Promise<void> {
    const decision = this.decideFor(await this.directory.resolve(caller), action, resource, context);
    if (decision.decision === 'ExplicitDeny') await this.refuse(caller, action, resource, decision);
  }

  /**
   * Refuses, whatever identity policies allow, a use that the resource's own policy grants nobody: an AWS
   * managed key called directly, whose key policy allows its use only through its service (kms:ViaService).
   * Recorded and worded as AWS refuses it.
   */
  async refuseByResourcePolicy(caller: Caller, action: string, resource: string): Promise<never> {
    return this.refuse(caller, action, resource, {
      decision: 'ImplicitDeny',
      reason: 'resource-policy-does-not-allow',
      matched: [],
    });
  }

  /** The decision, without refusing: for `pciq iam simulate`-like questions inside a request. */
  async decide(caller: Caller, action: string, resource: string, context: AuthorizationContext = {}) {
    const resolved = await this.directory.resolve(caller);
    return this.decideFor(resolved, action, resource, context);
  }

  /** As `authorize`, for a caller already resolved (STS AssumeRole evaluates the trust policy this way). */
  async require(
    caller: Caller,
    resolved: ResolvedCaller | undefined,
    action: string,
    resource: string,
    context: AuthorizationContext,
  ): Promise<void> {
    const decision = this.decideFor(resolved, action, resource, context);
    if (decision.decision !== 'Allow') await this.refuse(caller, action, resource, decision);
  }

  /** Records a refusal and throws AccessDenied in AWS's words. */
  async refuse(caller: Caller, action: string, resource: string, decision: Decision): Promise<never> {
    const deciding = decision.matched.find((match) => match.effect === 'Deny');
    await this.audit.recordAlone({
      type: 'iam:AccessDenied',
      outcome: 'failure',
      error: 'AccessDenied',
      resource,
      actor: { principal: caller.principalArn, accessKeyId: caller.accessKeyId, accountId: caller.accountId },
      details: {
        action,
        reason: decision.reason,
        statement: deciding ? `${deciding.policyId}#${deciding.statement}` : null,
      },
    });
    throw new PciqError('AccessDenied', deniedMessage(caller.principalArn, action, resource, decision));
  }

  decideFor(
    resolved: ResolvedCaller | undefined,
    action: string,
    resource: string,
    context: AuthorizationContext,
  ): AuthorizationResult {
    if (!resolved) return { decision: 'ImplicitDeny', reason: 'no-allow', matched: [], principalArn: '' };
    const decision = evaluate(
      resolved.set,
      { principal: resolved.principal, action, resource, keys: this.requestKeys(resolved, resource, context) },
      this.resourcePolicyOf(context.resourcePolicy),
    );
    return { ...decision, principalArn: resolved.principal.arn };
  }

  /**
   * The request's condition keys. Time keys are computed only if a condition reads them; MFA keys exist only
   * for temporary credentials, as in AWS (a long-term key has no aws:MultiFactorAuthPresent at all).
   */
  private requestKeys(
    resolved: ResolvedCaller,
    resource: string,
    context: AuthorizationContext,
  ): Record<string, ContextValue> {
    const nowMs = this.clock.now();
    const keys: Record<string, ContextValue> = {
      ...context.keys,
      get 'aws:CurrentTime'() {
        return new Date(nowMs).toISOString();
      },
      get 'aws:EpochTime'() {
        return Math.floor(nowMs / 1000);
      },
    };
    if (context.origin) {
      keys['aws:SourceIp'] = unmappedIpv4(context.origin.sourceIp);
      keys['aws:SecureTransport'] = context.origin.secureTransport;
      if (context.origin.userAgent) keys['aws:UserAgent'] = context.origin.userAgent;
    }
    if (context.requestedRegion) keys['aws:RequestedRegion'] = context.requestedRegion;
    // aws:ResourceAccount, which data-perimeter Denies compare with aws:PrincipalAccount: the account in the
    // resource's ARN (none for `*` and for AWS managed policies).
    const resourceAccount = resourceAccountOf(resource);
    if (resourceAccount) keys['aws:ResourceAccount'] = resourceAccount;
    if (resolved.isTemporary) {
      const mfaAt = resolved.mfaAuthenticatedAtMs ?? null;
      keys['aws:MultiFactorAuthPresent'] = mfaAt !== null;
      if (mfaAt !== null) keys['aws:MultiFactorAuthAge'] = Math.max(0, Math.floor((nowMs - mfaAt) / 1000));
      if (resolved.issuedAtMs !== undefined) keys['aws:TokenIssueTime'] = new Date(resolved.issuedAtMs).toISOString();
      if (resolved.sourceIdentity !== undefined) keys['aws:SourceIdentity'] = resolved.sourceIdentity;
    }
    return keys;
  }

  /** Queue policies arrive as stored text, parsed once per distinct text; a text that does not parse counts for nothing. */
  private resourcePolicyOf(policy: string | Policy | undefined): Policy | undefined {
    if (policy === undefined || typeof policy === 'object') return policy;
    let parsed = this.resourcePolicies.get(policy);
    if (parsed === undefined) {
      try {
        parsed = parsePolicy(policy, 'resource', 'resource-policy');
      } catch {
        parsed = null;
      }
      if (this.resourcePolicies.size >= maxCachedResourcePolicies) this.resourcePolicies.clear();
      this.resourcePolicies.set(policy, parsed);
    }
    return parsed ?? undefined;
  }
}

const layerNames: Record<PolicyLayer, string> = {
  identity: 'an identity-based policy',
  resource: 'a resource-based policy',
  boundary: 'a permissions boundary',
  session: 'a session policy',
};

/** AWS's wording, which tools and people search for. */
export function deniedMessage(principalArn: string, action: string, resource: string, decision: Decision): string {
  const head = `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource}`;
  switch (decision.reason) {
    case 'explicit-deny': {
      const layer = decision.matched.find((match) => match.effect === 'Deny')?.layer ?? 'identity';
      return `${head} with an explicit deny in ${layerNames[layer]}`;
    }
    case 'boundary-does-not-allow':
      return `${head} because no permissions boundary allows the ${action} action`;
    case 'session-policy-does-not-allow':
      return `${head} because no session policy allows the ${action} action`;
    case 'resource-policy-does-not-allow':
      return `${head} because no resource-based policy allows the ${action} action`;
    case 'trust-policy-does-not-allow':
      // STS names no policy when the role's trust policy refuses.
      return head;
    default:
      return `${head} because no identity-based policy allows the ${action} action`;
  }
}
