/**
 * The audit trail's part of the storage contract (`tx.audit`). Drivers keep rows; hashing, signing and
 * verification live in `audit/`. Records are append-only: no method changes a stored record, and hot
 * records are deleted only once an archive segment holds them (PCI DSS 10.3.2, 10.5.1).
 */

export type AuditOutcome = 'success' | 'failure';

/** One audit record as stored: its canonical body (the exact bytes hashed) plus the columns search uses. */
export interface AuditRecordRow {
  /** Position in the log, from 0: also the record's leaf index in the Merkle tree. */
  seq: number;
  timeMs: number;
  eventType: string;
  outcome: AuditOutcome;
  principal: string | null;
  sourceIp: string | null;
  resource: string | null;
  requestId: string | null;
  /** Canonical JSON of the record. */
  body: string;
  /** RFC 9162 leaf hash of `body`. */
  hash: Uint8Array;
  /** Keyed MAC of `hash`: shows the record was written by a holder of the root key. */
  mac: string;
}

/** A signed checkpoint (tree head) and the compact range it was computed from. */
export interface AuditCheckpointRow {
  /** Checkpoint number, from 0. */
  seq: number;
  treeSize: number;
  timeMs: number;
  /** Canonical JSON of the signed statement. */
  body: string;
  /** Ed25519 signature of `body`. */
  signature: Uint8Array;
  /** JSON of the compact range at `treeSize` (not signed: a cache the next checkpoint starts from). */
  frontier: string;
}

/** Root of a complete subtree of the log's Merkle tree: leaves [index × 2^level, (index + 1) × 2^level). */
export interface AuditTreeNode {
  level: number;
  index: number;
  hash: Uint8Array;
}

export interface AuditSigningKeyRow {
  keyId: string;
  /** SubjectPublicKeyInfo DER. */
  publicKey: Uint8Array;
  /** PKCS #8 DER, sealed by the root key: never stored in clear. */
  sealedPrivateKey: Uint8Array;
  createdAtMs: number;
}

/** An archive segment: records [firstSeq, lastSeq] sealed into a compressed, signed file. */
export interface AuditSegmentRow {
  firstSeq: number;
  lastSeq: number;
  firstTimeMs: number;
  lastTimeMs: number;
  /** Leaf hash of the segment's last record: the next record's `prev`. */
  lastHash: Uint8Array;
  fileName: string;
  /** Canonical JSON of the signed manifest (range, hashes, file digest). */
  manifest: string;
  signature: Uint8Array;
  archivedAtMs: number;
  /** Set when the segment passed retention and its file was deleted. */
  purgedAtMs: number | null;
}

export interface AuditAlertRow {
  id: number;
  ruleId: string;
  severity: string;
  timeMs: number;
  summary: string;
  /** JSON of the alert (rule, group, counts, record references); never secrets or card data. */
  detail: string;
  /** The record that raised it. */
  recordSeq: number;
  /** JSON of each sink's delivery state. */
  delivery: string;
  /** True while some sink has yet to receive it. */
  isPending: boolean;
}

export type NewAuditAlert = Omit<AuditAlertRow, 'id'>;

/**
 * A record a node wrote, waiting for the sequencer to give it its place in the chain (drivers whose
 * `chaining` is 'sequenced'). It commits with the request's effect, so a crash never leaves an effect
 * without its record; the sequencer then chains staged records in batches.
 */
export interface StagedAuditRow {
  /** Assigned by the store, increasing. */
  id: number;
  timeMs: number;
  /** Canonical JSON of the record, with seq -1 and prev '': the sequencer sets both. */
  body: string;
  /** Keyed MAC of the staged body's leaf hash: a staged record altered before it is chained is detected. */
  mac: string;
}

export type NewStagedAuditRow = Omit<StagedAuditRow, 'id'>;

export interface AuditSearchFilter {
  fromMs?: number;
  toMs?: number;
  principal?: string;
  eventType?: string;
  resource?: string;
  outcome?: AuditOutcome;
  sourceIp?: string;
  requestId?: string;
  /** Keyset pagination: only records after this seq. */
  afterSeq?: number;
  limit: number;
}

export interface AuditReads {
  /**
   * How records find their place in the chain. 'inline': the writer reads the head and appends in its own
   * transaction, which is right where one writer commits at a time (SQLite). 'sequenced': writers stage
   * records and a sequencer chains them, so nodes sharing the database never serialize their requests on
   * the head of the chain (PostgreSQL). docs/postgres.md explains the design.
   */
  readonly chaining: 'inline' | 'sequenced';
  /** Staged records, oldest first, at most `limit`. */
  staged(limit: number): Promise<StagedAuditRow[]>;
  /** The newest record's seq and hash; when the hot table is empty, the end of the newest archive segment. */
  head(): Promise<{ seq: number; hash: Uint8Array } | undefined>;
  /** Oldest record still in the hot table. */
  firstHotSeq(): Promise<number | undefined>;
  /** Hot records with `fromSeq <= seq`, in seq order, at most `limit`. */
  records(fromSeq: number, limit: number): Promise<AuditRecordRow[]>;
  /** Leaf hashes of hot records [fromSeq, toSeq) in seq order, as stored. */
  leafHashes(fromSeq: number, toSeq: number): Promise<Uint8Array[]>;
  search(filter: AuditSearchFilter): Promise<AuditRecordRow[]>;
  /** First and last hot seq whose time lies in [fromMs, toMs]. */
  seqRange(fromMs: number, toMs: number): Promise<{ first: number; last: number } | undefined>;

  treeNode(level: number, index: number): Promise<Uint8Array | undefined>;

  latestCheckpoint(): Promise<AuditCheckpointRow | undefined>;
  /** Checkpoints with `fromSeq <= seq`, in order, at most `limit`. */
  checkpoints(fromSeq: number, limit: number): Promise<AuditCheckpointRow[]>;
  /** The first checkpoint whose tree holds at least `treeSize` records. */
  checkpointCovering(treeSize: number): Promise<AuditCheckpointRow | undefined>;

  signingKeys(): Promise<AuditSigningKeyRow[]>;
  segments(): Promise<AuditSegmentRow[]>;
  /** Alerts newest first, raised at or after `sinceMs`, at most `limit`. */
  alerts(sinceMs: number, limit: number): Promise<AuditAlertRow[]>;
  /** Alerts whose delivery to some sink is still pending, oldest first. */
  undeliveredAlerts(limit: number): Promise<AuditAlertRow[]>;
  getState(key: string): Promise<string | undefined>;
}

export interface AuditWrites extends AuditReads {
  /** Appends records in the order given (one statement where the driver can). */
  append(records: readonly AuditRecordRow[]): Promise<void>;
  stage(record: NewStagedAuditRow): Promise<void>;
  /** Removes staged records once chained. */
  deleteStaged(ids: readonly number[]): Promise<void>;
  /**
   * Takes the sequencer's turn until commit, without waiting: false when another process holds it. Never
   * waiting is what keeps a sequencer from deadlocking with the units sharing its group commit.
   */
  lockSequencer(): Promise<boolean>;
  /**
   * Inserts a checkpoint unless one of that number exists (another process checkpointed first: it waits for
   * that one's commit rather than failing); true when inserted.
   */
  insertCheckpoint(checkpoint: AuditCheckpointRow): Promise<boolean>;
  /** Stores subtree roots; a node already stored keeps its first value. */
  putTreeNodes(nodes: readonly AuditTreeNode[]): Promise<void>;
  insertSigningKey(key: AuditSigningKeyRow): Promise<void>;
  insertSegment(segment: AuditSegmentRow): Promise<void>;
  markSegmentPurged(firstSeq: number, purgedAtMs: number): Promise<void>;
  /**
   * Deletes hot records with seq <= `lastSeq` that an archive segment holds; records no segment holds are
   * kept whatever `lastSeq` says. Returns how many were deleted.
   */
  deleteArchivedRecords(lastSeq: number): Promise<number>;
  insertAlert(alert: NewAuditAlert): Promise<number>;
  setAlertDelivery(id: number, delivery: string, isPending: boolean): Promise<void>;
  setState(key: string, value: string): Promise<void>;
}
