import type {
  IamAttachmentRow,
  IamEntityKind,
  IamGroupRow,
  IamInlinePolicyRow,
  IamLoginProfileRow,
  IamManagedPolicyRow,
  IamMfaDeviceRow,
  IamPolicyVersionRow,
  IamRoleRow,
  IamSessionKind,
  IamSessionRow,
  IamUserRow,
  MfaFailures,
} from './iam.ts';

/**
 * Rows of the iam_* tables as both drivers return them (the same snake_case columns, milliseconds as numbers,
 * sealed values as bytes), turned into the contract's shapes.
 */
type Row = Record<string, unknown>;

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function nullableString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function tagsOf(value: unknown): Record<string, string> {
  return JSON.parse(String(value)) as Record<string, string>;
}

export function toUser(row: Row): IamUserRow {
  return {
    accountId: String(row['account_id']),
    userName: String(row['user_name']),
    userId: String(row['user_id']),
    path: String(row['path']),
    createdAtMs: Number(row['created_at']),
    tags: tagsOf(row['tags']),
    permissionsBoundary: nullableString(row['permissions_boundary']),
  };
}

export function toGroup(row: Row): IamGroupRow {
  return {
    accountId: String(row['account_id']),
    groupName: String(row['group_name']),
    groupId: String(row['group_id']),
    path: String(row['path']),
    createdAtMs: Number(row['created_at']),
  };
}

export function toRole(row: Row): IamRoleRow {
  return {
    accountId: String(row['account_id']),
    roleName: String(row['role_name']),
    roleId: String(row['role_id']),
    path: String(row['path']),
    description: String(row['description']),
    trustPolicy: String(row['trust_policy']),
    maxSessionDurationSec: Number(row['max_session_duration']),
    createdAtMs: Number(row['created_at']),
    tags: tagsOf(row['tags']),
    permissionsBoundary: nullableString(row['permissions_boundary']),
    lastUsedAtMs: nullableNumber(row['last_used_at']),
  };
}

export function toManagedPolicy(row: Row): IamManagedPolicyRow {
  return {
    arn: String(row['arn']),
    accountId: String(row['account_id']),
    policyName: String(row['policy_name']),
    policyId: String(row['policy_id']),
    path: String(row['path']),
    description: String(row['description']),
    defaultVersionId: String(row['default_version_id']),
    nextVersion: Number(row['next_version']),
    createdAtMs: Number(row['created_at']),
    updatedAtMs: Number(row['updated_at']),
  };
}

export function toPolicyVersion(row: Row): IamPolicyVersionRow {
  return {
    policyArn: String(row['policy_arn']),
    versionId: String(row['version_id']),
    document: String(row['document']),
    createdAtMs: Number(row['created_at']),
  };
}

export function toInline(row: Row): IamInlinePolicyRow {
  return {
    accountId: String(row['account_id']),
    entityKind: String(row['entity_kind']) as IamEntityKind,
    entityName: String(row['entity_name']),
    policyName: String(row['policy_name']),
    document: String(row['document']),
  };
}

export function toAttachment(row: Row): IamAttachmentRow {
  return {
    accountId: String(row['account_id']),
    entityKind: String(row['entity_kind']) as IamEntityKind,
    entityName: String(row['entity_name']),
    policyArn: String(row['policy_arn']),
  };
}

export function toLoginProfile(row: Row): IamLoginProfileRow {
  return {
    principalArn: String(row['principal_arn']),
    accountId: String(row['account_id']),
    loginState: String(row['login_state']),
    createdAtMs: Number(row['created_at']),
  };
}

export function toMfaDevice(row: Row): IamMfaDeviceRow {
  return {
    serialNumber: String(row['serial_number']),
    accountId: String(row['account_id']),
    ownerArn: nullableString(row['owner_arn']),
    sealedSeed: row['sealed_seed'] as Uint8Array,
    createdAtMs: Number(row['created_at']),
    enabledAtMs: nullableNumber(row['enabled_at']),
    lastUsedStep: nullableNumber(row['last_used_step']),
    recoveryCodes: String(row['recovery_codes']),
    failedAttempts: Number(row['failed_attempts'] ?? 0),
    lockedUntilMs: nullableNumber(row['locked_until']),
  };
}

export function toMfaFailures(row: Row): MfaFailures {
  return { failedAttempts: Number(row['failed_attempts']), lockedUntilMs: nullableNumber(row['locked_until']) };
}

export function toSession(row: Row): IamSessionRow {
  return {
    accessKeyId: String(row['access_key_id']),
    accountId: String(row['account_id']),
    kind: String(row['kind']) as IamSessionKind,
    sealedSecret: row['sealed_secret'] as Uint8Array,
    tokenHash: String(row['token_hash']),
    principalArn: String(row['principal_arn']),
    roleArn: nullableString(row['role_arn']),
    issuedToArn: String(row['issued_to_arn']),
    createdAtMs: Number(row['created_at']),
    expiresAtMs: Number(row['expires_at']),
    mfaAuthenticatedAtMs: nullableNumber(row['mfa_authenticated_at']),
    sessionPolicy: nullableString(row['session_policy']),
    sessionPolicyArns: JSON.parse(String(row['session_policy_arns'])) as string[],
    sourceIdentity: nullableString(row['source_identity']),
    tags: tagsOf(row['tags']),
    idleTimeoutMs: nullableNumber(row['idle_timeout']),
    lastActivityAtMs: Number(row['last_activity_at']),
  };
}
