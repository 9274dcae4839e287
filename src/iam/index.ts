export { AccessControl, type AuthorizationContext, deniedMessage } from './access-control.ts';
export {
  type AccessKeyCredentials,
  accountOf,
  createAccessKey,
  generateAccessKey,
  maxAccessKeysPerUser,
  sealedAccessKeysSource,
} from './access-keys.ts';
export type { Authorize } from './authorize.ts';
export { administratorAccessArn, awsManagedPolicies } from './aws-managed-policies.ts';
export { mfaRequiredTagKey, quarantineTagKey } from './containment.ts';
export { IamDirectory, type KnownCredential, type ResolvedCaller } from './directory.ts';
export { type IamAuditEvent, type IamAuditSink, unauditedIam } from './events.ts';
export type { GroupView } from './groups.ts';
export type { LoginOwner, LoginProfileView } from './login-profiles.ts';
export { encodeBase32, qrCodePng, renderQrCode, totpCode } from './mfa/index.ts';
export { type MfaDeviceView, type NewVirtualMfaDevice, sealedMfaSeedsSource } from './mfa-devices.ts';
export { parsePrincipalArn, roleArnFor, rootArn, userArn } from './names.ts';
export { type PasswordPolicy, pciDssPasswordPolicy } from './passwords/index.ts';
export { findManagedPolicy, inlinePolicyId, type ManagedPolicyView } from './policies.ts';
export {
  type ContextValue,
  type MatchedStatement,
  type Policy,
  parsePolicy,
  principalMatches,
} from './policy/index.ts';
export type { RoleView } from './roles.ts';
export { IamService, type IamServiceOptions } from './service.ts';
export {
  type AssumedRole,
  type IssuedCredentials,
  type ServiceRoleSession,
  sealedSessionsSource,
  sessionsOf,
} from './sessions.ts';
export type { SignedIn } from './sign-in.ts';
export type { SimulationResult } from './simulate.ts';
export type { UserView } from './users.ts';
