import { csvLine } from '../core/index.ts';
import type { ReadTx } from '../storage/index.ts';
import { accountOf } from './access-keys.ts';
import { roleArnFor, rootArn, userArn } from './names.ts';
import { inactiveFromMs, type LoginState, type PasswordPolicy } from './passwords/index.ts';
import {
  compilePolicySet,
  evaluate,
  type Policy,
  type PolicySet,
  type PolicyStatement,
  parsePolicy,
} from './policy/index.ts';
import { loadPrincipal, type PrincipalEntry } from './principals.ts';

/**
 * The access review PCI DSS 7.2.4 asks for at least every six months: for every queue and key, every
 * principal that can act on it and through which statements; and the credentials that need attention —
 * unused, older than 90 days, people without MFA — and the wildcard grants.
 *
 * Conditions cannot be known ahead of a request, so the review errs towards showing access: an Allow counts
 * whatever its conditions (its grants are marked conditional), and only Denies without conditions take
 * access away.
 */

export interface ReviewedResource {
  /** A queue or key ARN. */
  resource: string;
  /** The actions of its service to check, e.g. every `sqs:` action. */
  actions: readonly string[];
  /** Its resource policy as stored (a queue's Policy attribute). */
  resourcePolicy?: string;
}

export interface AccessGrant {
  resource: string;
  principal: string;
  actions: string[];
  /** `policy#statement` of every statement that grants some of them. */
  via: string[];
  /** True when a granting statement has conditions (MFA, source address…). */
  isConditional: boolean;
}

export type FindingKind =
  | 'unused-access-key'
  | 'old-access-key'
  | 'inactive-login'
  | 'person-without-mfa'
  | 'root-without-mfa'
  | 'root-access-key'
  | 'wildcard-grant';

export interface ReviewFinding {
  kind: FindingKind;
  /** The principal, key id or policy concerned. */
  subject: string;
  detail: string;
}

export interface AccessReview {
  generatedAt: string;
  accountId: string;
  grants: AccessGrant[];
  findings: ReviewFinding[];
}

const dayMs = 86_400_000;
/** Access keys are to be rotated at least every 90 days, and are unused past as long (PCI DSS 8.3.9, 8.2.6). */
const keyAgeLimitMs = 90 * dayMs;

/** The statements a review counts: every Allow as if its conditions held, and the Denies without conditions. */
function potential(policy: Policy): Policy {
  const statements: PolicyStatement[] = [];
  for (const statement of policy.statements) {
    if (statement.effect === 'Allow') statements.push({ ...statement, conditions: [] });
    else if (statement.conditions.length === 0) statements.push(statement);
  }
  return { ...policy, statements };
}

function hasConditions(policies: readonly Policy[], policyId: string, label: string): boolean {
  const policy = policies.find((candidate) => candidate.id === policyId);
  const statement = policy?.statements.find((candidate) => candidate.label === label);
  return (statement?.conditions.length ?? 0) > 0;
}

interface ReviewedPrincipal {
  entry: PrincipalEntry;
  potential: PolicySet;
}

export async function reviewAccess(
  tx: ReadTx,
  input: {
    accountId: string;
    resources: readonly ReviewedResource[];
    nowMs: number;
    passwordPolicy: PasswordPolicy;
  },
): Promise<AccessReview> {
  const { accountId, nowMs } = input;
  const users = await tx.iam.listUsers(accountId);
  const roles = await tx.iam.listRoles(accountId);
  const principals: ReviewedPrincipal[] = [];
  for (const arn of [
    ...users.map((user) => userArn(accountId, user.userName, user.path)),
    ...roles.map((role) => roleArnFor(accountId, role.roleName, role.path)),
  ]) {
    const entry = await loadPrincipal(tx, arn);
    if (!entry) continue;
    principals.push({
      entry,
      potential: compilePolicySet({
        identity: entry.identity.map(potential),
        ...(entry.boundary ? { boundary: potential(entry.boundary) } : {}),
      }),
    });
  }

  const grants: AccessGrant[] = [];
  for (const reviewed of input.resources) {
    let resourcePolicy: Policy | undefined;
    try {
      resourcePolicy = reviewed.resourcePolicy
        ? parsePolicy(reviewed.resourcePolicy, 'resource', 'resource-policy')
        : undefined;
    } catch {
      resourcePolicy = undefined;
    }
    const resourcePotential = resourcePolicy ? potential(resourcePolicy) : undefined;
    for (const { entry, potential: set } of principals) {
      const actions: string[] = [];
      const via = new Set<string>();
      let isConditional = false;
      for (const action of reviewed.actions) {
        const decision = evaluate(
          set,
          { principal: entry.principal, action, resource: reviewed.resource, keys: {} },
          resourcePotential,
          { explain: true },
        );
        if (decision.decision !== 'Allow') continue;
        actions.push(action);
        for (const match of decision.matched) {
          if (match.effect !== 'Allow' || match.layer === 'boundary' || match.layer === 'session') continue;
          via.add(`${match.policyId}#${match.statement}`);
          const source = match.layer === 'resource' && resourcePolicy ? [resourcePolicy] : entry.identity;
          if (hasConditions(source, match.policyId, match.statement)) isConditional = true;
        }
      }
      if (actions.length) {
        grants.push({
          resource: reviewed.resource,
          principal: entry.principal.arn,
          actions,
          via: [...via],
          isConditional,
        });
      }
    }
  }

  const findings: ReviewFinding[] = [];
  await credentialFindings(tx, input, findings);
  wildcardFindings(principals, input.resources, findings);
  return { generatedAt: new Date(nowMs).toISOString(), accountId, grants, findings };
}

async function credentialFindings(
  tx: ReadTx,
  input: { accountId: string; nowMs: number; passwordPolicy: PasswordPolicy },
  findings: ReviewFinding[],
): Promise<void> {
  const { accountId, nowMs } = input;
  const days = (ms: number) => Math.floor(ms / dayMs);
  for (const key of await tx.listAccessKeys()) {
    if (accountOf(key.principalArn) !== accountId) continue;
    if (key.principalArn === rootArn(accountId)) {
      findings.push({
        kind: 'root-access-key',
        subject: key.accessKeyId,
        detail: 'The account root has an access key; delete it and lock the root away.',
      });
    }
    const lastUsed = key.lastUsedAtMs ?? key.createdAtMs;
    if (key.status === 'Active' && nowMs - lastUsed >= keyAgeLimitMs) {
      findings.push({
        kind: 'unused-access-key',
        subject: key.accessKeyId,
        detail: `${key.principalArn}: ${key.lastUsedAtMs === null ? 'never used' : `unused for ${days(nowMs - lastUsed)} days`}; deactivate or delete it.`,
      });
    }
    if (key.status === 'Active' && nowMs - key.createdAtMs >= keyAgeLimitMs) {
      findings.push({
        kind: 'old-access-key',
        subject: key.accessKeyId,
        detail: `${key.principalArn}: created ${days(nowMs - key.createdAtMs)} days ago; rotate it.`,
      });
    }
  }
  const devices = await tx.iam.listMfaDevices(accountId);
  const hasMfa = (arn: string) => devices.some((device) => device.ownerArn === arn);
  for (const profile of await tx.iam.listLoginProfiles(accountId)) {
    const state = JSON.parse(profile.loginState) as LoginState;
    const disabledFrom = inactiveFromMs(state, input.passwordPolicy);
    if (nowMs >= disabledFrom) {
      findings.push({
        kind: 'inactive-login',
        subject: profile.principalArn,
        detail: `No sign-in since ${new Date(state.lastSignInMs ?? state.createdAtMs).toISOString()}: disabled (PCI DSS 8.2.6); delete the login or reset it if still needed.`,
      });
    }
    if (!hasMfa(profile.principalArn) && profile.principalArn !== rootArn(accountId)) {
      findings.push({
        kind: 'person-without-mfa',
        subject: profile.principalArn,
        detail: 'Has a password but no MFA device: the person cannot sign in until one is enabled (PCI DSS 8.4.2).',
      });
    }
  }
  if (!hasMfa(rootArn(accountId))) {
    findings.push({
      kind: 'root-without-mfa',
      subject: rootArn(accountId),
      detail: 'The account root has no MFA device: enable one with `pciq iam enable-mfa --root` (PCI DSS 8.4.2).',
    });
  }
}

function isWildcard(patterns: readonly string[] | undefined): boolean {
  return (patterns ?? []).some((pattern) => pattern === '*' || /^[^:]+:\*$/.test(pattern));
}

function wildcardFindings(
  principals: readonly ReviewedPrincipal[],
  resources: readonly ReviewedResource[],
  findings: ReviewFinding[],
): void {
  const seen = new Set<string>();
  const report = (policyId: string, statement: PolicyStatement, holder: string) => {
    if (statement.effect !== 'Allow') return;
    const actionWild = statement.notAction !== undefined || isWildcard(statement.action);
    const resourceWild = statement.notResource !== undefined || (statement.resource ?? []).includes('*');
    const principalWild = statement.principal?.any === true;
    if (!actionWild && !resourceWild && !principalWild) return;
    const key = `${holder}\n${policyId}\n${statement.label}`;
    if (seen.has(key)) return;
    seen.add(key);
    const actions = statement.notAction
      ? `every action but ${statement.notAction.join(', ')}`
      : statement.action!.join(', ');
    const what = [actions, resourceWild ? 'on every resource' : '', principalWild ? 'to everyone (Principal *)' : '']
      .filter(Boolean)
      .join(' ');
    findings.push({
      kind: 'wildcard-grant',
      subject: `${policyId}#${statement.label}`,
      detail: `${holder}: allows ${what}.`,
    });
  };
  for (const { entry } of principals) {
    for (const policy of entry.identity)
      for (const statement of policy.statements) report(policy.id, statement, entry.principal.arn);
  }
  for (const resource of resources) {
    if (!resource.resourcePolicy) continue;
    try {
      const policy = parsePolicy(resource.resourcePolicy, 'resource', `${resource.resource} policy`);
      for (const statement of policy.statements) report(policy.id, statement, resource.resource);
    } catch {}
  }
}

/** The review as CSV: one line per grant and per finding. */
export function reviewCsv(review: AccessReview): string {
  const lines = ['kind,resource_or_subject,principal,actions,via,detail'];
  for (const grant of review.grants) {
    lines.push(
      csvLine(
        [
          grant.isConditional ? 'access (conditional)' : 'access',
          grant.resource,
          grant.principal,
          grant.actions.join(' '),
          grant.via.join(' '),
          '',
        ],
        ',',
      ),
    );
  }
  for (const finding of review.findings)
    lines.push(csvLine([finding.kind, finding.subject, '', '', '', finding.detail], ','));
  return `${lines.join('\n')}\n`;
}
