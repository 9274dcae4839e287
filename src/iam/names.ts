import { randomBytes } from 'node:crypto';
import { PciqError } from '../core/index.ts';

/**
 * Names, paths, ARNs and unique ids of IAM entities, the one place their shapes are written down (IAM API
 * reference, "Common parameters" and each action's constraints; reference_identifiers).
 */

export type EntityType = 'user' | 'group' | 'role' | 'policy' | 'mfa' | 'instance-profile';

const namePattern = /^[\w+=,.@-]+$/;
const nameLimits: Record<string, number> = {
  userName: 64,
  groupName: 128,
  roleName: 64,
  policyName: 128,
  virtualMFADeviceName: 226,
  roleSessionName: 64,
  serviceSessionName: 64,
};

/** Errors as IAM words them: `1 validation error detected: Value 'x' at 'userName' failed to satisfy constraint: …`. */
export function validationError(parameter: string, value: string | undefined, constraint: string): PciqError {
  const shown = value === undefined ? 'null' : `'${value.slice(0, 128)}'`;
  return new PciqError(
    'ValidationError',
    `1 validation error detected: Value ${shown} at '${parameter}' failed to satisfy constraint: ${constraint}`,
  );
}

/** Checks a user, group, role, policy, device or session name; `parameter` as IAM names it (`userName`). */
export function checkName(parameter: keyof typeof nameLimits | string, value: string): string {
  const max = nameLimits[parameter] ?? 128;
  const minimum = parameter === 'roleSessionName' ? 2 : 1;
  if (value.length < minimum || value.length > max) {
    throw validationError(parameter, value, `Member must have length between ${minimum} and ${max}`);
  }
  if (!namePattern.test(value)) {
    throw validationError(parameter, value, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
  }
  return value;
}

/** A path: `/` or `/a/b/`, printable ASCII, at most 512 characters. */
export function checkPath(value: string | undefined, parameter = 'path'): string {
  if (value === undefined) return '/';
  if (value.length > 512) throw validationError(parameter, value, 'Member must have length less than or equal to 512');
  if (value !== '/' && !/^\/[\u0021-\u007e]+\/$/.test(value)) {
    throw validationError(
      parameter,
      value,
      'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
    );
  }
  if (value.includes('//')) throw new PciqError('ValidationError', `The specified value for path is invalid: ${value}`);
  return value;
}

export function rootArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:root`;
}

export function entityArn(accountId: string, type: EntityType, path: string, name: string): string {
  return `arn:aws:iam::${accountId}:${type}${path}${name}`;
}

export function userArn(accountId: string, userName: string, path = '/'): string {
  return entityArn(accountId, 'user', path, userName);
}

export function roleArnFor(accountId: string, roleName: string, path = '/'): string {
  return entityArn(accountId, 'role', path, roleName);
}

/** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`: who acts in a role session (no path, as in AWS). */
export function assumedRoleArn(accountId: string, roleName: string, sessionName: string): string {
  return `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;
}

/** `AROA…:SESSION`: a role session's unique id, as GetCallerIdentity's UserId and SQS's SenderId give it. */
export function assumedRoleId(roleId: string, sessionName: string): string {
  return `${roleId}:${sessionName}`;
}

export type ParsedPrincipalArn =
  | { kind: 'root'; accountId: string }
  | { kind: 'user'; accountId: string; name: string; path: string }
  | { kind: 'role'; accountId: string; name: string; path: string }
  | { kind: 'assumed-role'; accountId: string; roleName: string; sessionName: string };

/** Reads a principal ARN: root, user or role (with path), or a role session. */
export function parsePrincipalArn(arn: string): ParsedPrincipalArn | undefined {
  const iam = /^arn:aws:iam::(\d{12}):(root|(user|role)(\/(?:[^/]+\/)*)([^/]+))$/.exec(arn);
  if (iam) {
    const accountId = iam[1]!;
    if (iam[2] === 'root') return { kind: 'root', accountId };
    return { kind: iam[3] as 'user' | 'role', accountId, path: iam[4]!, name: iam[5]! };
  }
  const session = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/([^/]+)$/.exec(arn);
  if (session) return { kind: 'assumed-role', accountId: session[1]!, roleName: session[2]!, sessionName: session[3]! };
  return undefined;
}

/** A managed policy ARN: `arn:aws:iam::ACCOUNT|aws:policy/PATH/NAME`. */
export function parsePolicyArn(arn: string): { owner: string; path: string; name: string } | undefined {
  const match = /^arn:aws:iam::(\d{12}|aws):policy(\/(?:[^/]+\/)*)([\w+=,.@-]+)$/.exec(arn);
  return match ? { owner: match[1]!, path: match[2]!, name: match[3]! } : undefined;
}

const idAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A unique id as IAM makes them (reference_identifiers "Unique identifiers"): a prefix telling the kind
 * (`AIDA` user, `AGPA` group, `AROA` role, `ANPA` policy, `AKIA` access key, `ASIA` temporary key) and
 * random characters. Ids are never reused, so a policy naming an id cannot apply to a new entity of the
 * same name.
 */
export function newUniqueId(prefix: 'AIDA' | 'AGPA' | 'AROA' | 'ANPA' | 'ASIA', length = 17): string {
  let id = prefix;
  for (const byte of randomBytes(length)) id += idAlphabet[byte % 32];
  return id;
}
