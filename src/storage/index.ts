export { SqliteStore, type SqliteStoreOptions } from './sqlite/driver.ts';
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
  Store,
  WriteTx,
} from './store.ts';
