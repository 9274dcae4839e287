import { sessionRoleArn } from '../../core/index.ts';

/**
 * The request context a decision is made on (reference_policies_evaluation-logic: "Processing the request
 * context"), and how condition keys and policy variables read it.
 */

export type PrincipalKind = 'root' | 'user' | 'assumed-role' | 'service';

export interface RequestPrincipal {
  /** User ARN, root ARN, role session ARN (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`), or for a
   * service the service principal name (`events.amazonaws.com`). */
  arn: string;
  accountId: string;
  kind: PrincipalKind;
  /** `aws:userid`: account id for the root, the user's unique id, `ROLEID:session-name` for a session. */
  userId: string;
  /** `aws:username`: present for IAM users only, as in AWS. */
  username?: string;
  /** Tags of the user or role: `aws:PrincipalTag/*`. */
  tags: Record<string, string>;
  /** For a role session, the role's ARN with its path: `aws:PrincipalArn`, and what a resource policy
   * naming the role is compared with. Derived from the session ARN (without path) when absent. */
  roleArn?: string;
}

export type ContextValue = string | readonly string[] | number | boolean | undefined;

export interface RequestContext {
  principal: RequestPrincipal;
  /** `service:Action`, e.g. `sqs:SendMessage` (matched case-insensitively). */
  action: string;
  /** ARN of the resource acted on, or `*` for actions that act on none. */
  resource: string;
  /** Other condition keys, e.g. `aws:SourceIp`, `aws:SecureTransport`, `aws:CurrentTime`,
   * `aws:MultiFactorAuthPresent`, `aws:RequestTag/x`, `aws:TagKeys` (names are case-insensitive). Keys
   * about the principal are derived from `principal` and cannot be set here. */
  keys: Record<string, ContextValue>;
}

/** `aws:CurrentTime` and `aws:EpochTime` for a request made at `nowMs`; the caller owns the clock. */
export function requestTimeKeys(nowMs: number): { 'aws:CurrentTime': string; 'aws:EpochTime': number } {
  return { 'aws:CurrentTime': new Date(nowMs).toISOString(), 'aws:EpochTime': Math.floor(nowMs / 1000) };
}

const lowerCaseNames = new Map<string, string>();

/** Key names repeat from request to request: lower-case each once (bounded, for names made up by clients). */
function lowerCase(name: string): string {
  let lower = lowerCaseNames.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowerCaseNames.size >= 4096) lowerCaseNames.clear();
    lowerCaseNames.set(name, lower);
  }
  return lower;
}

const principalTypes: Record<PrincipalKind, string> = {
  root: 'Account',
  user: 'User',
  'assumed-role': 'AssumedRole',
  service: 'Service',
};

/**
 * The account in a resource's ARN (aws:ResourceAccount); undefined for `*`, for ARNs without one and for AWS
 * managed policies (`arn:aws:iam::aws:policy/…`).
 */
export function resourceAccountOf(resource: string): string | undefined {
  return /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/.exec(resource)?.[1];
}

/** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` → `arn:aws:iam::ACCOUNT:role/ROLE` (path unknown). */
export function roleArnOf(principal: RequestPrincipal): string | undefined {
  if (principal.kind !== 'assumed-role') return undefined;
  return principal.roleArn || sessionRoleArn(principal.arn);
}

/**
 * Reads one request's keys, for one evaluation. Key names are case-insensitive.
 */
export class ContextKeys {
  readonly #request: RequestContext;
  #tags: Map<string, string> | undefined;
  /** Keys read so far: a principal with many policies reads the same few keys many times. */
  #read: Map<string, ContextValue> | undefined;

  constructor(request: RequestContext) {
    this.#request = request;
  }

  /** The value of a key given in lower case; undefined when the request has none. */
  get(key: string): ContextValue {
    if (key.startsWith('aws:principal') || key === 'aws:username' || key === 'aws:userid')
      return this.#principalKey(key);
    const known = this.#read?.get(key);
    if (known !== undefined) return known;
    // A request carries a handful of keys: a scan costs less than building a map of them all.
    const keys = this.#request.keys;
    let value: ContextValue;
    for (const name in keys) {
      if (lowerCase(name) === key) {
        value = keys[name];
        break;
      }
    }
    if (value !== undefined) {
      this.#read ??= new Map();
      this.#read.set(key, value);
    }
    return value;
  }

  /** A policy variable's value: single-valued keys only, as AWS documents. */
  readonly resolve = (key: string): string | undefined => {
    const value = this.get(key);
    if (value === undefined || typeof value === 'object') return undefined;
    return String(value);
  };

  #principalKey(key: string): ContextValue {
    const principal = this.#request.principal;
    switch (key) {
      case 'aws:username':
        return principal.kind === 'user' ? principal.username : undefined;
      case 'aws:userid':
        return principal.userId;
      case 'aws:principalarn':
        return roleArnOf(principal) ?? principal.arn;
      case 'aws:principalaccount':
        return principal.accountId;
      case 'aws:principaltype':
        return principalTypes[principal.kind];
      case 'aws:principalisawsservice':
        return principal.kind === 'service';
      case 'aws:principalservicename':
        return principal.kind === 'service' ? principal.arn : undefined;
    }
    if (key.startsWith('aws:principaltag/')) {
      if (!this.#tags) {
        this.#tags = new Map();
        for (const [name, value] of Object.entries(principal.tags)) this.#tags.set(name.toLowerCase(), value);
      }
      return this.#tags.get(key.slice('aws:principaltag/'.length));
    }
    return undefined;
  }
}
