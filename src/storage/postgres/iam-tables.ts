import { randomUUID } from 'node:crypto';
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
import type { Sql } from './sql.ts';

/**
 * `tx.iam` on PostgreSQL: hand-written statements over the iam_* tables. Names compare in lower case (the
 * unique indexes are on lower(name)); sign-in state and code use are written only if unchanged since read,
 * so two nodes handling the same person at once cannot both win.
 */
export class PgIamTables implements IamWriteTx {
  private readonly sql: Sql;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  /** A fresh random token, never a counter: a rolled-back change must not be mistaken for a later one. */
  async bump(): Promise<void> {
    await this.sql.run('UPDATE iam_revision SET revision = $1 WHERE id = 1', [randomUUID()]);
  }

  async revision(): Promise<string> {
    return (await this.sql.one<{ revision: string }>('SELECT revision FROM iam_revision WHERE id = 1'))!.revision;
  }

  async getUser(accountId: string, userName: string): Promise<IamUserRow | undefined> {
    const row = await this.sql.one('SELECT * FROM iam_users WHERE account_id = $1 AND lower(user_name) = lower($2)', [
      accountId,
      userName,
    ]);
    return row ? toUser(row) : undefined;
  }

  async listUsers(accountId: string): Promise<IamUserRow[]> {
    return (
      await this.sql.rows('SELECT * FROM iam_users WHERE account_id = $1 ORDER BY lower(user_name)', [accountId])
    ).map(toUser);
  }

  async getGroup(accountId: string, groupName: string): Promise<IamGroupRow | undefined> {
    const row = await this.sql.one('SELECT * FROM iam_groups WHERE account_id = $1 AND lower(group_name) = lower($2)', [
      accountId,
      groupName,
    ]);
    return row ? toGroup(row) : undefined;
  }

  async listGroups(accountId: string): Promise<IamGroupRow[]> {
    return (
      await this.sql.rows('SELECT * FROM iam_groups WHERE account_id = $1 ORDER BY lower(group_name)', [accountId])
    ).map(toGroup);
  }

  async getRole(accountId: string, roleName: string): Promise<IamRoleRow | undefined> {
    const row = await this.sql.one('SELECT * FROM iam_roles WHERE account_id = $1 AND lower(role_name) = lower($2)', [
      accountId,
      roleName,
    ]);
    return row ? toRole(row) : undefined;
  }

  async listRoles(accountId: string): Promise<IamRoleRow[]> {
    return (
      await this.sql.rows('SELECT * FROM iam_roles WHERE account_id = $1 ORDER BY lower(role_name)', [accountId])
    ).map(toRole);
  }

  async listMemberships(accountId: string): Promise<IamMembershipRow[]> {
    return (
      await this.sql.rows(
        'SELECT * FROM iam_memberships WHERE account_id = $1 ORDER BY lower(group_name), lower(user_name)',
        [accountId],
      )
    ).map((row) => ({
      accountId: String(row['account_id']),
      groupName: String(row['group_name']),
      userName: String(row['user_name']),
    }));
  }

  async listGroupsOfUser(accountId: string, userName: string): Promise<string[]> {
    return (
      await this.sql.rows(
        `SELECT g.group_name FROM iam_memberships m JOIN iam_groups g
           ON g.account_id = m.account_id AND lower(g.group_name) = lower(m.group_name)
         WHERE m.account_id = $1 AND lower(m.user_name) = lower($2) ORDER BY lower(g.group_name)`,
        [accountId, userName],
      )
    ).map((row) => String(row['group_name']));
  }

  async listUsersOfGroup(accountId: string, groupName: string): Promise<string[]> {
    return (
      await this.sql.rows(
        `SELECT u.user_name FROM iam_memberships m JOIN iam_users u
           ON u.account_id = m.account_id AND lower(u.user_name) = lower(m.user_name)
         WHERE m.account_id = $1 AND lower(m.group_name) = lower($2) ORDER BY lower(u.user_name)`,
        [accountId, groupName],
      )
    ).map((row) => String(row['user_name']));
  }

  async getManagedPolicy(arn: string): Promise<IamManagedPolicyRow | undefined> {
    const row = await this.sql.one('SELECT * FROM iam_managed_policies WHERE arn = $1', [arn]);
    return row ? toManagedPolicy(row) : undefined;
  }

  async listManagedPolicies(accountId: string): Promise<IamManagedPolicyRow[]> {
    return (
      await this.sql.rows('SELECT * FROM iam_managed_policies WHERE account_id = $1 ORDER BY lower(policy_name)', [
        accountId,
      ])
    ).map(toManagedPolicy);
  }

  async getPolicyVersion(policyArn: string, versionId: string): Promise<IamPolicyVersionRow | undefined> {
    const row = await this.sql.one('SELECT * FROM iam_policy_versions WHERE policy_arn = $1 AND version_id = $2', [
      policyArn,
      versionId,
    ]);
    return row ? toPolicyVersion(row) : undefined;
  }

  async listPolicyVersions(policyArn: string): Promise<IamPolicyVersionRow[]> {
    return (
      await this.sql.rows(
        'SELECT * FROM iam_policy_versions WHERE policy_arn = $1 ORDER BY created_at DESC, version_id DESC',
        [policyArn],
      )
    ).map(toPolicyVersion);
  }

  async getInlinePolicy(
    accountId: string,
    kind: IamEntityKind,
    entityName: string,
    policyName: string,
  ): Promise<IamInlinePolicyRow | undefined> {
    const row = await this.sql.one(
      `SELECT * FROM iam_inline_policies WHERE account_id = $1 AND entity_kind = $2
         AND lower(entity_name) = lower($3) AND lower(policy_name) = lower($4)`,
      [accountId, kind, entityName, policyName],
    );
    return row ? toInline(row) : undefined;
  }

  async listInlinePolicies(
    accountId: string,
    kind?: IamEntityKind,
    entityName?: string,
  ): Promise<IamInlinePolicyRow[]> {
    const rows =
      kind === undefined
        ? await this.sql.rows(
            'SELECT * FROM iam_inline_policies WHERE account_id = $1 ORDER BY lower(entity_name), lower(policy_name)',
            [accountId],
          )
        : await this.sql.rows(
            `SELECT * FROM iam_inline_policies WHERE account_id = $1 AND entity_kind = $2
               AND lower(entity_name) = lower($3) ORDER BY lower(policy_name)`,
            [accountId, kind, entityName ?? ''],
          );
    return rows.map(toInline);
  }

  async listAttachments(accountId: string, kind?: IamEntityKind, entityName?: string): Promise<IamAttachmentRow[]> {
    const rows =
      kind === undefined
        ? await this.sql.rows(
            'SELECT * FROM iam_attachments WHERE account_id = $1 ORDER BY lower(entity_name), policy_arn',
            [accountId],
          )
        : await this.sql.rows(
            `SELECT * FROM iam_attachments WHERE account_id = $1 AND entity_kind = $2 AND lower(entity_name) = lower($3)
             ORDER BY policy_arn`,
            [accountId, kind, entityName ?? ''],
          );
    return rows.map(toAttachment);
  }

  async listAttachmentsOfPolicy(policyArn: string): Promise<IamAttachmentRow[]> {
    return (
      await this.sql.rows(
        'SELECT * FROM iam_attachments WHERE policy_arn = $1 ORDER BY entity_kind, lower(entity_name)',
        [policyArn],
      )
    ).map(toAttachment);
  }

  async getLoginProfile(principalArn: string): Promise<IamLoginProfileRow | undefined> {
    const row = await this.sql.one('SELECT * FROM iam_login_profiles WHERE principal_arn = $1', [principalArn]);
    return row ? toLoginProfile(row) : undefined;
  }

  async listLoginProfiles(accountId: string): Promise<IamLoginProfileRow[]> {
    return (
      await this.sql.rows('SELECT * FROM iam_login_profiles WHERE account_id = $1 ORDER BY principal_arn', [accountId])
    ).map(toLoginProfile);
  }

  async getMfaDevice(serialNumber: string): Promise<IamMfaDeviceRow | undefined> {
    const row = await this.sql.one('SELECT * FROM iam_mfa_devices WHERE serial_number = $1', [serialNumber]);
    return row ? toMfaDevice(row) : undefined;
  }

  async listMfaDevices(accountId: string): Promise<IamMfaDeviceRow[]> {
    return (
      await this.sql.rows('SELECT * FROM iam_mfa_devices WHERE account_id = $1 ORDER BY serial_number', [accountId])
    ).map(toMfaDevice);
  }

  async getSession(accessKeyId: string): Promise<IamSessionRow | undefined> {
    const row = await this.sql.one('SELECT * FROM iam_sessions WHERE access_key_id = $1', [accessKeyId]);
    return row ? toSession(row) : undefined;
  }

  async listSessions(accountId: string): Promise<IamSessionRow[]> {
    return (
      await this.sql.rows('SELECT * FROM iam_sessions WHERE account_id = $1 ORDER BY created_at', [accountId])
    ).map(toSession);
  }

  async insertUser(user: IamUserRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO iam_users (account_id, user_name, user_id, path, created_at, tags, permissions_boundary)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        user.accountId,
        user.userName,
        user.userId,
        user.path,
        user.createdAtMs,
        JSON.stringify(user.tags),
        user.permissionsBoundary,
      ],
    );
    await this.bump();
  }

  async updateUser(user: IamUserRow): Promise<void> {
    await this.sql.run('UPDATE iam_users SET path = $1, tags = $2, permissions_boundary = $3 WHERE user_id = $4', [
      user.path,
      JSON.stringify(user.tags),
      user.permissionsBoundary,
      user.userId,
    ]);
    await this.bump();
  }

  async deleteUser(accountId: string, userName: string): Promise<void> {
    await this.sql.run('DELETE FROM iam_users WHERE account_id = $1 AND lower(user_name) = lower($2)', [
      accountId,
      userName,
    ]);
    await this.bump();
  }

  async insertGroup(group: IamGroupRow): Promise<void> {
    await this.sql.run(
      'INSERT INTO iam_groups (account_id, group_name, group_id, path, created_at) VALUES ($1, $2, $3, $4, $5)',
      [group.accountId, group.groupName, group.groupId, group.path, group.createdAtMs],
    );
    await this.bump();
  }

  async updateGroup(group: IamGroupRow): Promise<void> {
    await this.sql.run('UPDATE iam_groups SET path = $1 WHERE group_id = $2', [group.path, group.groupId]);
    await this.bump();
  }

  async deleteGroup(accountId: string, groupName: string): Promise<void> {
    await this.sql.run('DELETE FROM iam_groups WHERE account_id = $1 AND lower(group_name) = lower($2)', [
      accountId,
      groupName,
    ]);
    await this.bump();
  }

  async addMembership(membership: IamMembershipRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO iam_memberships (account_id, group_name, user_name) VALUES ($1, $2, $3)
       ON CONFLICT (account_id, lower(group_name), lower(user_name)) DO NOTHING`,
      [membership.accountId, membership.groupName, membership.userName],
    );
    await this.bump();
  }

  async removeMembership(membership: IamMembershipRow): Promise<boolean> {
    const removed =
      (await this.sql.run(
        `DELETE FROM iam_memberships
         WHERE account_id = $1 AND lower(group_name) = lower($2) AND lower(user_name) = lower($3)`,
        [membership.accountId, membership.groupName, membership.userName],
      )) > 0;
    if (removed) await this.bump();
    return removed;
  }

  async insertRole(role: IamRoleRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO iam_roles (account_id, role_name, role_id, path, description, trust_policy, max_session_duration,
         created_at, tags, permissions_boundary, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
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
      ],
    );
    await this.bump();
  }

  async updateRole(role: IamRoleRow): Promise<void> {
    await this.sql.run(
      `UPDATE iam_roles SET description = $1, trust_policy = $2, max_session_duration = $3, tags = $4,
         permissions_boundary = $5 WHERE role_id = $6`,
      [
        role.description,
        role.trustPolicy,
        role.maxSessionDurationSec,
        JSON.stringify(role.tags),
        role.permissionsBoundary,
        role.roleId,
      ],
    );
    await this.bump();
  }

  async touchRole(accountId: string, roleName: string, lastUsedAtMs: number): Promise<void> {
    await this.sql.run(
      'UPDATE iam_roles SET last_used_at = $1 WHERE account_id = $2 AND lower(role_name) = lower($3)',
      [lastUsedAtMs, accountId, roleName],
    );
  }

  async deleteRole(accountId: string, roleName: string): Promise<void> {
    await this.sql.run('DELETE FROM iam_roles WHERE account_id = $1 AND lower(role_name) = lower($2)', [
      accountId,
      roleName,
    ]);
    await this.bump();
  }

  async insertManagedPolicy(policy: IamManagedPolicyRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO iam_managed_policies (arn, account_id, policy_name, policy_id, path, description,
         default_version_id, next_version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
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
      ],
    );
    await this.bump();
  }

  async updateManagedPolicy(policy: IamManagedPolicyRow): Promise<void> {
    await this.sql.run(
      `UPDATE iam_managed_policies SET description = $1, default_version_id = $2, next_version = $3, updated_at = $4
       WHERE arn = $5`,
      [policy.description, policy.defaultVersionId, policy.nextVersion, policy.updatedAtMs, policy.arn],
    );
    await this.bump();
  }

  async deleteManagedPolicy(arn: string): Promise<void> {
    await this.sql.run('DELETE FROM iam_policy_versions WHERE policy_arn = $1', [arn]);
    await this.sql.run('DELETE FROM iam_managed_policies WHERE arn = $1', [arn]);
    await this.bump();
  }

  async insertPolicyVersion(version: IamPolicyVersionRow): Promise<void> {
    await this.sql.run(
      'INSERT INTO iam_policy_versions (policy_arn, version_id, document, created_at) VALUES ($1, $2, $3, $4)',
      [version.policyArn, version.versionId, version.document, version.createdAtMs],
    );
    await this.bump();
  }

  async deletePolicyVersion(policyArn: string, versionId: string): Promise<void> {
    await this.sql.run('DELETE FROM iam_policy_versions WHERE policy_arn = $1 AND version_id = $2', [
      policyArn,
      versionId,
    ]);
    await this.bump();
  }

  async putInlinePolicy(policy: IamInlinePolicyRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO iam_inline_policies (account_id, entity_kind, entity_name, policy_name, document)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account_id, entity_kind, lower(entity_name), lower(policy_name))
       DO UPDATE SET document = excluded.document`,
      [policy.accountId, policy.entityKind, policy.entityName, policy.policyName, policy.document],
    );
    await this.bump();
  }

  async deleteInlinePolicy(
    accountId: string,
    kind: IamEntityKind,
    entityName: string,
    policyName: string,
  ): Promise<boolean> {
    const deleted =
      (await this.sql.run(
        `DELETE FROM iam_inline_policies WHERE account_id = $1 AND entity_kind = $2
           AND lower(entity_name) = lower($3) AND lower(policy_name) = lower($4)`,
        [accountId, kind, entityName, policyName],
      )) > 0;
    if (deleted) await this.bump();
    return deleted;
  }

  async attachPolicy(attachment: IamAttachmentRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO iam_attachments (account_id, entity_kind, entity_name, policy_arn) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account_id, entity_kind, lower(entity_name), policy_arn) DO NOTHING`,
      [attachment.accountId, attachment.entityKind, attachment.entityName, attachment.policyArn],
    );
    await this.bump();
  }

  async detachPolicy(attachment: IamAttachmentRow): Promise<boolean> {
    const detached =
      (await this.sql.run(
        `DELETE FROM iam_attachments WHERE account_id = $1 AND entity_kind = $2 AND lower(entity_name) = lower($3)
           AND policy_arn = $4`,
        [attachment.accountId, attachment.entityKind, attachment.entityName, attachment.policyArn],
      )) > 0;
    if (detached) await this.bump();
    return detached;
  }

  async putLoginProfile(profile: IamLoginProfileRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO iam_login_profiles (principal_arn, account_id, login_state, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (principal_arn) DO UPDATE SET login_state = excluded.login_state`,
      [profile.principalArn, profile.accountId, profile.loginState, profile.createdAtMs],
    );
    await this.bump();
  }

  async updateLoginState(principalArn: string, before: string, after: string): Promise<boolean> {
    return (
      (await this.sql.run(
        'UPDATE iam_login_profiles SET login_state = $1 WHERE principal_arn = $2 AND login_state = $3',
        [after, principalArn, before],
      )) > 0
    );
  }

  async deleteLoginProfile(principalArn: string): Promise<boolean> {
    const deleted = (await this.sql.run('DELETE FROM iam_login_profiles WHERE principal_arn = $1', [principalArn])) > 0;
    if (deleted) await this.bump();
    return deleted;
  }

  async insertMfaDevice(device: IamMfaDeviceRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO iam_mfa_devices (serial_number, account_id, owner_arn, sealed_seed, created_at, enabled_at,
         last_used_step, recovery_codes, failed_attempts, locked_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
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
      ],
    );
    await this.bump();
  }

  async updateMfaDevice(device: IamMfaDeviceRow): Promise<void> {
    await this.sql.run(
      `UPDATE iam_mfa_devices SET owner_arn = $1, enabled_at = $2, last_used_step = $3, recovery_codes = $4,
         failed_attempts = $5, locked_until = $6
       WHERE serial_number = $7`,
      [
        device.ownerArn,
        device.enabledAtMs,
        device.lastUsedStep,
        device.recoveryCodes,
        device.failedAttempts,
        device.lockedUntilMs,
        device.serialNumber,
      ],
    );
    await this.bump();
  }

  async recordMfaUse(serialNumber: string, before: MfaUse, after: MfaUse): Promise<boolean> {
    return (
      (await this.sql.run(
        `UPDATE iam_mfa_devices SET last_used_step = $1, recovery_codes = $2, failed_attempts = 0
         WHERE serial_number = $3 AND last_used_step IS NOT DISTINCT FROM $4::bigint AND recovery_codes = $5`,
        [after.lastUsedStep, after.recoveryCodes, serialNumber, before.lastUsedStep, before.recoveryCodes],
      )) > 0
    );
  }

  async countMfaFailure(
    serialNumber: string,
    nowMs: number,
    maxFailedAttempts: number,
    lockUntilMs: number,
  ): Promise<MfaFailures | undefined> {
    const row = await this.sql.one(
      `UPDATE iam_mfa_devices SET
         failed_attempts = CASE WHEN locked_until <= $1::bigint THEN 1 ELSE failed_attempts + 1 END,
         locked_until = CASE
           WHEN locked_until > $1::bigint THEN locked_until
           WHEN (CASE WHEN locked_until <= $1::bigint THEN 1 ELSE failed_attempts + 1 END) >= $2::integer
             THEN $3::bigint
           ELSE NULL END
       WHERE serial_number = $4
       RETURNING failed_attempts, locked_until`,
      [nowMs, maxFailedAttempts, lockUntilMs, serialNumber],
    );
    return row && toMfaFailures(row);
  }

  async replaceMfaSeed(serialNumber: string, sealedSeed: Uint8Array): Promise<void> {
    await this.sql.run('UPDATE iam_mfa_devices SET sealed_seed = $1 WHERE serial_number = $2', [
      sealedSeed,
      serialNumber,
    ]);
  }

  async deleteMfaDevice(serialNumber: string): Promise<void> {
    await this.sql.run('DELETE FROM iam_mfa_devices WHERE serial_number = $1', [serialNumber]);
    await this.bump();
  }

  async insertSession(session: IamSessionRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO iam_sessions (access_key_id, account_id, kind, sealed_secret, token_hash, principal_arn, role_arn,
         issued_to_arn, created_at, expires_at, mfa_authenticated_at, session_policy, session_policy_arns,
         source_identity, tags, idle_timeout, last_activity_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      [
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
      ],
    );
  }

  async touchSession(accessKeyId: string, lastActivityAtMs: number): Promise<void> {
    await this.sql.run(
      'UPDATE iam_sessions SET last_activity_at = GREATEST(last_activity_at, $1) WHERE access_key_id = $2',
      [lastActivityAtMs, accessKeyId],
    );
  }

  async replaceSessionSecret(accessKeyId: string, sealedSecret: Uint8Array): Promise<void> {
    await this.sql.run('UPDATE iam_sessions SET sealed_secret = $1 WHERE access_key_id = $2', [
      sealedSecret,
      accessKeyId,
    ]);
  }

  async deleteSession(accessKeyId: string): Promise<void> {
    await this.sql.run('DELETE FROM iam_sessions WHERE access_key_id = $1', [accessKeyId]);
    await this.bump();
  }

  async deleteExpiredSessions(nowMs: number): Promise<number> {
    return this.sql.run('DELETE FROM iam_sessions WHERE expires_at <= $1', [nowMs]);
  }
}
