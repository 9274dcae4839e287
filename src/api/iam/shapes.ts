import type {
  GroupView,
  LoginProfileView,
  ManagedPolicyView,
  MfaDeviceView,
  RoleView,
  UserView,
} from '../../iam/index.ts';
import { encodedDocument, isoTime } from '../aws-query/input.ts';

/** IAM's response shapes (service model iam 2010-05-08), from pciq's views. */

function tagList(tags: Record<string, string>): Array<{ Key: string; Value: string }> | undefined {
  const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  return list.length ? list : undefined;
}

function boundary(arn: string | null) {
  return arn === null ? undefined : { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: arn };
}

export function userShape(user: UserView, withTags = false) {
  return {
    Path: user.path,
    UserName: user.userName,
    UserId: user.userId,
    Arn: user.arn,
    CreateDate: isoTime(user.createdAtMs),
    PasswordLastUsed: isoTime(user.passwordLastUsedMs),
    PermissionsBoundary: boundary(user.permissionsBoundary),
    Tags: withTags ? tagList(user.tags) : undefined,
  };
}

export function groupShape(group: GroupView) {
  return {
    Path: group.path,
    GroupName: group.groupName,
    GroupId: group.groupId,
    Arn: group.arn,
    CreateDate: isoTime(group.createdAtMs),
  };
}

export function roleShape(role: RoleView, detail = false) {
  return {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: isoTime(role.createdAtMs),
    AssumeRolePolicyDocument: encodedDocument(role.trustPolicy),
    Description: role.description || undefined,
    MaxSessionDuration: role.maxSessionDurationSec,
    PermissionsBoundary: boundary(role.permissionsBoundary),
    Tags: detail ? tagList(role.tags) : undefined,
    RoleLastUsed: detail ? { LastUsedDate: isoTime(role.lastUsedAtMs) } : undefined,
  };
}

export function policyShape(policy: ManagedPolicyView) {
  return {
    PolicyName: policy.policyName,
    PolicyId: policy.policyId,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: policy.defaultVersionId,
    AttachmentCount: policy.attachmentCount,
    PermissionsBoundaryUsageCount: policy.permissionsBoundaryUsageCount,
    IsAttachable: policy.isAttachable,
    Description: policy.description || undefined,
    CreateDate: isoTime(policy.createdAtMs),
    UpdateDate: isoTime(policy.updatedAtMs),
  };
}

export function policyVersionShape(version: {
  versionId: string;
  document: string;
  isDefault: boolean;
  createdAtMs: number;
}) {
  return {
    Document: encodedDocument(version.document),
    VersionId: version.versionId,
    IsDefaultVersion: version.isDefault,
    CreateDate: isoTime(version.createdAtMs),
  };
}

export function mfaDeviceShape(device: MfaDeviceView) {
  return {
    UserName: device.userName ?? undefined,
    SerialNumber: device.serialNumber,
    EnableDate: isoTime(device.enabledAtMs),
  };
}

export function loginProfileShape(profile: LoginProfileView) {
  return {
    UserName: profile.userName,
    CreateDate: isoTime(profile.createdAtMs),
    PasswordResetRequired: profile.passwordResetRequired,
  };
}

/** Lists are answered whole: pciq's accounts are small enough, and a client that pages stops at once. */
export function page<T>(name: string, items: T[]): Record<string, unknown> {
  return { [name]: items, IsTruncated: false };
}
