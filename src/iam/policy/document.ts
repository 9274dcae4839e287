import { PciqError } from '../../core/index.ts';
import { type ConditionEntry, parseConditions } from './conditions.ts';
import { type PolicyQuota, policyQuotas, policySize, statementLimits } from './limits.ts';
import { type PrincipalSet, parsePrincipalSet } from './principal.ts';

/**
 * Parsing and validation of policy documents (reference_policies_grammar and the element pages). Errors are
 * `MalformedPolicyDocument` with AWS IAM's wording, prefixed by the statement they are about.
 */

/**
 * - `identity`: attached to a user, group or role (managed or inline).
 * - `boundary`: a permissions boundary (a managed policy).
 * - `session`: passed to AssumeRole / GetFederationToken to narrow a session.
 * - `trust`: a role's AssumeRolePolicyDocument.
 * - `resource`: attached to a queue, key or vault.
 */
export type PolicyKind = 'identity' | 'boundary' | 'session' | 'trust' | 'resource';
export type PolicyVersion = '2012-10-17' | '2008-10-17';
export type Effect = 'Allow' | 'Deny';

export interface PolicyStatement {
  /** Position in the Statement array, from 0. */
  index: number;
  sid?: string;
  /** How decisions name the statement: its Sid, or `Statement[index]`. */
  label: string;
  effect: Effect;
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  principal?: PrincipalSet;
  notPrincipal?: PrincipalSet;
  conditions: ConditionEntry[];
}

export interface Policy {
  /** Names the policy in decisions (e.g. a managed policy's ARN, `user/alice/inline-name`). */
  id: string;
  kind: PolicyKind;
  /** 2008-10-17 when the document has none, as AWS assumes; only 2012-10-17 has policy variables. */
  version: PolicyVersion;
  statements: PolicyStatement[];
}

export interface ParseOptions {
  /** The quota the document counts against (see limits.ts); by default managed for identity and boundary
   * policies, and the kind's own for trust and session policies, queue for resource policies. Inline
   * policies pass their entity's quota, whose aggregate the caller checks with `policySize`. */
  quota?: PolicyQuota;
}

const defaultQuota: Record<PolicyKind, PolicyQuota> = {
  identity: 'managed',
  boundary: 'managed',
  session: 'session',
  trust: 'trust',
  resource: 'queue',
};

const topLevelFields = new Set(['Version', 'Id', 'Statement']);
const statementFields = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Principal',
  'NotPrincipal',
  'Condition',
]);
const trustActions =
  /^sts:(\*|AssumeRole\*?|AssumeRoleWithSAML|AssumeRoleWithWebIdentity|TagSession|SetSourceIdentity|SetContext)$/i;

function malformed(message: string): never {
  throw new PciqError('MalformedPolicyDocument', message);
}

/**
 * IAM refuses a document over one of its quotas as a quota (`LimitExceeded`, HTTP 409), not as malformed:
 * "Cannot exceed quota for PolicySize: 6144", "… for ACLSizePerRole: 2048" for a trust policy. Other
 * services' limits (a queue's Policy attribute, a session policy) stay the parser's reason for refusing.
 */
function sizeExceeded(quota: PolicyQuota, limit: number): PciqError {
  switch (quota) {
    case 'managed':
    case 'user-inline':
    case 'group-inline':
    case 'role-inline':
      return new PciqError('LimitExceeded', `Cannot exceed quota for PolicySize: ${limit}`);
    case 'trust':
      return new PciqError('LimitExceeded', `Cannot exceed quota for ACLSizePerRole: ${limit}`);
    default:
      return new PciqError('MalformedPolicyDocument', `Cannot exceed quota for PolicySize: ${limit}`);
  }
}

export function parsePolicy(
  document: string | object,
  kind: PolicyKind,
  id?: string,
  options: ParseOptions = {},
): Policy {
  const text = typeof document === 'string' ? document : JSON.stringify(document);
  const isIamPolicy = kind !== 'resource';
  const quota = options.quota ?? defaultQuota[kind];
  const { limit } = policyQuotas[quota];
  if (policySize(text, quota) > limit) throw sizeExceeded(quota, limit);
  // reference_iam-quotas: "Policy documents can contain only … tab, line feed, carriage return, and
  // characters in the range U+0020 to U+00FF."
  if (isIamPolicy && /[^\t\n\r\u0020-\u00ff]/.test(text)) {
    malformed('Policy documents can contain only tab, line feed, carriage return and characters U+0020 to U+00FF.');
  }
  let parsed: unknown;
  try {
    parsed = typeof document === 'string' ? JSON.parse(document) : structuredClone(document);
  } catch (error) {
    const where = /at position \d+(?: \(line \d+ column \d+\))?/.exec((error as Error).message)?.[0];
    malformed(`Syntax errors in policy: the document is not valid JSON${where ? ` (${where})` : ''}.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    malformed('Syntax errors in policy: the document must be a JSON object.');
  }
  const top = parsed as Record<string, unknown>;
  for (const field of Object.keys(top)) {
    if (!topLevelFields.has(field)) malformed(`Syntax errors in policy: unknown field ${field}.`);
  }
  const version = top['Version'] ?? '2008-10-17';
  if (version !== '2012-10-17' && version !== '2008-10-17') {
    malformed('The policy must contain a valid version string: 2012-10-17 or 2008-10-17.');
  }
  if (top['Id'] !== undefined && typeof top['Id'] !== 'string')
    malformed('Syntax errors in policy: Id must be a string.');
  const rawStatements = top['Statement'];
  if (rawStatements === undefined) malformed('Missing required field Statement.');
  const list = Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  if (list.length === 0) malformed('Missing required field Statement: the policy has no statements.');
  const maxStatements = statementLimits[quota];
  if (maxStatements !== undefined && list.length > maxStatements) {
    malformed(`A ${quota} policy may hold at most ${maxStatements} statements; this one has ${list.length}.`);
  }
  const statements = list.map((raw, index) => parseStatement(raw, index, kind));
  const sids = new Set<string>();
  for (const statement of statements) {
    if (statement.sid === undefined) continue;
    if (sids.has(statement.sid)) malformed(`Statement IDs (SID) in a single policy must be unique: ${statement.sid}.`);
    sids.add(statement.sid);
  }
  return { id: id ?? kind, kind, version, statements };
}

function parseStatement(raw: unknown, index: number, kind: PolicyKind): PolicyStatement {
  let label = `Statement[${index}]`;
  const fail = (message: string): never => malformed(`${label}: ${message}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail('Syntax errors in policy: a statement must be a JSON object.');
  const fields = raw as Record<string, unknown>;
  const sid = fields['Sid'];
  if (sid !== undefined) {
    if (typeof sid !== 'string') fail('Syntax errors in policy: Sid must be a string.');
    label = `${label} (Sid ${sid})`;
    // IAM restricts Sids to letters and digits; resource policies (SQS, KMS) accept more.
    if (kind !== 'resource' && !/^[0-9A-Za-z]*$/.test(sid as string)) {
      fail(
        'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
      );
    }
  }
  for (const field of Object.keys(fields)) {
    if (!statementFields.has(field)) fail(`Syntax errors in policy: unknown field ${field}.`);
  }
  const effect = fields['Effect'];
  if (effect === undefined) fail('Missing required field Effect.');
  if (effect !== 'Allow' && effect !== 'Deny') fail(`Invalid effect: ${String(effect)} (use Allow or Deny).`);

  const statement: PolicyStatement = {
    index,
    label: typeof sid === 'string' && sid ? sid : `Statement[${index}]`,
    effect: effect as Effect,
    conditions: [],
  };
  if (typeof sid === 'string') statement.sid = sid;

  const [actionField, actions] = exclusive(fields, 'Action', 'NotAction', fail);
  if (!actions) fail('Policy statement must contain actions.');
  for (const action of actions!) {
    if (action !== '*' && !/^[A-Za-z0-9*?-]+:[A-Za-z0-9*?_-]+$/.test(action)) {
      fail(`Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.: ${action}`);
    }
  }
  if (kind === 'trust') {
    if (actionField === 'NotAction')
      fail('Has prohibited field NotAction: a trust policy lists the STS actions it allows.');
    for (const action of actions!) {
      if (!trustActions.test(action)) fail(`AssumeRole policy may only specify STS AssumeRole actions: ${action}`);
    }
  }
  if (actionField === 'Action') statement.action = actions!;
  else statement.notAction = actions!;

  const [resourceField, resources] = exclusive(fields, 'Resource', 'NotResource', fail);
  if (kind === 'trust') {
    if (resources) fail(`Has prohibited field ${resourceField}.`);
  } else {
    if (!resources) fail('Policy statement must contain resources.');
    for (const resource of resources!) {
      if (resource !== '*' && !/^arn:[^:]*:[^:]*:/.test(resource))
        fail(`Resource ${resource} must be in ARN format or "*".`);
    }
    if (resourceField === 'Resource') statement.resource = resources!;
    else statement.notResource = resources!;
  }

  const hasPrincipal = fields['Principal'] !== undefined;
  const hasNotPrincipal = fields['NotPrincipal'] !== undefined;
  if (kind === 'identity' || kind === 'boundary' || kind === 'session') {
    if (hasPrincipal || hasNotPrincipal) fail('Policy document should not specify a principal.');
  } else {
    if (hasPrincipal && hasNotPrincipal) fail('A statement cannot contain both Principal and NotPrincipal.');
    if (!hasPrincipal && !hasNotPrincipal) fail('Missing required field Principal.');
    if (kind === 'trust' && hasNotPrincipal)
      fail('Has prohibited field NotPrincipal: a trust policy names who may assume the role.');
    if (hasPrincipal) statement.principal = parsePrincipalSet(fields['Principal'], fail);
    else statement.notPrincipal = parsePrincipalSet(fields['NotPrincipal'], fail);
  }

  if (fields['Condition'] !== undefined) statement.conditions = parseConditions(fields['Condition'], fail);
  return statement;
}

/** Reads one of two mutually exclusive string-or-array fields. */
function exclusive(
  fields: Record<string, unknown>,
  positive: string,
  negative: string,
  fail: (message: string) => never,
): [string, string[] | undefined] {
  if (fields[positive] !== undefined && fields[negative] !== undefined) {
    fail(`A statement cannot contain both ${positive} and ${negative}.`);
  }
  const field = fields[negative] !== undefined ? negative : positive;
  const value = fields[field];
  if (value === undefined) return [field, undefined];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.some((item) => typeof item !== 'string' || item === '')) {
    fail(`Syntax errors in policy: ${field} must be a non-empty string or array of non-empty strings.`);
  }
  return [field, list as string[]];
}
