import { findManagedPolicy, mfaRequiredTagKey, parsePrincipalArn, sessionsOf } from '../../iam/index.ts';
import type { IamEntityKind, WriteTx } from '../../storage/index.ts';
import type { ActionContext, ManagedState, RemediationAction } from '../action.ts';
import { analysePolicy, withoutWildcardStatements } from '../policy-statements.ts';
import { parsePolicyResourceId } from '../resources/iam-policies.ts';

/**
 * Remediation on IAM. Each action writes IAM's tables in one transaction, which changes the identity
 * revision: every process and node decides the next request under the new state. The remediator records
 * each change (`compliance:Remediate`, with the state before and after).
 */

function noParameters(): void {}

function accessKeyIdOf(resourceId: string): string {
  const id = resourceId.slice(resourceId.lastIndexOf('/') + 1);
  if (!/^AKIA[A-Z2-7]{16}$/.test(id)) throw new Error(`${resourceId} does not name an access key`);
  return id;
}

/** Deactivates an access key unused for too long (PCI DSS 8.2.6); activating it again undoes it. */
export const disableAccessKeyAction: RemediationAction = {
  type: 'disable-access-key',
  resourceTypes: ['access-key'],
  description: 'Deactivates the access key (status Inactive); requests signed with it are refused from then on',
  isReversible: true,
  checkParameters: noParameters,
  async read(resource, context) {
    const key = await context.store.read((tx) => tx.getAccessKey(accessKeyIdOf(resource.id)));
    if (!key) throw new Error(`the access key ${accessKeyIdOf(resource.id)} no longer exists`);
    return { status: key.status };
  },
  async propose(resource, _parameters, context) {
    const before = await this.read(resource, context);
    if (before.status === 'Inactive') return undefined;
    return { description: `deactivate access key ${resource.name}`, before, after: { status: 'Inactive' } };
  },
  async write(resource, state, context) {
    const status = state.status === 'Active' ? 'Active' : 'Inactive';
    await context.store.write((tx) => tx.setAccessKeyStatus(accessKeyIdOf(resource.id), status));
  },
};

function userNameOf(resourceId: string): { accountId: string; name: string } {
  const parsed = parsePrincipalArn(resourceId);
  if (parsed?.kind !== 'user') throw new Error(`${resourceId} is not a user ARN`);
  return parsed;
}

/**
 * Forces MFA enrolment on a user: until one of the user's MFA devices is enabled, every request of the
 * user is denied except enrolling one (creating, enabling and listing devices, reading the user, changing
 * the password, getting a session token). A person then enrols with `pciq iam enable-mfa USER` or the IAM
 * API; the restriction lapses by itself once a device is enabled. Reversible (the requirement is lifted).
 */
export const requireMfaAction: RemediationAction = {
  type: 'require-mfa',
  resourceTypes: ['iam-user'],
  description: "Denies the user's requests other than MFA enrolment until an MFA device is enabled",
  isReversible: true,
  checkParameters: noParameters,
  async read(resource, context) {
    const { accountId, name } = userNameOf(resource.id);
    const user = await context.store.read((tx) => tx.iam.getUser(accountId, name));
    if (!user) throw new Error(`the user ${name} no longer exists`);
    return { mfaRequired: user.tags[mfaRequiredTagKey] ?? null };
  },
  async propose(resource, _parameters, context) {
    const before = await this.read(resource, context);
    if (before.mfaRequired !== null || resource.data.hasMfa === true) return undefined;
    return {
      description: `deny ${resource.name}'s requests other than MFA enrolment until a device is enabled`,
      before,
      after: { mfaRequired: new Date(context.clock.now()).toISOString() },
    };
  },
  async write(resource, state, context) {
    const { accountId, name } = userNameOf(resource.id);
    await context.store.write(async (tx) => {
      const user = await tx.iam.getUser(accountId, name);
      if (!user) throw new Error(`the user ${name} no longer exists`);
      const tags = { ...user.tags };
      if (typeof state.mfaRequired === 'string') tags[mfaRequiredTagKey] = state.mfaRequired;
      else delete tags[mfaRequiredTagKey];
      await tx.iam.updateUser({ ...user, tags });
    });
  },
};

/**
 * Ends the principal's temporary credentials issued before now: STS session tokens, sign-in sessions, role
 * sessions of a role and those the principal assumed. Every process refuses them from the next request
 * (InvalidClientTokenId). Not reversible: revoked credentials are not restored, new ones are issued.
 */
export const revokeSessionsAction: RemediationAction = {
  type: 'revoke-sessions',
  resourceTypes: ['iam-user', 'iam-root', 'iam-role'],
  description: 'Revokes the temporary credentials the principal holds or obtained, issued before now',
  isReversible: false,
  checkParameters: noParameters,
  async read(resource, context) {
    const sessions = await context.store.read((tx) => sessionsOf(tx, resource.id, context.clock.now()));
    return { sessions: sessions.map((session) => session.accessKeyId) };
  },
  async propose(resource, _parameters, context) {
    const before = await this.read(resource, context);
    if ((before.sessions as string[]).length === 0) return undefined;
    return {
      description: `revoke ${(before.sessions as string[]).length} session(s) of ${resource.name} issued before now`,
      before,
      after: { sessions: [] },
    };
  },
  async write(resource, state, context) {
    const keep = new Set(Array.isArray(state.sessions) ? (state.sessions as string[]) : []);
    await context.store.write(async (tx) => {
      for (const session of await sessionsOf(tx, resource.id, context.clock.now())) {
        if (!keep.has(session.accessKeyId)) await tx.iam.deleteSession(session.accessKeyId);
      }
    });
  },
};

interface PolicyState extends ManagedState {
  document: string | null;
  attachedTo: string[];
}

const attachmentKey = (kind: IamEntityKind, name: string) => `${kind}/${name}`;

async function readPolicyState(resourceId: string, context: ActionContext): Promise<PolicyState> {
  const ref = parsePolicyResourceId(resourceId);
  if (!ref || ref.kind === 'trust') throw new Error(`${resourceId} is not an identity policy remediation can change`);
  return context.store.read(async (tx) => {
    if (ref.kind === 'inline') {
      const row = await tx.iam.getInlinePolicy(ref.accountId, ref.entityKind, ref.entityName, ref.policyName);
      return { document: row?.document ?? null, attachedTo: [] };
    }
    const managed = await findManagedPolicy(tx, ref.accountId, ref.arn);
    const attachments = await tx.iam.listAttachmentsOfPolicy(ref.arn);
    return {
      document: managed?.document ?? null,
      attachedTo: attachments.map((row) => attachmentKey(row.entityKind, row.entityName)).sort(),
    };
  });
}

/** A new default version with `document`; the oldest other version makes room when the policy has five. */
async function writeManagedDocument(tx: WriteTx, arn: string, document: string, nowMs: number): Promise<void> {
  const row = await tx.iam.getManagedPolicy(arn);
  if (!row) throw new Error(`the policy ${arn} no longer exists`);
  const versions = await tx.iam.listPolicyVersions(arn);
  if (versions.length >= 5) {
    const oldest = versions
      .filter((version) => version.versionId !== row.defaultVersionId)
      .sort((a, b) => a.createdAtMs - b.createdAtMs)[0];
    if (oldest) await tx.iam.deletePolicyVersion(arn, oldest.versionId);
  }
  const versionId = `v${row.nextVersion}`;
  await tx.iam.insertPolicyVersion({ policyArn: arn, versionId, document, createdAtMs: nowMs });
  await tx.iam.updateManagedPolicy({
    ...row,
    defaultVersionId: versionId,
    nextVersion: row.nextVersion + 1,
    updatedAtMs: nowMs,
  });
}

/**
 * Detaches the statements of an IAM identity policy that allow every action (or every action of a
 * service): an inline policy is rewritten without them (deleted when nothing remains); a customer managed
 * policy gets a new default version without them, or, when every statement is a wildcard, is detached from
 * the users, groups and roles holding it. Writing the old state back undoes it.
 */
export const detachWildcardIamStatementsAction: RemediationAction = {
  type: 'detach-wildcard-statements',
  resourceTypes: ['iam-policy'],
  description: 'Removes statements allowing every action from an IAM policy (or detaches a policy made only of them)',
  isReversible: true,
  checkParameters: noParameters,
  read: (resource, context) => readPolicyState(resource.id, context),
  async propose(resource, _parameters, context) {
    if (parsePolicyResourceId(resource.id)?.kind === 'trust') return undefined;
    const before = await readPolicyState(resource.id, context);
    if (before.document === null || analysePolicy(before.document).wildcardStatements.length === 0) return undefined;
    const remaining = withoutWildcardStatements(before.document) ?? null;
    const isInline = parsePolicyResourceId(resource.id)?.kind === 'inline';
    if (remaining !== null || isInline) {
      return {
        description: `remove ${analysePolicy(before.document).wildcardStatements.join(', ')} from ${resource.name}${remaining === null ? ' (the policy is deleted: nothing else remains)' : ''}`,
        before,
        after: { document: remaining, attachedTo: before.attachedTo },
      };
    }
    if (before.attachedTo.length === 0) return undefined;
    return {
      description: `detach ${resource.name} from ${before.attachedTo.join(', ')}: every statement allows every action`,
      before,
      after: { document: before.document, attachedTo: [] },
    };
  },
  async write(resource, state, context) {
    const ref = parsePolicyResourceId(resource.id);
    if (!ref || ref.kind === 'trust')
      throw new Error(`${resource.id} is not an identity policy remediation can change`);
    const current = await readPolicyState(resource.id, context);
    const wanted = state as PolicyState;
    await context.store.write(async (tx) => {
      if (ref.kind === 'inline') {
        if (wanted.document === null) {
          await tx.iam.deleteInlinePolicy(ref.accountId, ref.entityKind, ref.entityName, ref.policyName);
        } else {
          await tx.iam.putInlinePolicy({
            accountId: ref.accountId,
            entityKind: ref.entityKind,
            entityName: ref.entityName,
            policyName: ref.policyName,
            document: wanted.document,
          });
        }
        return;
      }
      if (wanted.document !== null && wanted.document !== current.document) {
        await writeManagedDocument(tx, ref.arn, wanted.document, context.clock.now());
      }
      const wantedSet = new Set(wanted.attachedTo);
      const currentSet = new Set(current.attachedTo);
      for (const key of current.attachedTo) {
        if (wantedSet.has(key)) continue;
        const [entityKind, entityName] = key.split('/') as [IamEntityKind, string];
        await tx.iam.detachPolicy({ accountId: ref.accountId, entityKind, entityName, policyArn: ref.arn });
      }
      for (const key of wanted.attachedTo) {
        if (currentSet.has(key)) continue;
        const [entityKind, entityName] = key.split('/') as [IamEntityKind, string];
        await tx.iam.attachPolicy({ accountId: ref.accountId, entityKind, entityName, policyArn: ref.arn });
      }
    });
  },
};
