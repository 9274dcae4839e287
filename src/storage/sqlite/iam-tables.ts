import { randomUUID } from 'node:crypto';
import type { SQLInputValue, StatementSync } from 'node:sqlite';
import type {
  IamAttachmentRow,
  IamEntityKind,
  IamGroupRow,
  IamInlinePolicyRow,
  IamLoginProfileRow,
  IamManagedPolicyRow,
  IamMembershipRow,
  IamMfaDeviceRow,
  IamPolicyVersionRow,
  IamRoleRow,
  IamSessionRow,
  IamUserRow,
  IamWriteTx,
  MfaFailures,
  MfaUse,
} from '../iam.ts';
import {
  toAttachment,
  toGroup,
  toInline,
  toLoginProfile,
  toManagedPolicy,
  toMfaDevice,
  toMfaFailures,
  toPolicyVersion,
  toRole,
  toSession,
  toUser,
} from '../iam-rows.ts';

type Row = Record<string, SQLInputValue>;

/** `tx.iam` on SQLite: hand-written statements over the iam_* tables. */
export class SqliteIamTables implements IamWriteTx {
  private readonly sql: (text: string) => StatementSync;

  constructor(sql: (text: string) => StatementSync) {
    this.sql = sql;
  }

  /** A fresh random token, never a counter: a rolled-back change must not be mistaken for a later one. */
  bump(): void {
    this.sql('UPDATE iam_revision SET revision = ? WHERE id = 1').run(randomUUID());
  }

  async revision(): Promise<string> {
    return String((this.sql('SELECT revision FROM iam_revision WHERE id = 1').get() as Row).revision);
  }

  async getUser(accountId: string, userName: string): Promise<IamUserRow | undefined> {
    const row = this.sql('SELECT * FROM iam_users WHERE account_id = ? AND user_name = ?').get(accountId, userName);
    return row ? toUser(row as Row) : undefined;
  }

  async listUsers(accountId: string): Promise<IamUserRow[]> {
    return (this.sql('SELECT * FROM iam_users WHERE account_id = ? ORDER BY user_name').all(accountId) as Row[]).map(
      toUser,
    );
  }

  async getGroup(accountId: string, groupName: string): Promise<IamGroupRow | undefined> {
    const row = this.sql('SELECT * FROM iam_groups WHERE account_id = ? AND group_name = ?').get(accountId, groupName);
    return row ? toGroup(row as Row) : undefined;
  }

  async listGroups(accountId: string): Promise<IamGroupRow[]> {
    return (this.sql('SELECT * FROM iam_groups WHERE account_id = ? ORDER BY group_name').all(accountId) as Row[]).map(
      toGroup,
    );
  }

  async getRole(accountId: string, roleName: string): Promise<IamRoleRow | undefined> {
    const row = this.sql('SELECT * FROM iam_roles WHERE account_id = ? AND role_name = ?').get(accountId, roleName);
    return row ? toRole(row as Row) : undefined;
  }

  async listRoles(accountId: string): Promise<IamRoleRow[]> {
    return (this.sql('SELECT * FROM iam_roles WHERE account_id = ? ORDER BY role_name').all(accountId) as Row[]).map(
      toRole,
    );
  }

  async listMemberships(accountId: string): Promise<IamMembershipRow[]> {
    return (
      this.sql('SELECT * FROM iam_memberships WHERE account_id = ? ORDER BY group_name, user_name').all(
        accountId,
      ) as Row[]
    ).map((row) => ({
      accountId: String(row.account_id),
      groupName: String(row.group_name),
      userName: String(row.user_name),
    }));
  }

  async listGroupsOfUser(accountId: string, userName: string): Promise<string[]> {
    return (
      this.sql(
        `SELECT g.group_name FROM iam_memberships m JOIN iam_groups g
           ON g.account_id = m.account_id AND g.group_name = m.group_name
         WHERE m.account_id = ? AND m.user_name = ? ORDER BY g.group_name`,
      ).all(accountId, userName) as Row[]
    ).map((row) => String(row.group_name));
  }

  async listUsersOfGroup(accountId: string, groupName: string): Promise<string[]> {
    return (
      this.sql(
        `SELECT u.user_name FROM iam_memberships m JOIN iam_users u
           ON u.account_id = m.account_id AND u.user_name = m.user_name
         WHERE m.account_id = ? AND m.group_name = ? ORDER BY u.user_name`,
      ).all(accountId, groupName) as Row[]
    ).map((row) => String(row.user_name));
  }

  async getManagedPolicy(arn: string): Promise<IamManagedPolicyRow | undefined> {
    const row = this.sql('SELECT * FROM iam_managed_policies WHERE arn = ?').get(arn);
    return row ? toManagedPolicy(row as Row) : undefined;
  }

  async listManagedPolicies(accountId: string): Promise<IamManagedPolicyRow[]> {
    return (
      this.sql('SELECT * FROM iam_managed_policies WHERE account_id = ? ORDER BY policy_name').all(accountId) as Row[]
    ).map(toManagedPolicy);
  }

  async getPolicyVersion(policyArn: string, versionId: string): Promise<IamPolicyVersionRow | undefined> {
    const row = this.sql('SELECT * FROM iam_policy_versions WHERE policy_arn = ? AND version_id = ?').get(
      policyArn,
      versionId,
    );
    return row ? toPolicyVersion(row as Row) : undefined;
  }

  async listPolicyVersions(policyArn: string): Promise<IamPolicyVersionRow[]> {
    return (
      this.sql('SELECT * FROM iam_policy_versions WHERE policy_arn = ? ORDER BY created_at DESC, version_id DESC').all(
        policyArn,
      ) as Row[]
    ).map(toPolicyVersion);
  }

  async getInlinePolicy(
    accountId: string,
    kind: IamEntityKind,
    entityName: string,
    policyName: string,
  ): Promise<IamInlinePolicyRow | undefined> {
    const row = this.sql(
      `SELECT * FROM iam_inline_policies
       WHERE account_id = ? AND entity_kind = ? AND entity_name = ? AND policy_name = ?`,
    ).get(accountId, kind, entityName, policyName);
    return row ? toInline(row as Row) : undefined;
  }

  async listInlinePolicies(
    accountId: string,
    kind?: IamEntityKind,
    entityName?: string,
  ): Promise<IamInlinePolicyRow[]> {
    const rows =
      kind === undefined
        ? this.sql('SELECT * FROM iam_inline_policies WHERE account_id = ? ORDER BY entity_name, policy_name').all(
            accountId,
          )
        : this.sql(
            `SELECT * FROM iam_inline_policies WHERE account_id = ? AND entity_kind = ? AND entity_name = ?
             ORDER BY policy_name`,
          ).all(accountId, kind, entityName ?? '');
    return (rows as Row[]).map(toInline);
  }

  async listAttachments(accountId: string, kind?: IamEntityKind, entityName?: string): Promise<IamAttachmentRow[]> {
    const rows =
      kind === undefined
        ? this.sql('SELECT * FROM iam_attachments WHERE account_id = ? ORDER BY entity_name, policy_arn').all(accountId)
        : this.sql(
            `SELECT * FROM iam_attachments WHERE account_id = ? AND entity_kind = ? AND entity_name = ?
             ORDER BY policy_arn`,
          ).all(accountId, kind, entityName ?? '');
    return (rows as Row[]).map(toAttachment);
  }

  async listAttachmentsOfPolicy(policyArn: string): Promise<IamAttachmentRow[]> {
    return (
      this.sql('SELECT * FROM iam_attachments WHERE policy_arn = ? ORDER BY entity_kind, entity_name').all(
        policyArn,
      ) as Row[]
    ).map(toAttachment);
  }

  async getLoginProfile(principalArn: string): Promise<IamLoginProfileRow | undefined> {
    const row = this.sql('SELECT * FROM iam_login_profiles WHERE principal_arn = ?').get(principalArn);
    return row ? toLoginProfile(row as Row) : undefined;
  }

  async listLoginProfiles(accountId: string): Promise<IamLoginProfileRow[]> {
    return (
      this.sql('SELECT * FROM iam_login_profiles WHERE account_id = ? ORDER BY principal_arn').all(accountId) as Row[]
    ).map(toLoginProfile);
  }

  async getMfaDevice(serialNumber: string): Promise<IamMfaDeviceRow | undefined> {
    const row = this.sql('SELECT * FROM iam_mfa_devices WHERE serial_number = ?').get(serialNumber);
    return row ? toMfaDevice(row as Row) : undefined;
  }

  async listMfaDevices(accountId: string): Promise<IamMfaDeviceRow[]> {
    return (
      this.sql('SELECT * FROM iam_mfa_devices WHERE account_id = ? ORDER BY serial_number').all(accountId) as Row[]
    ).map(toMfaDevice);
  }

  async getSession(accessKeyId: string): Promise<IamSessionRow | undefined> {
    const row = this.sql('SELECT * FROM iam_sessions WHERE access_key_id = ?').get(accessKeyId);
    return row ? toSession(row as Row) : undefined;
  }

  async listSessions(accountId: string): Promise<IamSessionRow[]> {
    return (
      this.sql('SELECT * FROM iam_sessions WHERE account_id = ? ORDER BY created_at').all(accountId) as Row[]
    ).map(toSession);
  }

  async insertUser(user: IamUserRow): Promise<void> {
    this.sql(
      `INSERT INTO iam_users (account_id, user_name, user_id, path, created_at, tags, permissions_boundary)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      user.accountId,
      user.userName,
      user.userId,
      user.path,
      user.createdAtMs,
      JSON.stringify(user.tags),
      user.permissionsBoundary,
    );
    this.bump();
  }

  async updateUser(user: IamUserRow): Promise<void> {
    this.sql('UPDATE iam_users SET path = ?, tags = ?, permissions_boundary = ? WHERE user_id = ?').run(
      user.path,
      JSON.stringify(user.tags),
      user.permissionsBoundary,
      user.userId,
    );
    this.bump();
  }

  async deleteUser(accountId: string, userName: string): Promise<void> {
    this.sql('DELETE FROM iam_users WHERE account_id = ? AND user_name = ?').run(accountId, userName);
    this.bump();
  }

  async insertGroup(group: IamGroupRow): Promise<void> {
    this.sql('INSERT INTO iam_groups (account_id, group_name, group_id, path, created_at) VALUES (?, ?, ?, ?, ?)').run(
      group.accountId,
      group.groupName,
      group.groupId,
      group.path,
      group.createdAtMs,
    );
    this.bump();
  }

  async updateGroup(group: IamGroupRow): Promise<void> {
    this.sql('UPDATE iam_groups SET path = ? WHERE group_id = ?').run(group.path, group.groupId);
    this.bump();
  }

  async deleteGroup(accountId: string, groupName: string): Promise<void> {
    this.sql('DELETE FROM iam_groups WHERE account_id = ? AND group_name = ?').run(accountId, groupName);
    this.bump();
  }

  async addMembership(membership: IamMembershipRow): Promise<void> {
    this.sql(
      `INSERT INTO iam_memberships (account_id, group_name, user_name) VALUES (?, ?, ?)
       ON CONFLICT (account_id, group_name, user_name) DO NOTHING`,
    ).run(membership.accountId, membership.groupName, membership.userName);
    this.bump();
  }

  async removeMembership(membership: IamMembershipRow): Promise<boolean> {
    const removed =
      this.sql('DELETE FROM iam_memberships WHERE account_id = ? AND group_name = ? AND user_name = ?').run(
        membership.accountId,
        membership.groupName,
        membership.userName,
      ).changes > 0;
    if (removed) this.bump();
    return removed;
  }

  async insertRole(role: IamRoleRow): Promise<void> {
    this.sql(
      `INSERT INTO iam_roles (account_id, role_name, role_id, path, description, trust_policy, max_session_duration,
         created_at, tags, permissions_boundary, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      role.accountId,
      role.roleName,
      role.roleId,
      role.path,
      role.description,
      role.trustPolicy,
      role.maxSessionDurationSec,
      role.createdAtMs,
      JSON.stringify(role.tags),
      role.permissionsBoundary,
      role.lastUsedAtMs,
    );
    this.bump();
  }

  async updateRole(role: IamRoleRow): Promise<void> {
    this.sql(
      `UPDATE iam_roles SET description = ?, trust_policy = ?, max_session_duration = ?, tags = ?,
         permissions_boundary = ? WHERE role_id = ?`,
    ).run(
      role.description,
      role.trustPolicy,
      role.maxSessionDurationSec,
      JSON.stringify(role.tags),
      role.permissionsBoundary,
      role.roleId,
    );
    this.bump();
  }

  async touchRole(accountId: string, roleName: string, lastUsedAtMs: number): Promise<void> {
    this.sql('UPDATE iam_roles SET last_used_at = ? WHERE account_id = ? AND role_name = ?').run(
      lastUsedAtMs,
      accountId,
      roleName,
    );
  }

  async deleteRole(accountId: string, roleName: string): Promise<void> {
    this.sql('DELETE FROM iam_roles WHERE account_id = ? AND role_name = ?').run(accountId, roleName);
    this.bump();
  }

  async insertManagedPolicy(policy: IamManagedPolicyRow): Promise<void> {
    this.sql(
      `INSERT INTO iam_managed_policies (arn, account_id, policy_name, policy_id, path, description,
         default_version_id, next_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      policy.arn,
      policy.accountId,
      policy.policyName,
      policy.policyId,
      policy.path,
      policy.description,
      policy.defaultVersionId,
      policy.nextVersion,
      policy.createdAtMs,
      policy.updatedAtMs,
    );
    this.bump();
  }

  async updateManagedPolicy(policy: IamManagedPolicyRow): Promise<void> {
    this.sql(
      `UPDATE iam_managed_policies SET description = ?, default_version_id = ?, next_version = ?, updated_at = ?
       WHERE arn = ?`,
    ).run(policy.description, policy.defaultVersionId, policy.nextVersion, policy.updatedAtMs, policy.arn);
    this.bump();
  }

  async deleteManagedPolicy(arn: string): Promise<void> {
    this.sql('DELETE FROM iam_policy_versions WHERE policy_arn = ?').run(arn);
    this.sql('DELETE FROM iam_managed_policies WHERE arn = ?').run(arn);
    this.bump();
  }

  async insertPolicyVersion(version: IamPolicyVersionRow): Promise<void> {
    this.sql('INSERT INTO iam_policy_versions (policy_arn, version_id, document, created_at) VALUES (?, ?, ?, ?)').run(
      version.policyArn,
      version.versionId,
      version.document,
      version.createdAtMs,
    );
    this.bump();
  }

  async deletePolicyVersion(policyArn: string, versionId: string): Promise<void> {
    this.sql('DELETE FROM iam_policy_versions WHERE policy_arn = ? AND version_id = ?').run(policyArn, versionId);
    this.bump();
  }

  async putInlinePolicy(policy: IamInlinePolicyRow): Promise<void> {
    this.sql(
      `INSERT INTO iam_inline_policies (account_id, entity_kind, entity_name, policy_name, document)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (account_id, entity_kind, entity_name, policy_name) DO UPDATE SET document = excluded.document`,
    ).run(policy.accountId, policy.entityKind, policy.entityName, policy.policyName, policy.document);
    this.bump();
  }

  async deleteInlinePolicy(
    accountId: string,
    kind: IamEntityKind,
    entityName: string,
    policyName: string,
  ): Promise<boolean> {
    const deleted =
      this.sql(
        `DELETE FROM iam_inline_policies
         WHERE account_id = ? AND entity_kind = ? AND entity_name = ? AND policy_name = ?`,
      ).run(accountId, kind, entityName, policyName).changes > 0;
    if (deleted) this.bump();
    return deleted;
  }

  async attachPolicy(attachment: IamAttachmentRow): Promise<void> {
    this.sql(
      `INSERT INTO iam_attachments (account_id, entity_kind, entity_name, policy_arn) VALUES (?, ?, ?, ?)
       ON CONFLICT (account_id, entity_kind, entity_name, policy_arn) DO NOTHING`,
    ).run(attachment.accountId, attachment.entityKind, attachment.entityName, attachment.policyArn);
    this.bump();
  }

  async detachPolicy(attachment: IamAttachmentRow): Promise<boolean> {
    const detached =
      this.sql(
        'DELETE FROM iam_attachments WHERE account_id = ? AND entity_kind = ? AND entity_name = ? AND policy_arn = ?',
      ).run(attachment.accountId, attachment.entityKind, attachment.entityName, attachment.policyArn).changes > 0;
    if (detached) this.bump();
    return detached;
  }

  async putLoginProfile(profile: IamLoginProfileRow): Promise<void> {
    this.sql(
      `INSERT INTO iam_login_profiles (principal_arn, account_id, login_state, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (principal_arn) DO UPDATE SET login_state = excluded.login_state`,
    ).run(profile.principalArn, profile.accountId, profile.loginState, profile.createdAtMs);
    this.bump();
  }

  async updateLoginState(principalArn: string, before: string, after: string): Promise<boolean> {
    return (
      this.sql('UPDATE iam_login_profiles SET login_state = ? WHERE principal_arn = ? AND login_state = ?').run(
        after,
        principalArn,
        before,
      ).changes > 0
    );
  }

  async deleteLoginProfile(principalArn: string): Promise<boolean> {
    const deleted = this.sql('DELETE FROM iam_login_profiles WHERE principal_arn = ?').run(principalArn).changes > 0;
    if (deleted) this.bump();
    return deleted;
  }

  async insertMfaDevice(device: IamMfaDeviceRow): Promise<void> {
    this.sql(
      `INSERT INTO iam_mfa_devices (serial_number, account_id, owner_arn, sealed_seed, created_at, enabled_at,
         last_used_step, recovery_codes, failed_attempts, locked_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      device.serialNumber,
      device.accountId,
      device.ownerArn,
      device.sealedSeed,
      device.createdAtMs,
      device.enabledAtMs,
      device.lastUsedStep,
      device.recoveryCodes,
      device.failedAttempts,
      device.lockedUntilMs,
    );
    this.bump();
  }

  async updateMfaDevice(device: IamMfaDeviceRow): Promise<void> {
    this.sql(
      `UPDATE iam_mfa_devices SET owner_arn = ?, enabled_at = ?, last_used_step = ?, recovery_codes = ?,
         failed_attempts = ?, locked_until = ?
       WHERE serial_number = ?`,
    ).run(
      device.ownerArn,
      device.enabledAtMs,
      device.lastUsedStep,
      device.recoveryCodes,
      device.failedAttempts,
      device.lockedUntilMs,
      device.serialNumber,
    );
    this.bump();
  }

  async recordMfaUse(serialNumber: string, before: MfaUse, after: MfaUse): Promise<boolean> {
    return (
      this.sql(
        `UPDATE iam_mfa_devices SET last_used_step = ?, recovery_codes = ?, failed_attempts = 0
         WHERE serial_number = ? AND last_used_step IS ? AND recovery_codes = ?`,
      ).run(after.lastUsedStep, after.recoveryCodes, serialNumber, before.lastUsedStep, before.recoveryCodes).changes >
      0
    );
  }

  async countMfaFailure(
    serialNumber: string,
    nowMs: number,
    maxFailedAttempts: number,
    lockUntilMs: number,
  ): Promise<MfaFailures | undefined> {
    const row = this.sql(
      `UPDATE iam_mfa_devices SET
         failed_attempts = CASE WHEN locked_until <= :now THEN 1 ELSE failed_attempts + 1 END,
         locked_until = CASE
           WHEN locked_until > :now THEN locked_until
           WHEN (CASE WHEN locked_until <= :now THEN 1 ELSE failed_attempts + 1 END) >= :max THEN :lockUntil
           ELSE NULL END
       WHERE serial_number = :serial
       RETURNING failed_attempts, locked_until`,
    ).get({ now: nowMs, max: maxFailedAttempts, lockUntil: lockUntilMs, serial: serialNumber }) as Row | undefined;
    return row && toMfaFailures(row);
  }

  async replaceMfaSeed(serialNumber: string, sealedSeed: Uint8Array): Promise<void> {
    this.sql('UPDATE iam_mfa_devices SET sealed_seed = ? WHERE serial_number = ?').run(sealedSeed, serialNumber);
  }

  async deleteMfaDevice(serialNumber: string): Promise<void> {
    this.sql('DELETE FROM iam_mfa_devices WHERE serial_number = ?').run(serialNumber);
    this.bump();
  }

  async insertSession(session: IamSessionRow): Promise<void> {
    this.sql(
      `INSERT INTO iam_sessions (access_key_id, account_id, kind, sealed_secret, token_hash, principal_arn, role_arn,
         issued_to_arn, created_at, expires_at, mfa_authenticated_at, session_policy, session_policy_arns,
         source_identity, tags, idle_timeout, last_activity_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      session.accessKeyId,
      session.accountId,
      session.kind,
      session.sealedSecret,
      session.tokenHash,
      session.principalArn,
      session.roleArn,
      session.issuedToArn,
      session.createdAtMs,
      session.expiresAtMs,
      session.mfaAuthenticatedAtMs,
      session.sessionPolicy,
      JSON.stringify(session.sessionPolicyArns),
      session.sourceIdentity,
      JSON.stringify(session.tags),
      session.idleTimeoutMs,
      session.lastActivityAtMs,
    );
  }

  async touchSession(accessKeyId: string, lastActivityAtMs: number): Promise<void> {
    this.sql('UPDATE iam_sessions SET last_activity_at = MAX(last_activity_at, ?) WHERE access_key_id = ?').run(
      lastActivityAtMs,
      accessKeyId,
    );
  }

  async replaceSessionSecret(accessKeyId: string, sealedSecret: Uint8Array): Promise<void> {
    this.sql('UPDATE iam_sessions SET sealed_secret = ? WHERE access_key_id = ?').run(sealedSecret, accessKeyId);
  }

  async deleteSession(accessKeyId: string): Promise<void> {
    this.sql('DELETE FROM iam_sessions WHERE access_key_id = ?').run(accessKeyId);
    this.bump();
  }

  async deleteExpiredSessions(nowMs: number): Promise<number> {
    return Number(this.sql('DELETE FROM iam_sessions WHERE expires_at <= ?').run(nowMs).changes);
  }
}
