export { AuditedStore } from './audited-store.ts';
export {
  type CheckpointReason,
  type CheckpointStatement,
  parseCheckpoint,
  type SignedCheckpoint,
} from './checkpoint.ts';
export { Checkpointer } from './checkpointer.ts';
export { type AuditConfig, AuditConfigError, defaultAuditConfig, loadAuditConfig, parseAuditConfig } from './config.ts';
export { type AuditEventSink, AuditEvents, type KnownEventType, type SecurityEvent } from './events.ts';
export { EvidenceUnavailableError } from './evidence/build-piece.ts';
export { exportEvidence } from './evidence/export.ts';
export type { ExportBundle } from './evidence/format.ts';
export { type BundleVerification, verifyBundle } from './evidence/verify-bundle.ts';
export type { ConsistencyEvidence, InclusionEvidence } from './proofs.ts';
export type { Actor, AuditRecord, DetailValue, Origin, Outcome, RecordCategory, RecordDraft } from './record.ts';
export type { RequestAudit } from './request-audit.ts';
export { RequestAuditor } from './request-auditor.ts';
export { Archiver } from './retention/archiver.ts';
export { RetentionError, retentionInForce } from './retention/policy.ts';
export { defaultRules } from './review/rules.ts';
export { AuditRuntime, type AuditRuntimeOptions } from './runtime.ts';
export { maxSearchLimit, type SearchPage, type SearchQuery } from './search.ts';
export { type AlertView, AuditService } from './service.ts';
export {
  generateSigningKey,
  keyIdOf,
  openSigningKey,
  publicKeyFromDer,
  publicKeyPem,
  type SigningKey,
  signBytes,
  verifyBytes,
} from './signing-key.ts';
export { type AppendedRecord, AuditTrail, type AuditTrailOptions } from './trail.ts';
export type { Finding, FindingKind } from './verify/findings.ts';
export { type TrailVerification, type VerifyOptions, verifyTrail } from './verify/verify-trail.ts';
