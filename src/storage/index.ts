export type {
  AuditAlertRow,
  AuditCheckpointRow,
  AuditOutcome,
  AuditReads,
  AuditRecordRow,
  AuditSearchFilter,
  AuditSegmentRow,
  AuditSigningKeyRow,
  AuditTreeNode,
  AuditWrites,
  NewAuditAlert,
} from './audit-store.ts';
export type {
  InternalKeyRow,
  KeyReadTx,
  KeyRotationType,
  KeyWriteTx,
  KmsAliasRow,
  KmsKeyRow,
  KmsKeyState,
  KmsKeyVersionRow,
} from './keys.ts';
export { SqliteStore, type SqliteStoreOptions, type WriterSharing } from './sqlite/driver.ts';
export type {
  AccessKeyRow,
  Claim,
  DedupEntry,
  DeleteOutcome,
  MessageCounts,
  MessageOrderRow,
  MessageRow,
  MoveTaskRow,
  MoveTaskStatus,
  NewMessage,
  NewQueue,
  QueueRow,
  ReadTx,
  SealedPayloadRow,
  Store,
  WriteTx,
} from './store.ts';
export type { VaultReadTx, VaultTokenRow, VaultWriteTx } from './vault.ts';
