import type { Caller, Clock } from '../core/index.ts';
import type { Sealer } from '../keys/index.ts';
import type { IamEntityKind, Store } from '../storage/index.ts';
import { AccessControl, type AuthorizationContext } from './access-control.ts';
import {
  createUserAccessKey,
  deleteAccessKey,
  getAccessKeyLastUsed,
  listAccessKeys,
  updateAccessKey,
} from './access-keys.ts';
import type { IamContext } from './context.ts';
import { IamDirectory } from './directory.ts';
import { type IamAuditSink, unauditedIam } from './events.ts';
import { changeMembership, createGroup, deleteGroup, getGroup, listGroups, listGroupsForUser } from './groups.ts';
import {
  changeOwnPassword,
  createLoginProfile,
  deleteLoginProfile,
  getLoginProfile,
  type LoginOwner,
  unlockLogin,
  updateLoginProfile,
} from './login-profiles.ts';
import {
  createVirtualMfaDevice,
  deactivateMfaDevice,
  deleteVirtualMfaDevice,
  enableMfaDevice,
  listMfaDevices,
} from './mfa-devices.ts';
import { type PasswordPolicy, passwordPolicy } from './passwords/index.ts';
import {
  attachPolicy,
  createPolicy,
  createPolicyVersion,
  deleteInlinePolicy,
  deletePolicy,
  deletePolicyVersion,
  getInlinePolicy,
  getPolicy,
  getPolicyVersion,
  listAttachedPolicies,
  listEntitiesForPolicy,
  listInlinePolicyNames,
  listPolicies,
  listPolicyVersions,
  putInlinePolicy,
  setDefaultPolicyVersion,
  setPermissionsBoundary,
} from './policies.ts';
import { createRole, deleteRole, getRole, listRoles, updateRole } from './roles.ts';
import { type AssumeRoleInput, assumeRole, assumeRoleForService, getSessionToken, type MfaInput } from './sessions.ts';
import { type SignInInput, signIn } from './sign-in.ts';
import { type SimulationInput, simulatePrincipalPolicy } from './simulate.ts';
import { createUser, deleteUser, getUser, listUsers, tagUser, untagUser } from './users.ts';

export interface IamServiceOptions {
  /** The store IAM changes are written to (in a server, the audited store: a change commits with its request's record). */
  store: Store;
  /**
   * The store itself, for writes that are not a request's effect (last-used times, session activity) and for
   * the directory's reads; defaults to `store`.
   */
  bookkeepingStore?: Store;
  sealer: Sealer;
  clock: Clock;
  audit?: IamAuditSink;
  /** Refused when weaker than PCI DSS allows in any respect. */
  passwordPolicy?: Partial<PasswordPolicy>;
  /** Shown as the provider in authenticator apps. */
  mfaIssuer?: string;
  /** The account people sign in to when they do not name one (a data directory holds one account). */
  defaultAccountId?: string;
}

/**
 * IAM's front door: identities, policies, credentials, MFA, sessions and the authorization of every
 * request. The IAM and STS APIs, the sign-in API and `pciq iam` all go through it.
 */
export class IamService {
  readonly context: IamContext;
  readonly directory: IamDirectory;
  readonly access: AccessControl;
  readonly mfaIssuer: string;
  readonly defaultAccountId: string | undefined;

  constructor(options: IamServiceOptions) {
    const audit = options.audit ?? unauditedIam;
    this.context = {
      store: options.store,
      sealer: options.sealer,
      clock: options.clock,
      audit,
      // Checked as every configured policy is: stricter than PCI DSS 8.2–8.3 may be, weaker never.
      passwordPolicy: passwordPolicy(options.passwordPolicy),
    };
    this.directory = new IamDirectory(options.bookkeepingStore ?? options.store, options.sealer, options.clock);
    this.access = new AccessControl(this.directory, options.clock, audit);
    this.mfaIssuer = options.mfaIssuer ?? 'pciq';
    this.defaultAccountId = options.defaultAccountId;
  }

  /** The single authorization choke point: allows, or throws AccessDenied (recorded). */
  authorize = (caller: Caller, action: string, resource: string, context?: AuthorizationContext) =>
    this.access.authorize(caller, action, resource, context);
  /** Refuses only on an explicit Deny (an AWS managed key's use, which its key policy grants the account). */
  refuseExplicitDeny = (caller: Caller, action: string, resource: string, context?: AuthorizationContext) =>
    this.access.refuseExplicitDeny(caller, action, resource, context);
  /** Refuses what the resource's own policy grants nobody (an AWS managed key used outside its service). */
  refuseByResourcePolicy = (caller: Caller, action: string, resource: string) =>
    this.access.refuseByResourcePolicy(caller, action, resource);

  createUser = (accountId: string, input: Parameters<typeof createUser>[2]) =>
    createUser(this.context, accountId, input);
  getUser = (accountId: string, userName: string) => getUser(this.context, accountId, userName);
  listUsers = (accountId: string, pathPrefix?: string) => listUsers(this.context, accountId, pathPrefix);
  deleteUser = (accountId: string, userName: string) => deleteUser(this.context, accountId, userName);
  tagUser = (accountId: string, userName: string, tags: Record<string, string>) =>
    tagUser(this.context, accountId, userName, tags);
  untagUser = (accountId: string, userName: string, keys: readonly string[]) =>
    untagUser(this.context, accountId, userName, keys);

  createGroup = (accountId: string, input: Parameters<typeof createGroup>[2]) =>
    createGroup(this.context, accountId, input);
  getGroup = (accountId: string, groupName: string) => getGroup(this.context, accountId, groupName);
  listGroups = (accountId: string, pathPrefix?: string) => listGroups(this.context, accountId, pathPrefix);
  listGroupsForUser = (accountId: string, userName: string) => listGroupsForUser(this.context, accountId, userName);
  deleteGroup = (accountId: string, groupName: string) => deleteGroup(this.context, accountId, groupName);
  addUserToGroup = (accountId: string, input: { groupName: string; userName: string }) =>
    changeMembership(this.context, accountId, input, 'add');
  removeUserFromGroup = (accountId: string, input: { groupName: string; userName: string }) =>
    changeMembership(this.context, accountId, input, 'remove');

  createRole = (accountId: string, input: Parameters<typeof createRole>[2]) =>
    createRole(this.context, accountId, input);
  getRole = (accountId: string, roleName: string) => getRole(this.context, accountId, roleName);
  listRoles = (accountId: string, pathPrefix?: string) => listRoles(this.context, accountId, pathPrefix);
  deleteRole = (accountId: string, roleName: string) => deleteRole(this.context, accountId, roleName);
  updateRole = (accountId: string, roleName: string, change: Parameters<typeof updateRole>[3]) =>
    updateRole(this.context, accountId, roleName, change);

  createPolicy = (accountId: string, input: Parameters<typeof createPolicy>[2]) =>
    createPolicy(this.context, accountId, input);
  getPolicy = (accountId: string, arn: string) => getPolicy(this.context, accountId, arn);
  listPolicies = (accountId: string, options?: Parameters<typeof listPolicies>[2]) =>
    listPolicies(this.context, accountId, options);
  deletePolicy = (accountId: string, arn: string) => deletePolicy(this.context, accountId, arn);
  createPolicyVersion = (accountId: string, input: Parameters<typeof createPolicyVersion>[2]) =>
    createPolicyVersion(this.context, accountId, input);
  getPolicyVersion = (accountId: string, arn: string, versionId: string) =>
    getPolicyVersion(this.context, accountId, arn, versionId);
  listPolicyVersions = (accountId: string, arn: string) => listPolicyVersions(this.context, accountId, arn);
  deletePolicyVersion = (accountId: string, arn: string, versionId: string) =>
    deletePolicyVersion(this.context, accountId, arn, versionId);
  setDefaultPolicyVersion = (accountId: string, arn: string, versionId: string) =>
    setDefaultPolicyVersion(this.context, accountId, arn, versionId);
  attachPolicy = (accountId: string, input: { kind: IamEntityKind; entityName: string; policyArn: string }) =>
    attachPolicy(this.context, accountId, input, 'attach');
  detachPolicy = (accountId: string, input: { kind: IamEntityKind; entityName: string; policyArn: string }) =>
    attachPolicy(this.context, accountId, input, 'detach');
  listAttachedPolicies = (accountId: string, kind: IamEntityKind, entityName: string) =>
    listAttachedPolicies(this.context, accountId, kind, entityName);
  listEntitiesForPolicy = (accountId: string, arn: string) => listEntitiesForPolicy(this.context, accountId, arn);
  putInlinePolicy = (accountId: string, input: Parameters<typeof putInlinePolicy>[2]) =>
    putInlinePolicy(this.context, accountId, input);
  getInlinePolicy = (accountId: string, input: Parameters<typeof getInlinePolicy>[2]) =>
    getInlinePolicy(this.context, accountId, input);
  listInlinePolicyNames = (accountId: string, kind: IamEntityKind, entityName: string) =>
    listInlinePolicyNames(this.context, accountId, kind, entityName);
  deleteInlinePolicy = (accountId: string, input: Parameters<typeof deleteInlinePolicy>[2]) =>
    deleteInlinePolicy(this.context, accountId, input);
  setPermissionsBoundary = (accountId: string, input: Parameters<typeof setPermissionsBoundary>[2]) =>
    setPermissionsBoundary(this.context, accountId, input);

  createAccessKey = (accountId: string, userName: string) => createUserAccessKey(this.context, accountId, userName);
  listAccessKeys = (accountId: string, userName: string) => listAccessKeys(this.context, accountId, userName);
  updateAccessKey = (accountId: string, input: Parameters<typeof updateAccessKey>[2]) =>
    updateAccessKey(this.context, accountId, input);
  deleteAccessKey = (accountId: string, input: Parameters<typeof deleteAccessKey>[2]) =>
    deleteAccessKey(this.context, accountId, input);
  getAccessKeyLastUsed = (accountId: string, accessKeyId: string) =>
    getAccessKeyLastUsed(this.context, accountId, accessKeyId);

  createVirtualMfaDevice = (accountId: string, input: { name: string; path?: string }) =>
    createVirtualMfaDevice(this.context, accountId, { ...input, issuer: this.mfaIssuer });
  enableMfaDevice = (accountId: string, input: Parameters<typeof enableMfaDevice>[2]) =>
    enableMfaDevice(this.context, accountId, input);
  deactivateMfaDevice = (accountId: string, input: Parameters<typeof deactivateMfaDevice>[2]) =>
    deactivateMfaDevice(this.context, accountId, input);
  deleteVirtualMfaDevice = (accountId: string, serialNumber: string) =>
    deleteVirtualMfaDevice(this.context, accountId, serialNumber);
  listMfaDevices = (accountId: string, filter?: Parameters<typeof listMfaDevices>[2]) =>
    listMfaDevices(this.context, accountId, filter);

  createLoginProfile = (accountId: string, input: Parameters<typeof createLoginProfile>[2]) =>
    createLoginProfile(this.context, accountId, input);
  getLoginProfile = (accountId: string, owner: LoginOwner) => getLoginProfile(this.context, accountId, owner);
  updateLoginProfile = (accountId: string, input: Parameters<typeof updateLoginProfile>[2]) =>
    updateLoginProfile(this.context, accountId, input);
  deleteLoginProfile = (accountId: string, owner: LoginOwner) => deleteLoginProfile(this.context, accountId, owner);
  changePassword = (accountId: string, input: Parameters<typeof changeOwnPassword>[2]) =>
    changeOwnPassword(this.context, accountId, input);
  unlockLogin = (accountId: string, owner: LoginOwner) => unlockLogin(this.context, accountId, owner);

  signIn = (input: SignInInput) => signIn(this.context, input);

  async getSessionToken(caller: Caller, input: { durationSec?: number } & MfaInput) {
    return getSessionToken(this.context, caller, await this.directory.resolve(caller), input);
  }

  async assumeRole(caller: Caller, input: AssumeRoleInput, request: AuthorizationContext) {
    return assumeRole(this.context, this.access, caller, await this.directory.resolve(caller), input, request);
  }

  /** A session of a role for a service acting on its own (functions as their execution role). */
  assumeRoleForService = (input: Parameters<typeof assumeRoleForService>[2]) =>
    assumeRoleForService(this.context, this.access, input);

  simulate = (accountId: string, input: Omit<SimulationInput, 'nowMs'>) =>
    this.context.store.read((tx) =>
      simulatePrincipalPolicy(tx, accountId, { ...input, nowMs: this.context.clock.now() }),
    );

  /** Deletes sessions past their expiry (their rows only; an expired session is refused anyway). */
  sweepExpiredSessions = () => this.context.store.write((tx) => tx.iam.deleteExpiredSessions(this.context.clock.now()));
}
