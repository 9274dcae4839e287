export { UnreadableSealError } from './errors.ts';
export { ignoreKeyEvents, type KeyEvent, type KeyEventListener, type UnreadableReason } from './events.ts';
export { type CreateKeyInput, KeyAdmin, type KeyDescription, quarantineTag } from './key-admin.ts';
export { aliasArn, isKeyId, keyArn, parseKeyReference } from './key-references.ts';
export { rootMeta } from './key-rows.ts';
export {
  defaultRotationPeriodDays,
  KeyService,
  type KeyServiceOptions,
  type KeySession,
  type ManagedService,
  managedAlias,
  type Sealer,
  type UnreadableReport,
  unreadableReasonOf,
} from './key-service.ts';
export type { KeySet, SealingKey } from './key-set.ts';
export { type EncryptionContext, KmsData } from './kms-data.ts';
export { type ReencryptResult, reencryptStoredData } from './reencrypt.ts';
export type { EvidenceHold, KeyUser, SealedDataSource, SealedRecord } from './sealed-sources.ts';
