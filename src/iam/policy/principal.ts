import { type RequestPrincipal, roleArnOf } from './context.ts';

/**
 * The Principal / NotPrincipal element of resource and trust policies (reference_policies_elements_principal):
 * `"*"`, `{"AWS": "*" | account id | ARN}`, `{"Service": "x.amazonaws.com"}`, `{"Federated": ...}`,
 * `{"CanonicalUser": ...}`. An account id is stored as its root ARN, as IAM itself rewrites it.
 */
export interface PrincipalSet {
  /** `"*"` or `{"AWS": "*"}`: everyone. */
  any: boolean;
  aws: string[];
  service: string[];
  federated: string[];
  canonicalUser: string[];
}

const awsPrincipalPattern =
  /^arn:[a-z][a-z0-9-]*:(iam::\d{12}:(root|user\/.+|role\/.+)|sts::\d{12}:(assumed-role\/[^/]+\/.+|federated-user\/.+))$/;
const servicePattern = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/i;

/** Parses a Principal value; `fail` reports what is wrong in AWS's words. */
export function parsePrincipalSet(value: unknown, fail: (message: string) => never): PrincipalSet {
  const set: PrincipalSet = { any: false, aws: [], service: [], federated: [], canonicalUser: [] };
  if (value === '*') return { ...set, any: true };
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0) {
    fail(
      'Invalid principal in policy: the principal must be "*" or an object with AWS, Service, Federated or CanonicalUser.',
    );
  }
  for (const [type, raw] of Object.entries(value)) {
    const values = typeof raw === 'string' ? [raw] : raw;
    if (!Array.isArray(values) || values.length === 0 || values.some((entry) => typeof entry !== 'string' || !entry)) {
      fail(`Invalid principal in policy: "${type}" must be a non-empty string or array of strings.`);
    }
    for (const entry of values as string[]) {
      const invalid = () => fail(`Invalid principal in policy: "${type}":"${entry}"`);
      switch (type) {
        case 'AWS':
          if (entry === '*') set.any = true;
          else if (/^\d{12}$/.test(entry)) set.aws.push(`arn:aws:iam::${entry}:root`);
          else if (awsPrincipalPattern.test(entry) && !/[*?]/.test(entry)) set.aws.push(entry);
          else invalid();
          break;
        case 'Service':
          if (!servicePattern.test(entry)) invalid();
          set.service.push(entry);
          break;
        case 'Federated':
          set.federated.push(entry);
          break;
        case 'CanonicalUser':
          set.canonicalUser.push(entry);
          break;
        default:
          fail(
            `Invalid principal in policy: unknown principal type "${type}" (use AWS, Service, Federated or CanonicalUser).`,
          );
      }
    }
  }
  return set;
}

/**
 * How a Principal element designates the requester, which decides what a same-account resource-policy
 * allow is worth (reference_policies_evaluation-logic_policy-eval-basics, access_policies_boundaries,
 * access_policies_session):
 * - `named`: the user's ARN, the role session's ARN, the root, or the service itself: the allow stands even
 *   where a permissions boundary or session policy says nothing.
 * - `role`: the role of a session, or everyone (`*`): the allow is limited by boundary and session policies.
 * - `account`: the account (its root ARN): delegation to the account's identity policies, no grant by itself.
 */
export type PrincipalMatch = 'named' | 'role' | 'account';

/** A principal set compiled for per-request matching. */
export class PrincipalMatcher {
  readonly #any: boolean;
  readonly #aws: Set<string>;
  readonly #accounts: Set<string>;
  readonly #service: Set<string>;

  constructor(set: PrincipalSet) {
    this.#any = set.any;
    this.#aws = new Set(set.aws);
    this.#accounts = new Set();
    for (const arn of set.aws) {
      const root = /^arn:[^:]+:iam::(\d{12}):root$/.exec(arn);
      if (root) this.#accounts.add(root[1]!);
    }
    this.#service = new Set(set.service);
  }

  /** The strongest way this element names the principal, or undefined. */
  match(principal: RequestPrincipal): PrincipalMatch | undefined {
    if (principal.kind === 'service') return this.#any || this.#service.has(principal.arn) ? 'named' : undefined;
    if (this.#aws.has(principal.arn)) return 'named';
    if (principal.kind === 'root' && this.#accounts.has(principal.accountId)) return 'named';
    if (this.#any) return 'role';
    if (principal.kind === 'assumed-role' && this.#namesRoleOf(principal)) return 'role';
    if (this.#accounts.has(principal.accountId)) return 'account';
    return undefined;
  }

  /**
   * Whether a NotPrincipal element leaves the principal in scope. AWS checks every identity a request
   * carries (session, role, account) and the element excludes a principal only if it lists all of them
   * (reference_policies_elements_notprincipal: "you must also include the account ARN").
   */
  excludes(principal: RequestPrincipal): boolean {
    if (this.#any) return true;
    if (principal.kind === 'service') return this.#service.has(principal.arn);
    if (!this.#accounts.has(principal.accountId)) return false;
    if (principal.kind === 'root') return true;
    if (!this.#aws.has(principal.arn)) return false;
    return principal.kind !== 'assumed-role' || this.#namesRoleOf(principal);
  }

  #namesRoleOf(principal: RequestPrincipal): boolean {
    const roleArn = roleArnOf(principal);
    if (!roleArn) return false;
    if (this.#aws.has(roleArn)) return true;
    if (principal.roleArn) return false;
    // Without the role's path, compare account and role name (the session ARN carries no path).
    const name = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    for (const arn of this.#aws) {
      const match = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
      if (match && match[1] === principal.accountId && match[2] === name) return true;
    }
    return false;
  }
}
