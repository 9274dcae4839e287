import type { AuditReads, AuditWrites } from './audit-store.ts';
import type { ComplianceReads, ComplianceWrites, IncidentReads, IncidentWrites } from './compliance-store.ts';
import type { FunctionReadTx, FunctionWriteTx } from './functions.ts';
import type { IamReadTx, IamWriteTx } from './iam.ts';
import type { KeyReadTx, KeyWriteTx } from './keys.ts';
import type { VaultReadTx, VaultWriteTx } from './vault.ts';

/**
 * The storage contract every driver implements (SQLite embedded, PostgreSQL for scale-out). Drivers hold
 * data and make each method atomic; queue semantics live in `queues/`. Every driver passes the same
 * contract suite (test/storage/contract.ts).
 *
 * Transactions are explicit: `write` runs a unit of work that commits as a whole and resolves only once the
 * commit is durable, so whatever a caller acknowledges to a client survives a crash. Work functions must
 * only await methods of the transaction they were given: a driver may run several units of work inside one
 * physical transaction (group commit), each isolated by a savepoint.
 */
export interface Store {
  read<T>(work: (tx: ReadTx) => Promise<T>): Promise<T>;
  write<T>(work: (tx: WriteTx) => Promise<T>): Promise<T>;
  /**
   * Calls `listener` after a commit that made messages receivable in a queue (`WriteTx.signalReceivable`),
   * from this process or, on drivers that share a database between nodes, from another node.
   */
  onReceivable(listener: (queueId: number) => void): () => void;
  /**
   * Background work that one process at a time does for everything sharing the database (today: audit
   * review, checkpoints, archive and verification). Calls `onLead` once this process
   * leads `name`, and `onLost` if it stops leading (its session to the database ended); it then tries again.
   * Returns a function that stops leading or trying. On a store only one process writes, it leads at once.
   */
  lead(name: string, handlers: { onLead(): void; onLost(): void }): () => Promise<void>;
  /**
   * Removes what committed deletions and overwrites left behind in the store's own files, as far as the
   * driver can: crypto-shredding destroys wrapped key material, and a copy lingering in a log or a free page
   * would open again with the root key (PCI DSS 3.7.5). Best effort: it gives up rather than wait long.
   */
  scrubDeleted(): Promise<void>;
  close(): Promise<void>;
}

export interface QueueRow {
  id: number;
  accountId: string;
  name: string;
  isFifo: boolean;
  /** Configurable SQS attributes as the client set them (validated by `queues/`), e.g. VisibilityTimeout. */
  attributes: Record<string, string>;
  tags: Record<string, string>;
  createdAtMs: number;
  lastModifiedAtMs: number;
  lastPurgedAtMs: number | null;
}

export type NewQueue = Omit<QueueRow, 'id'>;

/** What a driver keeps of a message. `payload` is opaque to storage (sealed by `crypto/`). */
export interface MessageRow {
  queueId: number;
  /** Position in the store, increasing with each insert: FIFO order and the SequenceNumber derive from it. */
  seq: number;
  messageId: string;
  payload: Uint8Array;
  /** Keyed hash of the FIFO MessageGroupId, so ordering works without keeping the id in clear; null on standard queues. */
  groupKey: string | null;
  sentAtMs: number;
  visibleAtMs: number;
  expiresAtMs: number;
  receiveCount: number;
  firstReceivedAtMs: number | null;
  lastReceivedAtMs: number | null;
  /** Random part of the receipt handle last issued; null until received. */
  receiptNonce: string | null;
  /** Bytes of body and attributes as sent, for size accounting. */
  sizeBytes: number;
}

export type NewMessage = Omit<MessageRow, 'seq'>;

export type DeleteOutcome = { outcome: 'deleted'; messageId: string } | { outcome: 'stale' | 'missing' };

/** A message as a receipt handle names it: its position and the nonce of the receive that issued the handle. */
export interface ReceivedHandle {
  seq: number;
  receiptNonce: string;
}

/** What a receive sets on the messages it claims. */
export interface Claim {
  visibleAtMs: number;
  receiptNonce: string;
}

/** The columns FIFO selection walks through in order. */
export type MessageOrderRow = Pick<
  MessageRow,
  'seq' | 'groupKey' | 'visibleAtMs' | 'expiresAtMs' | 'receiveCount' | 'sentAtMs'
>;

export interface MessageCounts {
  /** Visible now. */
  visible: number;
  /** Received and not yet visible again. */
  inFlight: number;
  /** Never received and not yet visible (DelaySeconds). */
  delayed: number;
}

/**
 * A FIFO receive remembered under its ReceiveRequestAttemptId, so that a retry within the deduplication
 * interval gets the same messages and receipt handles back.
 */
export interface ReceiveAttemptRow {
  queueId: number;
  /** Keyed hash of the ReceiveRequestAttemptId. */
  attemptKey: string;
  /** The messages the receive returned, in its order; they share one receipt nonce. */
  seqs: number[];
  receiptNonce: string;
  /** When the messages become visible again, as the receive or its latest retry set it. */
  visibleAtMs: number;
  expiresAtMs: number;
}

export interface DedupEntry {
  queueId: number;
  /** '' for queue-wide deduplication, else the group key. */
  scope: string;
  /** Keyed hash of the MessageDeduplicationId. */
  dedupKey: string;
  messageId: string;
  seq: number;
  expiresAtMs: number;
}

export type MoveTaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

export interface MoveTaskRow {
  taskHandle: string;
  sourceQueueId: number;
  sourceArn: string;
  destinationArn: string | null;
  maxMessagesPerSecond: number | null;
  status: MoveTaskStatus;
  movedCount: number;
  toMoveCount: number;
  failureReason: string | null;
  startedAtMs: number;
  /** Messages sent to the source after this instant are not part of the task. */
  cutoffSeq: number;
}

export interface AccessKeyRow {
  accessKeyId: string;
  /** The secret, sealed by `crypto/`; never stored in clear. */
  sealedSecret: Uint8Array;
  principalArn: string;
  status: 'Active' | 'Inactive';
  createdAtMs: number;
  lastUsedAtMs: number | null;
}

/** A message's sealed payload and what binds it to its place, for re-encryption under a newer key version. */
export type SealedPayloadRow = Pick<MessageRow, 'queueId' | 'seq' | 'messageId' | 'payload'>;

export interface ReadTx {
  /** Key management tables (src/storage/keys.ts). */
  readonly keys: KeyReadTx;
  /** Serverless functions, their mappings, logs and metrics (src/storage/functions.ts). */
  readonly functions: FunctionReadTx;
  /** Identities, policies, MFA devices and sessions (src/storage/iam.ts). */
  readonly iam: IamReadTx;

  getMeta(key: string): Promise<string | undefined>;

  getQueueByName(accountId: string, name: string): Promise<QueueRow | undefined>;
  getQueueById(id: number): Promise<QueueRow | undefined>;
  /** Queues in name order, names starting with `prefix`, strictly after `afterName`. */
  listQueues(accountId: string, prefix: string, afterName: string, limit: number): Promise<QueueRow[]>;
  /** Deletion instant of the most recently deleted queue of that name, if any. */
  getQueueDeletedAt(accountId: string, name: string): Promise<number | undefined>;

  getMessage(queueId: number, seq: number): Promise<MessageRow | undefined>;
  /** The highest `seq` in a queue, 0 when it is empty. */
  newestSeq(queueId: number): Promise<number>;
  countMessages(queueId: number, nowMs: number): Promise<MessageCounts>;
  /** Messages in flight, counted up to `cap` only: receives check the in-flight limit on their hot path. */
  countInFlight(queueId: number, nowMs: number, cap: number): Promise<number>;
  /** Earliest future `visibleAtMs` among unexpired messages, to time long-poll wake-ups. */
  nextVisibleAt(queueId: number, nowMs: number): Promise<number | undefined>;
  getDedup(queueId: number, scope: string, dedupKey: string, nowMs: number): Promise<DedupEntry | undefined>;
  /** The unexpired receive of a FIFO queue remembered under `attemptKey`, if any. */
  getReceiveAttempt(queueId: number, attemptKey: string, nowMs: number): Promise<ReceiveAttemptRow | undefined>;
  /** Sealed payloads of all queues in `seq` order after `afterSeq`, at most `limit` (re-encryption walks). */
  scanPayloads(afterSeq: number, limit: number): Promise<SealedPayloadRow[]>;
  /**
   * The distinct first `length` bytes of each queue's stored payloads, without reading them out: which keys
   * (and key versions) a queue's messages are sealed under, when `length` covers an envelope's key prefix.
   */
  payloadPrefixes(length: number): Promise<Array<{ queueId: number; prefix: Uint8Array }>>;

  listMoveTasks(sourceQueueId: number, limit: number): Promise<MoveTaskRow[]>;
  getMoveTask(taskHandle: string): Promise<MoveTaskRow | undefined>;
  listRunningMoveTasks(): Promise<MoveTaskRow[]>;

  getAccessKey(accessKeyId: string): Promise<AccessKeyRow | undefined>;
  listAccessKeys(): Promise<AccessKeyRow[]>;

  readonly audit: AuditReads;
  /** The tokenization vault's tables (src/storage/vault.ts). */
  readonly vault: VaultReadTx;
  /** Compliance findings, scans, mutes, remediations (src/storage/compliance-store.ts). */
  readonly compliance: ComplianceReads;
  readonly incidents: IncidentReads;
}

export interface WriteTx extends ReadTx {
  readonly keys: KeyWriteTx;
  readonly functions: FunctionWriteTx;
  readonly iam: IamWriteTx;

  setMeta(key: string, value: string): Promise<void>;

  insertQueue(queue: NewQueue): Promise<QueueRow>;
  updateQueue(queue: QueueRow): Promise<void>;
  /**
   * Deletes the queue, its messages, dedup entries, receive attempts and move tasks, and remembers when
   * (QueueDeletedRecently).
   */
  deleteQueue(queueId: number, nowMs: number): Promise<void>;

  insertMessage(message: NewMessage): Promise<number>;
  /** Inserts messages in the order given (one statement where the driver can) and returns their seqs, in that order. */
  insertMessages(messages: readonly NewMessage[]): Promise<number[]>;
  /**
   * Claims up to `limit` visible, unexpired messages of a standard queue, oldest first: each becomes
   * invisible until `claim.visibleAtMs`, gets the receipt nonce, one more receive and its receive times.
   * Returns the claimed rows as updated, in `seq` order. Drivers that share the database between nodes must
   * skip rows another transaction holds (PostgreSQL: FOR UPDATE SKIP LOCKED).
   */
  claimReceivable(queueId: number, nowMs: number, limit: number, claim: Claim): Promise<MessageRow[]>;
  /** Claims the given messages (FIFO selection chose them), returned in the order of `seqs`. */
  claimMessages(queueId: number, seqs: readonly number[], nowMs: number, claim: Claim): Promise<MessageRow[]>;
  /**
   * Serializes FIFO receives on one queue until commit, so group exclusivity holds across nodes.
   * (SQLite has one writer and needs nothing.)
   */
  lockQueueForFifoReceive(queueId: number): Promise<void>;
  /**
   * Serializes FIFO sends on one queue until commit, so that across nodes seqs commit in the order they were
   * taken and a deduplication id is checked and recorded atomically. (SQLite needs nothing.)
   */
  lockQueueForFifoSend(queueId: number): Promise<void>;
  /** All messages of a queue in `seq` order after `afterSeq`, expired ones included, at most `limit`. */
  scanInOrder(queueId: number, afterSeq: number, limit: number): Promise<MessageOrderRow[]>;
  setVisibleAt(queueId: number, seq: number, visibleAtMs: number): Promise<void>;
  deleteMessage(queueId: number, seq: number): Promise<boolean>;
  /**
   * Deletes a message only if its current receipt nonce is `receiptNonce`; says which case it was, with the
   * id of the message deleted (the audit trail names it).
   */
  deleteReceived(queueId: number, seq: number, receiptNonce: string): Promise<DeleteOutcome>;
  /** `deleteReceived` for several messages of one queue at once; outcomes in the order of `handles`. */
  deleteReceivedBatch(queueId: number, handles: readonly ReceivedHandle[]): Promise<DeleteOutcome[]>;
  /** Deletes messages sent at or before `sentUpToMs`; returns how many. */
  purgeMessages(queueId: number, sentUpToMs: number): Promise<number>;
  /** Deletes messages past retention, dedup entries and receive attempts past their window, at most `limit` of each. */
  deleteExpired(nowMs: number, limit: number): Promise<number>;
  /** Visible, unexpired messages of a queue with `seq <= maxSeq`, oldest first (message move tasks). */
  selectMovable(queueId: number, maxSeq: number, nowMs: number, limit: number): Promise<MessageRow[]>;

  putDedup(entry: DedupEntry): Promise<void>;
  /** Remembers a FIFO receive under its attempt key, replacing what was remembered there. */
  putReceiveAttempt(attempt: ReceiveAttemptRow): Promise<void>;
  /** Replaces a message's sealed payload (re-encrypted under a newer key version), nothing else. */
  replacePayload(queueId: number, seq: number, payload: Uint8Array): Promise<void>;

  insertMoveTask(task: MoveTaskRow): Promise<void>;
  updateMoveTask(task: MoveTaskRow): Promise<void>;

  /** Access keys are identity data: inserting, deactivating or deleting one changes `tx.iam`'s revision. */
  insertAccessKey(key: AccessKeyRow): Promise<void>;
  setAccessKeyStatus(accessKeyId: string, status: AccessKeyRow['status']): Promise<void>;
  deleteAccessKey(accessKeyId: string): Promise<void>;
  touchAccessKey(accessKeyId: string, lastUsedAtMs: number): Promise<void>;
  /** Replaces an access key's sealed secret (re-encrypted under a newer key version). */
  replaceAccessKeySecret(accessKeyId: string, sealedSecret: Uint8Array): Promise<void>;

  /** Wakes long polls on `queueId` once this transaction has committed. */
  signalReceivable(queueId: number): void;

  readonly audit: AuditWrites;
  readonly vault: VaultWriteTx;
  readonly compliance: ComplianceWrites;
  readonly incidents: IncidentWrites;

  /**
   * Rows inserted, updated or deleted so far on this transaction's connection, a counter that only grows:
   * the audit trail compares it before and after a unit of work to know whether the unit changed anything.
   */
  changedRows(): number;
}
