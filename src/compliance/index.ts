import { ActionRegistry } from './action.ts';
import {
  detachWildcardIamStatementsAction,
  disableAccessKeyAction,
  requireMfaAction,
  revokeSessionsAction,
} from './actions/iam-actions.ts';
import { enableKeyRotationAction } from './actions/key-actions.ts';
import {
  limitRetentionAction,
  removeWildcardStatementsAction,
  setCustomerKeyAction,
  setDataPolicyAction,
  setDeadLetterQueueAction,
} from './actions/queue-actions.ts';
import type { ResourceProvider } from './resource.ts';
import { accessKeyProvider } from './resources/access-keys.ts';
import { auditTrailProvider } from './resources/audit-trail.ts';
import { clockProvider } from './resources/clock.ts';
import { functionProvider } from './resources/functions.ts';
import { iamPolicyProvider } from './resources/iam-policies.ts';
import { iamRoleProvider, iamRootProvider, iamUserProvider } from './resources/iam-principals.ts';
import { kmsKeyProvider } from './resources/kms-keys.ts';
import { passwordPolicyProvider } from './resources/password-policy.ts';
import { queueProvider } from './resources/queues.ts';
import { rootKeyProvider } from './resources/root-key.ts';
import { serverProvider } from './resources/server.ts';

export {
  type ActionContext,
  ActionRegistry,
  type ManagedState,
  type ProposedChange,
  type RemediationAction,
} from './action.ts';
export { type ComplianceConfig, defaultComplianceConfig, loadComplianceConfig, policiesOf } from './config.ts';
export { type Comparison, evaluateFilters, type Filter, parseFilter } from './filters.ts';
export { type Finding, loadFindings, severityRank, sortFindings } from './findings.ts';
export { ComplianceMonitor } from './monitor.ts';
export { activeMute, type Mute, muteOf } from './mutelist.ts';
export {
  type CompliancePolicy,
  defaultPolicies,
  PolicyError,
  parsePolicyDocument,
  readPolicyFiles,
  type Severity,
  severities,
} from './policy.ts';
export { analysePolicy, type PolicyFacts } from './policy-statements.ts';
export {
  makePlan,
  PlanError,
  type PlannedChange,
  proposeChanges,
  type RemediationPlan,
  readPlan,
  stateDigest,
} from './remediation.ts';
export { type ChangeOutcome, Remediator } from './remediator.ts';
export { reportCsv, reportOcsf } from './report/exports.ts';
export { reportHtml } from './report/html.ts';
export { buildReport, type PciReport } from './report/model.ts';
export type { Resource, ResourceProvider, ScanContext, ScanEnvironment } from './resource.ts';
export { functionArn } from './resources/functions.ts';
export { certificateFacts } from './resources/server.ts';
export {
  ComplianceScanner,
  principalRequirement,
  type ScanResult,
  type ScanSummary,
  type ScanTrigger,
} from './scanner.ts';
export {
  type CertificateFacts,
  loadServerSettings,
  type ServerSettings,
  saveServerSettings,
} from './server-settings.ts';
export { ComplianceService, type FindingQuery } from './service.ts';

/** The resource types pciq can describe today; modules add theirs as they land. */
export function defaultProviders(): ResourceProvider[] {
  return [
    queueProvider,
    kmsKeyProvider,
    accessKeyProvider,
    iamRootProvider,
    iamUserProvider,
    iamRoleProvider,
    iamPolicyProvider,
    passwordPolicyProvider,
    functionProvider,
    auditTrailProvider,
    serverProvider,
    rootKeyProvider,
    clockProvider,
  ];
}

/** The remediation actions pciq has today; incident response adds quarantine. */
export function defaultActions(): ActionRegistry {
  return new ActionRegistry([
    setCustomerKeyAction,
    setDeadLetterQueueAction,
    removeWildcardStatementsAction,
    limitRetentionAction,
    setDataPolicyAction,
    enableKeyRotationAction,
    disableAccessKeyAction,
    requireMfaAction,
    revokeSessionsAction,
    detachWildcardIamStatementsAction,
  ]);
}
