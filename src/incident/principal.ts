import {
  findManagedPolicy,
  parsePrincipalArn,
  quarantineTagKey,
  roleArnFor,
  sessionsOf,
  userArn,
} from '../iam/index.ts';
import type { AuditRecordRow, IamEntityKind, IamRoleRow, IamUserRow, ReadTx, Store } from '../storage/index.ts';
import { everyRecord } from './audit-records.ts';

/** A user or role to contain, as found before the snapshot. */
export interface PrincipalTarget {
  arn: string;
  accountId: string;
  kind: 'user' | 'role';
  name: string;
}

/** Why a reference names no principal that can be quarantined; the message says what to do instead. */
export class PrincipalRefusal extends Error {}

/**
 * Finds the user or role `ref` names: an ARN, `user/NAME`, `role/NAME`, or a bare name (a user, else a
 * role). The root is refused: no policy restricts it, so it is contained by deactivating its access keys
 * and revoking its sessions (`pciq compliance plan` proposes both).
 */
export async function findPrincipal(store: Store, accountId: string, ref: string): Promise<PrincipalTarget> {
  let kind: 'user' | 'role' | undefined;
  let name = ref;
  if (ref.startsWith('arn:')) {
    const parsed = parsePrincipalArn(ref);
    if (parsed?.kind === 'root') {
      throw new PrincipalRefusal(
        'the account root cannot be quarantined: no policy restricts it. Deactivate its access keys and revoke its sessions (pciq compliance plan proposes both for the root rules), and change its password',
      );
    }
    if (parsed?.kind === 'assumed-role') {
      throw new PrincipalRefusal(`${ref} is a role session: quarantine its role, role/${parsed.roleName}`);
    }
    if (!parsed) throw new PrincipalRefusal(`${ref} is not a user or role ARN`);
    if (parsed.accountId !== accountId) throw new PrincipalRefusal(`${ref} is not in account ${accountId}`);
    kind = parsed.kind;
    name = parsed.name;
  } else if (/^(user|role)\//.test(ref)) {
    kind = ref.startsWith('user/') ? 'user' : 'role';
    name = ref.slice(5);
  }
  const found = await store.read(async (tx) => ({
    user: kind === 'role' ? undefined : await tx.iam.getUser(accountId, name),
    role: kind === 'user' ? undefined : await tx.iam.getRole(accountId, name),
  }));
  if (found.user && found.role) {
    throw new PrincipalRefusal(`both a user and a role are named ${name}: say user/${name} or role/${name}`);
  }
  if (found.user) {
    const arn = userArn(accountId, found.user.userName, found.user.path);
    if (ref.startsWith('arn:') && ref !== arn)
      throw new PrincipalRefusal(`there is no user ${ref} (the user is ${arn})`);
    return { arn, accountId, kind: 'user', name: found.user.userName };
  }
  if (found.role) {
    const arn = roleArnFor(accountId, found.role.roleName, found.role.path);
    if (ref.startsWith('arn:') && ref !== arn)
      throw new PrincipalRefusal(`there is no role ${ref} (the role is ${arn})`);
    return { arn, accountId, kind: 'role', name: found.role.roleName };
  }
  throw new PrincipalRefusal(`there is no user or role ${ref} in account ${accountId}`);
}

async function entityPolicies(tx: ReadTx, accountId: string, kind: IamEntityKind, name: string) {
  const inline = (await tx.iam.listInlinePolicies(accountId, kind, name)).map((row) => ({
    policyName: row.policyName,
    document: row.document,
  }));
  const attached = [];
  for (const row of await tx.iam.listAttachments(accountId, kind, name)) {
    const managed = await findManagedPolicy(tx, accountId, row.policyArn);
    attached.push({
      policyArn: row.policyArn,
      versionId: managed?.row.defaultVersionId ?? null,
      document: managed?.document ?? null,
    });
  }
  return { inline, attached };
}

/**
 * What the snapshot keeps of a principal: its configuration, groups, credentials' metadata (access key ids,
 * status and use; MFA devices' serial numbers; the login's dates and lockout) and every policy that applies
 * to it, and its live sessions' metadata. Never a secret, password hash, token hash or TOTP seed.
 */
export async function principalEvidence(store: Store, target: PrincipalTarget, nowMs: number) {
  return store.read(async (tx) => {
    const { accountId, kind, name, arn } = target;
    const row: IamUserRow | IamRoleRow | undefined =
      kind === 'user' ? await tx.iam.getUser(accountId, name) : await tx.iam.getRole(accountId, name);
    const groups = kind === 'user' ? await tx.iam.listGroupsOfUser(accountId, name) : [];
    const profile = await tx.iam.getLoginProfile(arn);
    const login = profile
      ? (({ createdAtMs, lastSignInMs, passwordChangedAtMs, mustChangePassword, failedAttempts, lockedUntilMs }) => ({
          createdAtMs,
          lastSignInMs,
          passwordChangedAtMs,
          mustChangePassword,
          failedAttempts,
          lockedUntilMs,
        }))(JSON.parse(profile.loginState) as Record<string, unknown>)
      : null;
    const accessKeys = (await tx.listAccessKeys())
      .filter((key) => key.principalArn === arn)
      .map(({ accessKeyId, status, createdAtMs, lastUsedAtMs }) => ({
        accessKeyId,
        status,
        createdAtMs,
        lastUsedAtMs,
      }));
    const mfaDevices = (await tx.iam.listMfaDevices(accountId))
      .filter((device) => device.ownerArn === arn)
      .map(({ serialNumber, createdAtMs, enabledAtMs }) => ({ serialNumber, createdAtMs, enabledAtMs }));
    const groupPolicies: Record<string, unknown> = {};
    for (const group of groups) groupPolicies[group] = await entityPolicies(tx, accountId, 'group', group);
    const { trustPolicy, ...roleFacts } = (row ?? {}) as Partial<IamRoleRow>;
    const sessions = (await sessionsOf(tx, arn, nowMs)).map(
      ({ sealedSecret: _secret, tokenHash: _token, ...session }) => session,
    );
    return {
      configuration: { kind, ...(kind === 'role' ? roleFacts : row), groups, login, accessKeys, mfaDevices },
      policies: {
        own: await entityPolicies(tx, accountId, kind, name),
        groups: groupPolicies,
        permissionsBoundary: row?.permissionsBoundary ?? null,
        ...(kind === 'role' ? { trustPolicy: trustPolicy ?? null } : {}),
      },
      sessions,
    };
  });
}

/**
 * The seqs of the audit records a principal made in a window: its own requests and those of the sessions it
 * obtained — a role's sessions, the role sessions a user assumed, and the sessions those chained to —
 * which the trail records under the session's ARN (`assumed-role/ROLE/SESSION`), not the principal's.
 * The sessions are found from their issuance records in the window, so sessions already expired count too.
 */
export async function recordsByPrincipal(tx: ReadTx, arn: string, fromMs: number, toMs: number): Promise<number[]> {
  // Every issuance in the window, however many: only who each session went to is kept of it.
  const issued: Array<{ session: string; issuedTo: string; roleArn: string }> = [];
  for await (const row of everyRecord(tx, { fromMs, toMs, eventType: 'iam:IssueSession' })) {
    if (row.resource === null) continue;
    const details = issuanceDetails(row);
    issued.push({ session: row.resource, issuedTo: String(details.issuedTo), roleArn: String(details.roleArn) });
  }
  const actors = new Set([arn]);
  for (let isGrowing = true; isGrowing; ) {
    isGrowing = false;
    for (const { session, issuedTo, roleArn } of issued) {
      if (actors.has(session)) continue;
      if (actors.has(issuedTo) || actors.has(roleArn)) {
        actors.add(session);
        isGrowing = true;
      }
    }
  }
  const seqs: number[] = [];
  for (const principal of actors) {
    for await (const row of everyRecord(tx, { fromMs, toMs, principal })) seqs.push(row.seq);
  }
  return seqs;
}

function issuanceDetails(row: AuditRecordRow): Record<string, unknown> {
  try {
    return ((JSON.parse(row.body) as { details?: Record<string, unknown> }).details ?? {}) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/**
 * Contains a principal in one transaction: the quarantine tag (every request of the user or role, and of
 * the role's sessions, is denied by an explicit Deny), and its sessions issued before now revoked. The
 * identity revision changes, so every process refuses the next request. Returns the sessions revoked.
 */
export async function containPrincipal(store: Store, target: PrincipalTarget, incidentId: string, nowMs: number) {
  return store.write(async (tx) => {
    await setQuarantineTag(tx, target, incidentId);
    const revoked: string[] = [];
    for (const session of await sessionsOf(tx, target.arn, nowMs)) {
      if (session.createdAtMs > nowMs) continue;
      await tx.iam.deleteSession(session.accessKeyId);
      revoked.push(session.accessKeyId);
    }
    return revoked;
  });
}

/** Lifts the quarantine tag (when it is still this incident's): the principal's policies decide again. */
export async function releasePrincipal(store: Store, arn: string, incidentId: string): Promise<void> {
  const parsed = parsePrincipalArn(arn);
  if (parsed?.kind !== 'user' && parsed?.kind !== 'role') return;
  await store.write((tx) =>
    setQuarantineTag(tx, { accountId: parsed.accountId, kind: parsed.kind, name: parsed.name }, null, incidentId),
  );
}

export async function quarantineOfPrincipal(store: Store, arn: string): Promise<string | null> {
  const parsed = parsePrincipalArn(arn);
  if (parsed?.kind !== 'user' && parsed?.kind !== 'role') return null;
  const row = await store.read(
    async (tx): Promise<{ tags: Record<string, string> } | undefined> =>
      parsed.kind === 'user'
        ? await tx.iam.getUser(parsed.accountId, parsed.name)
        : await tx.iam.getRole(parsed.accountId, parsed.name),
  );
  return row?.tags[quarantineTagKey] ?? null;
}

async function setQuarantineTag(
  tx: Parameters<Parameters<Store['write']>[0]>[0],
  target: Pick<PrincipalTarget, 'accountId' | 'kind' | 'name'>,
  incidentId: string | null,
  onlyIf?: string,
): Promise<void> {
  const row =
    target.kind === 'user'
      ? await tx.iam.getUser(target.accountId, target.name)
      : await tx.iam.getRole(target.accountId, target.name);
  if (!row) {
    if (incidentId === null) return;
    throw new PrincipalRefusal(`the ${target.kind} ${target.name} no longer exists`);
  }
  if (onlyIf !== undefined && row.tags[quarantineTagKey] !== onlyIf) return;
  const tags = { ...row.tags };
  if (incidentId === null) delete tags[quarantineTagKey];
  else tags[quarantineTagKey] = incidentId;
  if ('userName' in row) await tx.iam.updateUser({ ...row, tags });
  else await tx.iam.updateRole({ ...row, tags });
}
