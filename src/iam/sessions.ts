import { createHash, randomBytes } from 'node:crypto';
import { type Caller, PciqError } from '../core/index.ts';
import type { SealedDataSource, Sealer } from '../keys/index.ts';
import type { IamSessionKind, IamSessionRow, ReadTx, WriteTx } from '../storage/index.ts';
import type { AccessControl, AuthorizationContext } from './access-control.ts';
import { checkTags, type IamContext, Refusal, writeOrRefuse } from './context.ts';
import type { ResolvedCaller } from './directory.ts';
import { checkMfaCode } from './mfa-devices.ts';
import {
  assumedRoleArn,
  assumedRoleId,
  checkName,
  newUniqueId,
  parsePolicyArn,
  parsePrincipalArn,
  roleArnFor,
} from './names.ts';
import { findManagedPolicy } from './policies.ts';
import { compilePolicySet, evaluate, parsePolicy, policyQuotas, principalMatches } from './policy/index.ts';
import { roleByArn, storedPolicy } from './principals.ts';
import { sealedRowsSource } from './sealed-rows.ts';

/**
 * Temporary credentials (STS GetSessionToken and AssumeRole, a person's sign-in): an `ASIA…` key id, a
 * secret sealed at rest, and a session token kept only as a hash; 15 minutes to 12 hours.
 */

const secretScope = 'iam:session-secret';
export const minSessionDurationSec = 900;
export const maxSessionDurationSec = 43_200;

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expirationMs: number;
}

export interface NewSession {
  accountId: string;
  kind: IamSessionKind;
  principalArn: string;
  roleArn: string | null;
  issuedToArn: string;
  durationSec: number;
  mfaAuthenticatedAtMs: number | null;
  sessionPolicy: string | null;
  sessionPolicyArns: string[];
  sourceIdentity: string | null;
  tags: Record<string, string>;
  idleTimeoutMs: number | null;
}

/** Seals and stores a new session inside `tx`, records its issuance, and returns the credentials once. */
export async function issueSession(context: IamContext, tx: WriteTx, input: NewSession): Promise<IssuedCredentials> {
  const now = context.clock.now();
  const accessKeyId = newUniqueId('ASIA', 16);
  const secretAccessKey = randomBytes(30).toString('base64');
  const sessionToken = randomBytes(64).toString('base64');
  await context.sealer.ensureManagedKey(tx, input.accountId, 'iam');
  const key = (await context.sealer.session(tx)).sealingKey(input.accountId, 'alias/aws/iam', secretScope);
  const row: IamSessionRow = {
    accessKeyId,
    accountId: input.accountId,
    kind: input.kind,
    sealedSecret: key.seal(Buffer.from(secretAccessKey, 'utf8'), accessKeyId),
    tokenHash: createHash('sha256').update(sessionToken, 'utf8').digest('hex'),
    principalArn: input.principalArn,
    roleArn: input.roleArn,
    issuedToArn: input.issuedToArn,
    createdAtMs: now,
    expiresAtMs: now + input.durationSec * 1000,
    mfaAuthenticatedAtMs: input.mfaAuthenticatedAtMs,
    sessionPolicy: input.sessionPolicy,
    sessionPolicyArns: input.sessionPolicyArns,
    sourceIdentity: input.sourceIdentity,
    tags: input.tags,
    idleTimeoutMs: input.idleTimeoutMs,
    lastActivityAtMs: now,
  };
  await tx.iam.insertSession(row);
  await context.audit.record(tx, {
    type: 'iam:IssueSession',
    outcome: 'success',
    resource: input.principalArn,
    details: {
      accessKeyId,
      kind: input.kind,
      issuedTo: input.issuedToArn,
      expiration: new Date(row.expiresAtMs).toISOString(),
      mfa: input.mfaAuthenticatedAtMs !== null,
      roleArn: input.roleArn,
      sourceIdentity: input.sourceIdentity,
    },
  });
  return { accessKeyId, secretAccessKey, sessionToken, expirationMs: row.expiresAtMs };
}

/**
 * The live sessions a principal holds or obtained (role sessions it assumed included), oldest first, and the
 * sessions those sessions obtained in turn (role chaining): a session whose credentials assumed another role
 * hands the caller that role's permissions for up to an hour, so containing the principal (incident
 * quarantine, revoke-sessions) must reach those too. A chained session names its issuer only by the
 * assumed-role ARN, which two sessions with one role and session name share; any session issued to that ARN
 * while the parent was alive is taken, as revoking one too many is safer than leaving the caller one.
 */
export async function sessionsOf(tx: ReadTx, arn: string, nowMs: number) {
  const parsed = parsePrincipalArn(arn);
  if (!parsed || parsed.kind === 'assumed-role') return [];
  const live = (await tx.iam.listSessions(parsed.accountId)).filter((session) => session.expiresAtMs > nowMs);
  const found = live.filter(
    (session) => session.principalArn === arn || session.issuedToArn === arn || session.roleArn === arn,
  );
  for (let index = 0; index < found.length; index++) {
    const parent = found[index]!;
    if (parent.kind !== 'assumed-role') continue;
    for (const session of live) {
      const isChild =
        session.issuedToArn === parent.principalArn &&
        session.createdAtMs >= parent.createdAtMs &&
        session.createdAtMs <= parent.expiresAtMs;
      if (isChild && !found.includes(session)) found.push(session);
    }
  }
  return found.sort((a, b) => a.createdAtMs - b.createdAtMs);
}

/**
 * Ends the sessions that act as a user or role about to be deleted: the role's sessions, or the user's own
 * (GetSessionToken, sign-in). AWS ties a session to the identity's unique id, so a user or role created later
 * under the same name never inherits them; here they end with the identity. Returns how many ended.
 */
export async function endSessionsOf(tx: WriteTx, accountId: string, identityArn: string): Promise<number> {
  let ended = 0;
  for (const session of await tx.iam.listSessions(accountId)) {
    const actsAs = session.roleArn ?? session.principalArn;
    if (actsAs !== identityArn) continue;
    await tx.iam.deleteSession(session.accessKeyId);
    ended += 1;
  }
  return ended;
}

export async function openSessionSecret(sealer: Sealer, tx: ReadTx, row: IamSessionRow): Promise<string> {
  return (await sealer.session(tx)).open(row.sealedSecret, secretScope, row.accessKeyId).toString('utf8');
}

function checkDuration(value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < minSessionDurationSec) {
    throw new PciqError(
      'ValidationError',
      `1 validation error detected: Value '${value}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to ${minSessionDurationSec}`,
    );
  }
  if (value > max) {
    throw new PciqError(
      'ValidationError',
      `The requested DurationSeconds exceeds the ${max === maxSessionDurationSec ? 'maximum of 43200 seconds (12 hours)' : 'MaxSessionDuration set for this role'}.`,
    );
  }
  return value;
}

export interface MfaInput {
  serialNumber?: string;
  tokenCode?: string;
}

/**
 * Checks the MFA code a caller sent with an STS call, inside the unit that acts on it; a failure is recorded
 * in the same unit, which then commits and refuses the request with AccessDenied.
 */
async function checkStsMfa(
  context: IamContext,
  tx: WriteTx,
  caller: Caller,
  mfa: MfaInput,
): Promise<number | null | Refusal> {
  const { serialNumber, tokenCode } = mfa;
  if (serialNumber === undefined && tokenCode === undefined) return null;
  if (serialNumber === undefined || tokenCode === undefined) {
    throw new PciqError('ValidationError', 'SerialNumber and TokenCode must be given together.');
  }
  const check = await checkMfaCode(context, tx, caller.principalArn, { serialNumber, tokenCode });
  if (check.outcome === 'ok') {
    await context.audit.record(tx, {
      type: 'iam:MfaCheck',
      outcome: 'success',
      resource: caller.principalArn,
      details: { serialNumber: check.serialNumber },
    });
    return context.clock.now();
  }
  const message =
    check.outcome === 'locked'
      ? `MultiFactorAuthentication failed: the MFA device is locked after too many invalid codes until ${new Date(check.lockedUntilMs).toISOString()} (PCI DSS 8.3.4); an administrator can unlock it sooner.`
      : check.outcome === 'replayed'
        ? 'MultiFactorAuthentication failed: this MFA code was already used; wait for the next code (PCI DSS 8.5.1).'
        : check.outcome === 'no-device'
          ? 'MultiFactorAuthentication failed: the MFA device is not enabled for the caller.'
          : 'MultiFactorAuthentication failed with invalid MFA one time pass code.';
  await context.audit.record(tx, {
    type: 'iam:MfaCheck',
    outcome: 'failure',
    error: 'AccessDenied',
    requestError: 'AccessDenied',
    resource: caller.principalArn,
    details: { serialNumber: check.serialNumber, reason: check.outcome },
  });
  return new Refusal(new PciqError('AccessDenied', message));
}

/**
 * GetSessionToken: temporary credentials for an IAM user (or the root) calling with its access key,
 * carrying MFA when a valid code comes with it. AWS requires no permission for it; it cannot be called with
 * temporary credentials.
 */
export async function getSessionToken(
  context: IamContext,
  caller: Caller,
  resolved: ResolvedCaller | undefined,
  input: { durationSec?: number } & MfaInput,
): Promise<IssuedCredentials> {
  if (!resolved || resolved.isTemporary) {
    throw new PciqError('AccessDenied', 'Cannot call GetSessionToken with session credentials');
  }
  const isRoot = resolved.principal.kind === 'root';
  const durationSec = checkDuration(
    input.durationSec,
    isRoot ? 3600 : maxSessionDurationSec,
    isRoot ? 3600 : maxSessionDurationSec,
  );
  return writeOrRefuse(context, async (tx) => {
    const mfaAt = await checkStsMfa(context, tx, caller, input);
    if (mfaAt instanceof Refusal) return mfaAt;
    return issueSession(context, tx, {
      accountId: caller.accountId,
      kind: 'session-token',
      principalArn: caller.principalArn,
      roleArn: null,
      issuedToArn: caller.principalArn,
      durationSec,
      mfaAuthenticatedAtMs: mfaAt,
      sessionPolicy: null,
      sessionPolicyArns: [],
      sourceIdentity: null,
      tags: {},
      idleTimeoutMs: null,
    });
  });
}

export interface AssumeRoleInput extends MfaInput {
  roleArn: string;
  roleSessionName: string;
  durationSec?: number;
  policy?: string;
  policyArns?: string[];
  /** Who is behind the session (`sts:SourceIdentity`); a chained session keeps the one it came with. */
  sourceIdentity?: string;
  tags?: Record<string, string>;
  /** What a third party's trust policy asks of it (`sts:ExternalId`): the confused-deputy guard. */
  externalId?: string;
}

export interface AssumedRole extends IssuedCredentials {
  assumedRoleId: string;
  assumedRoleArn: string;
  sourceIdentity: string | null;
  packedPolicySize: number;
}

/**
 * AssumeRole: the caller must be allowed sts:AssumeRole on the role by its own policies or by the role's
 * trust policy naming it, evaluated together as AWS does (the trust policy is the role's resource policy),
 * and the trust policy must trust the caller at all: by name, through its role, or through its account.
 * A role that does not exist is refused as one the caller may not assume, which says nothing of its
 * existence. A code sent with the call is checked (and used up) first, and counts as MFA for the decision.
 */
export async function assumeRole(
  context: IamContext,
  access: AccessControl,
  caller: Caller,
  resolved: ResolvedCaller | undefined,
  input: AssumeRoleInput,
  request: AuthorizationContext,
): Promise<AssumedRole> {
  const sessionName = checkName('roleSessionName', input.roleSessionName);
  if (input.policy !== undefined) {
    const { limit } = policyQuotas.session;
    if (input.policy.length > limit) {
      throw new PciqError(
        'ValidationError',
        `1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to ${limit}`,
      );
    }
    parsePolicy(input.policy, 'session', 'session-policy');
  }
  const policyArns = input.policyArns ?? [];
  if (policyArns.length > 10) {
    throw new PciqError(
      'ValidationError',
      "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10",
    );
  }
  for (const arn of policyArns) {
    if (!parsePolicyArn(arn)) throw new PciqError('InvalidInput', `ARN ${arn.slice(0, 256)} is not valid.`);
  }
  const requestedSourceIdentity = checkSourceIdentity(input.sourceIdentity);
  const externalId = checkExternalId(input.externalId);
  const tags = checkTags(input.tags ?? {});
  const action = 'sts:AssumeRole';
  const role = await context.store.read((tx) => roleByArn(tx, input.roleArn));
  if (!role || role.accountId !== caller.accountId) {
    return access.refuse(caller, action, input.roleArn, { decision: 'ImplicitDeny', reason: 'no-allow', matched: [] });
  }
  const roleArn = roleArnFor(role.accountId, role.roleName, role.path);
  const trust = storedPolicy(role.trustPolicy, 'trust', `${roleArn}/trust-policy`);

  let decider = resolved;
  let mfaAt = resolved?.mfaAuthenticatedAtMs ?? null;
  if (input.serialNumber !== undefined || input.tokenCode !== undefined) {
    mfaAt = await writeOrRefuse(context, (tx) => checkStsMfa(context, tx, caller, input));
    // STS treats a valid SerialNumber + TokenCode as MFA for the call itself.
    if (decider) decider = { ...decider, isTemporary: true, mfaAuthenticatedAtMs: mfaAt };
  }
  // AWS: a source identity, once set, stays with every session chained from it and cannot be changed.
  const inheritedSourceIdentity = resolved?.sourceIdentity;
  if (
    inheritedSourceIdentity !== undefined &&
    requestedSourceIdentity !== undefined &&
    requestedSourceIdentity !== inheritedSourceIdentity
  ) {
    return access.refuse(caller, 'sts:SetSourceIdentity', roleArn, {
      decision: 'ImplicitDeny',
      reason: 'trust-policy-does-not-allow',
      matched: [],
    });
  }
  const sourceIdentity = inheritedSourceIdentity ?? requestedSourceIdentity;
  const keys = {
    ...request.keys,
    ...tagKeys(tags),
    'sts:RoleSessionName': sessionName,
    ...(sourceIdentity !== undefined ? { 'sts:SourceIdentity': sourceIdentity } : {}),
    ...(externalId !== undefined ? { 'sts:ExternalId': externalId } : {}),
  };
  const decision = access.decideFor(decider, action, roleArn, { ...request, keys, resourcePolicy: trust });
  if (decision.decision !== 'Allow' || !decider || !principalMatches(trust, decider.principal)) {
    return access.refuse(
      caller,
      action,
      roleArn,
      decision.decision === 'Allow'
        ? { ...decision, decision: 'ImplicitDeny', reason: 'no-allow', matched: [] }
        : decision,
    );
  }
  // AWS: a session that assumes a role (role chaining) gets at most one hour.
  const maxDuration = decider.principal.kind === 'assumed-role' ? 3600 : role.maxSessionDurationSec;
  const durationSec = checkDuration(input.durationSec, Math.min(3600, maxDuration), maxDuration);
  const principalArn = assumedRoleArn(role.accountId, role.roleName, sessionName);
  const credentials = await context.store.write(async (tx) => {
    for (const arn of policyArns) {
      if (!(await findManagedPolicy(tx, role.accountId, arn))) {
        throw new PciqError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
      }
    }
    await tx.iam.touchRole(role.accountId, role.roleName, context.clock.now());
    return issueSession(context, tx, {
      accountId: role.accountId,
      kind: 'assumed-role',
      principalArn,
      roleArn,
      issuedToArn: caller.principalArn,
      durationSec,
      mfaAuthenticatedAtMs: mfaAt,
      sessionPolicy: input.policy ?? null,
      sessionPolicyArns: policyArns,
      sourceIdentity: sourceIdentity ?? null,
      tags,
      idleTimeoutMs: null,
    });
  });
  return {
    ...credentials,
    assumedRoleId: assumedRoleId(role.roleId, sessionName),
    assumedRoleArn: principalArn,
    sourceIdentity: sourceIdentity ?? null,
    packedPolicySize: packedPolicySize(input.policy, policyArns, tags),
  };
}

/**
 * STS's constraints on SourceIdentity: 2 to 64 characters of `[\w+=,.@-]` (a pattern with no colon, so the
 * `aws:` prefix AWS keeps for itself is refused too).
 */
function checkSourceIdentity(value: string | undefined): string | undefined {
  return checkStsParameter(value, { member: 'sourceIdentity', maxLength: 64, pattern: /^[\w+=,.@-]*$/ });
}

/** STS's constraints on ExternalId: 2 to 1,224 characters of `[\w+=,.@:/-]`. */
function checkExternalId(value: string | undefined): string | undefined {
  return checkStsParameter(value, { member: 'externalId', maxLength: 1224, pattern: /^[\w+=,.@:/-]*$/ });
}

/**
 * A string parameter of STS held to 2 to `maxLength` characters of `pattern`, refused as STS words it. The value
 * is never quoted: an external id is the third party's shared secret.
 */
function checkStsParameter(
  value: string | undefined,
  rule: { member: string; maxLength: number; pattern: RegExp },
): string | undefined {
  if (value === undefined) return undefined;
  const constraint =
    value.length < 2
      ? 'Member must have length greater than or equal to 2'
      : value.length > rule.maxLength
        ? `Member must have length less than or equal to ${rule.maxLength}`
        : rule.pattern.test(value)
          ? undefined
          : `Member must satisfy regular expression pattern: ${rule.pattern.source.slice(1, -1).replace('/', '\\/')}`;
  if (constraint) {
    throw new PciqError(
      'ValidationError',
      `1 validation error detected: Value at '${rule.member}' failed to satisfy constraint: ${constraint}`,
    );
  }
  return value;
}

function tagKeys(tags: Record<string, string>): Record<string, string | string[]> {
  const keys: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(tags)) keys[`aws:RequestTag/${key}`] = value;
  if (Object.keys(tags).length) keys['aws:TagKeys'] = Object.keys(tags);
  return keys;
}

/** STS reports how much of the packed session policy and tag quota a request used, in percent. */
function packedPolicySize(policy: string | undefined, arns: string[], tags: Record<string, string>): number {
  const size = (policy?.replace(/\s/g, '').length ?? 0) + arns.join('').length + JSON.stringify(tags).length;
  return Math.min(100, Math.ceil((size / 2048) * 100));
}

/** Sessions' secrets as sealed data for key management (re-encryption under the newest key version). */
export function sealedSessionsSource(accountId: string): SealedDataSource {
  return sealedRowsSource({
    name: 'iam-sessions',
    scope: secretScope,
    rows: (tx) => tx.iam.listSessions(accountId),
    idOf: (row) => row.accessKeyId,
    sealedOf: (row) => row.sealedSecret,
    replace: (tx, id, sealed) => tx.iam.replaceSessionSecret(id, sealed),
  });
}

export interface ServiceRoleSession {
  caller: Caller;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiresAtMs: number };
}

/**
 * A session of a role for an AWS-style service principal acting on its own (functions run as their execution
 * role: `lambda.amazonaws.com`), as Lambda assumes a function's role: the role's trust policy must name the
 * service. The session lasts the role's maximum, and at least `minValidityMs`.
 */
export async function assumeRoleForService(
  context: IamContext,
  access: AccessControl,
  input: { servicePrincipal: string; roleArn: string; sessionName: string; minValidityMs: number },
): Promise<ServiceRoleSession> {
  // A service names the session after its resource, as Lambda after the function, whose name may be a single
  // character: STS's minimum of two is for callers of AssumeRole.
  const sessionName = checkName('serviceSessionName', input.sessionName);
  const role = await context.store.read((tx) => roleByArn(tx, input.roleArn));
  const service: Caller = { accountId: '', principalArn: input.servicePrincipal, accessKeyId: '', senderId: '' };
  const principal = {
    arn: input.servicePrincipal,
    accountId: '',
    kind: 'service' as const,
    userId: input.servicePrincipal,
    tags: {},
  };
  const action = 'sts:AssumeRole';
  const trust = role ? storedPolicy(role.trustPolicy, 'trust', `${input.roleArn}/trust-policy`) : undefined;
  const decision = trust
    ? evaluate(compilePolicySet({ identity: [] }), { principal, action, resource: input.roleArn, keys: {} }, trust)
    : undefined;
  if (!role || decision?.decision !== 'Allow') {
    await access.refuse(
      { ...service, accountId: role?.accountId ?? '' },
      action,
      input.roleArn,
      decision ?? { decision: 'ImplicitDeny', reason: 'no-allow', matched: [] },
    );
    throw new PciqError('AccessDenied', 'unreachable');
  }
  const durationSec = Math.max(role.maxSessionDurationSec, Math.ceil(input.minValidityMs / 1000) + 60);
  const roleArn = roleArnFor(role.accountId, role.roleName, role.path);
  const principalArn = assumedRoleArn(role.accountId, role.roleName, sessionName);
  const issued = await context.store.write(async (tx) => {
    await tx.iam.touchRole(role.accountId, role.roleName, context.clock.now());
    return issueSession(context, tx, {
      accountId: role.accountId,
      kind: 'assumed-role',
      principalArn,
      roleArn,
      issuedToArn: input.servicePrincipal,
      durationSec: Math.min(durationSec, maxSessionDurationSec),
      mfaAuthenticatedAtMs: null,
      sessionPolicy: null,
      sessionPolicyArns: [],
      sourceIdentity: null,
      tags: {},
      idleTimeoutMs: null,
    });
  });
  return {
    caller: {
      accountId: role.accountId,
      principalArn,
      accessKeyId: issued.accessKeyId,
      senderId: assumedRoleId(role.roleId, sessionName),
    },
    credentials: {
      accessKeyId: issued.accessKeyId,
      secretAccessKey: issued.secretAccessKey,
      sessionToken: issued.sessionToken,
      expiresAtMs: issued.expirationMs,
    },
  };
}
