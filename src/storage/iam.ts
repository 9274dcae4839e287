/**
 * The identity part of the storage contract (`tx.iam`): users, groups, roles, managed and inline policies,
 * attachments, people's login profiles, MFA devices and temporary sessions. Every change that can alter a
 * decision (an identity, a policy, an attachment, a membership, an access key) replaces the revision, a random
 * token, so every process and node can tell cheaply whether the policies it compiled are still current.
 * Bookkeeping that decides nothing (sign-in counters, a code's time step, a session's last activity) does not.
 *
 * Names of users, groups, roles and policies are unique per account without regard to case, as in AWS IAM.
 */

export type IamEntityKind = 'user' | 'group' | 'role';

export interface IamUserRow {
  accountId: string;
  userName: string;
  /** AWS's unique id: `AIDA` and 17 characters; never reused, unlike the name. */
  userId: string;
  path: string;
  createdAtMs: number;
  tags: Record<string, string>;
  /** ARN of the managed policy that bounds the user's permissions, or null. */
  permissionsBoundary: string | null;
}

export interface IamGroupRow {
  accountId: string;
  groupName: string;
  groupId: string;
  path: string;
  createdAtMs: number;
}

export interface IamRoleRow {
  accountId: string;
  roleName: string;
  roleId: string;
  path: string;
  description: string;
  /** The AssumeRolePolicyDocument as given (validated). */
  trustPolicy: string;
  maxSessionDurationSec: number;
  createdAtMs: number;
  tags: Record<string, string>;
  permissionsBoundary: string | null;
  lastUsedAtMs: number | null;
}

export interface IamManagedPolicyRow {
  arn: string;
  accountId: string;
  policyName: string;
  policyId: string;
  path: string;
  description: string;
  /** `v1`, `v2`, … */
  defaultVersionId: string;
  /** The number the next version gets (versions are never renumbered). */
  nextVersion: number;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface IamPolicyVersionRow {
  policyArn: string;
  versionId: string;
  document: string;
  createdAtMs: number;
}

export interface IamInlinePolicyRow {
  accountId: string;
  entityKind: IamEntityKind;
  entityName: string;
  policyName: string;
  document: string;
}

export interface IamAttachmentRow {
  accountId: string;
  entityKind: IamEntityKind;
  entityName: string;
  policyArn: string;
}

export interface IamMembershipRow {
  accountId: string;
  groupName: string;
  userName: string;
}

/** A person's password record (the serialised `LoginState` of `iam/passwords`), per user or account root. */
export interface IamLoginProfileRow {
  principalArn: string;
  accountId: string;
  /** JSON; opaque to storage. */
  loginState: string;
  createdAtMs: number;
}

export interface IamMfaDeviceRow {
  /** `arn:aws:iam::ACCOUNT:mfa/PATH/NAME`. */
  serialNumber: string;
  accountId: string;
  /** The user or root the device is enabled for; null while it is only created (not yet enabled). */
  ownerArn: string | null;
  /** The TOTP seed, sealed by `crypto/`; never stored in clear. */
  sealedSeed: Uint8Array;
  createdAtMs: number;
  enabledAtMs: number | null;
  /** The time step of the last code accepted: a code is good once (PCI DSS 8.5.1). */
  lastUsedStep: number | null;
  /** JSON of the recovery codes' hashes and use; opaque to storage. */
  recoveryCodes: string;
  /** Consecutive wrong codes since the last accepted one (PCI DSS 8.3.4 for the second factor). */
  failedAttempts: number;
  /** Until when the device refuses every code after too many wrong ones; null when not locked. */
  lockedUntilMs: number | null;
}

/** A device's count of wrong codes and its lock, as `countMfaFailure` leaves them. */
export interface MfaFailures {
  failedAttempts: number;
  lockedUntilMs: number | null;
}

/** What a device records about the codes accepted so far. */
export interface MfaUse {
  lastUsedStep: number | null;
  recoveryCodes: string;
}

export type IamSessionKind = 'session-token' | 'assumed-role' | 'sign-in';

/** Temporary credentials issued by STS (GetSessionToken, AssumeRole) or by a person's sign-in. */
export interface IamSessionRow {
  /** `ASIA` and 16 characters. */
  accessKeyId: string;
  accountId: string;
  kind: IamSessionKind;
  /** The secret, sealed by `crypto/`. */
  sealedSecret: Uint8Array;
  /** SHA-256 of the session token, hex: the token is checked, never kept. */
  tokenHash: string;
  /** Who acts: a user or root ARN, or `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`. */
  principalArn: string;
  /** For role sessions, the role's ARN (with its path). */
  roleArn: string | null;
  /** Who obtained the credentials (the caller of AssumeRole or GetSessionToken, the person signing in). */
  issuedToArn: string;
  createdAtMs: number;
  expiresAtMs: number;
  /** When a TOTP code was checked for this session; null without MFA. */
  mfaAuthenticatedAtMs: number | null;
  /** An inline session policy (AssumeRole `Policy`), as given; null for none. */
  sessionPolicy: string | null;
  /** Managed policies passed as session policies (AssumeRole `PolicyArns`). */
  sessionPolicyArns: string[];
  sourceIdentity: string | null;
  /** Session tags (AssumeRole `Tags`). */
  tags: Record<string, string>;
  /** 8.2.8: a person's session ends after this long without a request; null for machine sessions. */
  idleTimeoutMs: number | null;
  lastActivityAtMs: number;
}

export interface IamReadTx {
  revision(): Promise<string>;

  getUser(accountId: string, userName: string): Promise<IamUserRow | undefined>;
  listUsers(accountId: string): Promise<IamUserRow[]>;
  getGroup(accountId: string, groupName: string): Promise<IamGroupRow | undefined>;
  listGroups(accountId: string): Promise<IamGroupRow[]>;
  getRole(accountId: string, roleName: string): Promise<IamRoleRow | undefined>;
  listRoles(accountId: string): Promise<IamRoleRow[]>;

  listMemberships(accountId: string): Promise<IamMembershipRow[]>;
  listGroupsOfUser(accountId: string, userName: string): Promise<string[]>;
  listUsersOfGroup(accountId: string, groupName: string): Promise<string[]>;

  getManagedPolicy(arn: string): Promise<IamManagedPolicyRow | undefined>;
  listManagedPolicies(accountId: string): Promise<IamManagedPolicyRow[]>;
  getPolicyVersion(policyArn: string, versionId: string): Promise<IamPolicyVersionRow | undefined>;
  listPolicyVersions(policyArn: string): Promise<IamPolicyVersionRow[]>;

  getInlinePolicy(
    accountId: string,
    kind: IamEntityKind,
    entityName: string,
    policyName: string,
  ): Promise<IamInlinePolicyRow | undefined>;
  listInlinePolicies(accountId: string, kind?: IamEntityKind, entityName?: string): Promise<IamInlinePolicyRow[]>;
  listAttachments(accountId: string, kind?: IamEntityKind, entityName?: string): Promise<IamAttachmentRow[]>;
  /** Every attachment of one managed policy (in any account: AWS managed policies are shared). */
  listAttachmentsOfPolicy(policyArn: string): Promise<IamAttachmentRow[]>;

  getLoginProfile(principalArn: string): Promise<IamLoginProfileRow | undefined>;
  listLoginProfiles(accountId: string): Promise<IamLoginProfileRow[]>;

  getMfaDevice(serialNumber: string): Promise<IamMfaDeviceRow | undefined>;
  listMfaDevices(accountId: string): Promise<IamMfaDeviceRow[]>;

  getSession(accessKeyId: string): Promise<IamSessionRow | undefined>;
  listSessions(accountId: string): Promise<IamSessionRow[]>;
}

export interface IamWriteTx extends IamReadTx {
  insertUser(user: IamUserRow): Promise<void>;
  /** Replaces path, tags and boundary of the user whose id is `user.userId` (names do not change). */
  updateUser(user: IamUserRow): Promise<void>;
  deleteUser(accountId: string, userName: string): Promise<void>;

  insertGroup(group: IamGroupRow): Promise<void>;
  /** Replaces the path of the group whose id is `group.groupId`. */
  updateGroup(group: IamGroupRow): Promise<void>;
  deleteGroup(accountId: string, groupName: string): Promise<void>;
  addMembership(membership: IamMembershipRow): Promise<void>;
  removeMembership(membership: IamMembershipRow): Promise<boolean>;

  insertRole(role: IamRoleRow): Promise<void>;
  /** Replaces description, trust policy, session duration, tags and boundary of the role `role.roleId`. */
  updateRole(role: IamRoleRow): Promise<void>;
  /** Records a role's last use without changing the revision (usage is not policy). */
  touchRole(accountId: string, roleName: string, lastUsedAtMs: number): Promise<void>;
  deleteRole(accountId: string, roleName: string): Promise<void>;

  insertManagedPolicy(policy: IamManagedPolicyRow): Promise<void>;
  updateManagedPolicy(policy: IamManagedPolicyRow): Promise<void>;
  /** Deletes the policy and all its versions. */
  deleteManagedPolicy(arn: string): Promise<void>;
  insertPolicyVersion(version: IamPolicyVersionRow): Promise<void>;
  deletePolicyVersion(policyArn: string, versionId: string): Promise<void>;

  /** Creates or replaces an inline policy. */
  putInlinePolicy(policy: IamInlinePolicyRow): Promise<void>;
  deleteInlinePolicy(accountId: string, kind: IamEntityKind, entityName: string, policyName: string): Promise<boolean>;
  attachPolicy(attachment: IamAttachmentRow): Promise<void>;
  detachPolicy(attachment: IamAttachmentRow): Promise<boolean>;

  /** Creates or replaces a login profile (a new password, an administrator's reset). */
  putLoginProfile(profile: IamLoginProfileRow): Promise<void>;
  /**
   * Writes the sign-in state after an attempt, without changing the revision, if the stored state is still
   * `before`: two attempts on two nodes at once cannot both count as the first failure. False when it was not.
   */
  updateLoginState(principalArn: string, before: string, after: string): Promise<boolean>;
  deleteLoginProfile(principalArn: string): Promise<boolean>;

  insertMfaDevice(device: IamMfaDeviceRow): Promise<void>;
  /** Replaces owner, enablement, recovery codes and the count of wrong codes with its lock. */
  updateMfaDevice(device: IamMfaDeviceRow): Promise<void>;
  /**
   * Records the step of an accepted code (and recovery codes used) without changing the revision, if the
   * device's are still `before`: of two requests with one code on two nodes, only one is accepted (8.5.1).
   * An accepted code also ends the run of wrong ones.
   */
  recordMfaUse(serialNumber: string, before: MfaUse, after: MfaUse): Promise<boolean>;
  /**
   * Counts one wrong code against a device in one statement, so wrong codes sent to several nodes at once are
   * all counted, without changing the revision: a lock that has run out starts the count afresh, and the
   * failure that makes `maxFailedAttempts` locks the device until `lockUntilMs`. Undefined if no such device.
   */
  countMfaFailure(
    serialNumber: string,
    nowMs: number,
    maxFailedAttempts: number,
    lockUntilMs: number,
  ): Promise<MfaFailures | undefined>;
  /** Replaces a device's sealed seed (re-encrypted under a newer key version). */
  replaceMfaSeed(serialNumber: string, sealedSeed: Uint8Array): Promise<void>;
  deleteMfaDevice(serialNumber: string): Promise<void>;

  insertSession(session: IamSessionRow): Promise<void>;
  touchSession(accessKeyId: string, lastActivityAtMs: number): Promise<void>;
  /** Replaces a session's sealed secret (re-encrypted under a newer key version). */
  replaceSessionSecret(accessKeyId: string, sealedSecret: Uint8Array): Promise<void>;
  /** Ends a session before its expiry (sign-out, revocation); changes the revision, so every process refuses it next. */
  deleteSession(accessKeyId: string): Promise<void>;
  /** Deletes sessions that expired at or before `nowMs`; returns how many. */
  deleteExpiredSessions(nowMs: number): Promise<number>;
}
