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
