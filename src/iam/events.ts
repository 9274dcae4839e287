import type { WriteTx } from '../storage/index.ts';

/**
 * What IAM reports to the audit trail (PCI DSS 10.2.1.2, 10.2.1.4, 10.2.1.5, 10.2.2): every change to an
 * identity, policy, credential or MFA device, every sign-in attempt and lockout, every session issued, and
 * every authorization refused. Never a password, secret, token, TOTP seed or code: policy documents appear
 * as keyed hashes, credentials by their ids.
 *
 * | type | resource | details |
 * |---|---|---|
 * | `iam:CreateUser` `iam:DeleteUser` `iam:TagUser` `iam:UntagUser` `iam:CreateGroup` `iam:DeleteGroup` `iam:CreateRole` `iam:DeleteRole` `iam:UpdateRole` `iam:TagRole` `iam:UntagRole` | the entity's ARN | `group`, `tagKeys` |
 * | `iam:AddUserToGroup` `iam:RemoveUserFromGroup` | user ARN | `group` |
 * | `iam:PutPolicy` `iam:DeletePolicy` `iam:AttachPolicy` `iam:DetachPolicy` `iam:CreatePolicy` `iam:CreatePolicyVersion` `iam:SetDefaultPolicyVersion` `iam:PutPermissionsBoundary` `iam:DeletePermissionsBoundary` `iam:UpdateAssumeRolePolicy` | entity or policy ARN | `policyName`, `policyArn`, `policyHash` (keyed) |
 * | `iam:CreateAccessKey` `iam:UpdateAccessKey` `iam:DeleteAccessKey` | user ARN | `accessKeyId`, `status` |
 * | `iam:CreateLoginProfile` `iam:UpdateLoginProfile` `iam:DeleteLoginProfile` `iam:ChangePassword` | user or root ARN | `mustChangePassword`; refusals carry `error` and `rules` |
 * | `iam:CreateVirtualMfaDevice` `iam:EnableMfaDevice` `iam:DeactivateMfaDevice` `iam:DeleteVirtualMfaDevice` | user or root ARN | `serialNumber` |
 * | `iam:Login` | user or root ARN | `mfa`, `reason` of a failure, `failedAttempts` |
 * | `iam:Lockout` | user or root ARN | `lockedUntil`, `failedAttempts`; `serialNumber` when an MFA device locked |
 * | `iam:MfaCheck` | user or root ARN | `serialNumber`, `reason` (`invalid`, `replayed`) of a failure |
 * | `iam:IssueSession` | the session's principal ARN | `accessKeyId`, `kind`, `expiration`, `mfa`, `roleArn`, `sourceIdentity` |
 * | `iam:AccessDenied` | the resource acted on | `action`, `reason`, `statement` (which Deny decided, if one did) |
 */
export interface IamAuditEvent {
  type: string;
  outcome: 'success' | 'failure';
  /** The error code of a failure, never its message. */
  error?: string;
  resource?: string;
  details?: Record<string, string | number | boolean | null>;
  /** Who did it, when not the caller of the request it happens in (the person signing in). */
  actor?: { principal: string | null; accessKeyId: string | null; accountId: string | null };
  /**
   * The error code the request will answer with although the event's unit of work commits (a refused sign-in
   * still counts the failed attempt), so the request's record says it failed.
   */
  requestError?: string;
}

/** Where IAM's events go; the audit trail's `AuditEvents` is one. */
export interface IamAuditSink {
  /** Inside the write transaction of the change: the event commits with it, or not at all. */
  record(tx: WriteTx, event: IamAuditEvent): Promise<void>;
  /** An event with no change to commit with (an authorization refused), recorded at once. */
  recordAlone(event: IamAuditEvent): Promise<void>;
}

/** For code that runs without an audit trail (tests of the pure parts, benchmarks that measure without it). */
export const unauditedIam: IamAuditSink = {
  record: async () => undefined,
  recordAlone: async () => undefined,
};
