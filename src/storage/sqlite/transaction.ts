import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { receiveAttemptOf, receiveAttemptValues } from '../receive-attempt-rows.ts';
import type {
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
  ReceiveAttemptRow,
  ReceivedHandle,
  SealedPayloadRow,
  WriteTx,
} from '../store.ts';
import { SqliteAudit } from './audit.ts';
import { SqliteCompliance, SqliteIncidents } from './compliance.ts';
import { SqliteFunctionTables } from './function-tables.ts';
import { SqliteIamTables } from './iam-tables.ts';
import { SqliteKeyTables } from './key-tables.ts';
import { SqliteVaultTables } from './vault-tables.ts';

type Row = Record<string, SQLInputValue>;

/**
 * Hand-written statements of the SQLite driver, prepared once per connection. The same class serves reads
 * (on the read-only connection, where write statements are never prepared) and writes.
 */
export class SqliteTransaction implements WriteTx {
  private readonly statements = new Map<string, StatementSync>();
  private readonly db: DatabaseSync;
  private readonly onSignal: (queueId: number) => void;
  readonly keys: SqliteKeyTables;
  readonly functions: SqliteFunctionTables;
  readonly audit: SqliteAudit;
  readonly vault: SqliteVaultTables;
  readonly iam: SqliteIamTables;
  readonly compliance: SqliteCompliance;
  readonly incidents: SqliteIncidents;

  constructor(db: DatabaseSync, onSignal: (queueId: number) => void) {
    this.db = db;
    this.onSignal = onSignal;
    this.keys = new SqliteKeyTables(db);
    this.functions = new SqliteFunctionTables((text) => this.sql(text));
    this.audit = new SqliteAudit((text) => this.sql(text));
    this.vault = new SqliteVaultTables((text) => this.sql(text));
    this.iam = new SqliteIamTables((text) => this.sql(text));
    this.compliance = new SqliteCompliance((text) => this.sql(text));
    this.incidents = new SqliteIncidents((text) => this.sql(text));
  }

  private sql(text: string): StatementSync {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  async getMeta(key: string): Promise<string | undefined> {
    const row = this.sql('SELECT value FROM meta WHERE key = ?').get(key) as Row | undefined;
    return row ? String(row.value) : undefined;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.sql('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
      key,
      value,
    );
  }

  async getQueueByName(accountId: string, name: string): Promise<QueueRow | undefined> {
    const row = this.sql('SELECT * FROM queues WHERE account_id = ? AND name = ?').get(accountId, name) as
      | Row
      | undefined;
    return row ? toQueue(row) : undefined;
  }

  async getQueueById(id: number): Promise<QueueRow | undefined> {
    const row = this.sql('SELECT * FROM queues WHERE id = ?').get(id) as Row | undefined;
    return row ? toQueue(row) : undefined;
  }

  async listQueues(accountId: string, prefix: string, afterName: string, limit: number): Promise<QueueRow[]> {
    // substr() instead of LIKE: queue names may contain '_', which LIKE treats as a wildcard.
    const rows = this.sql(
      `SELECT * FROM queues WHERE account_id = ? AND substr(name, 1, ?) = ? AND name > ?
       ORDER BY name LIMIT ?`,
    ).all(accountId, prefix.length, prefix, afterName, limit) as Row[];
    return rows.map(toQueue);
  }

  async getQueueDeletedAt(accountId: string, name: string): Promise<number | undefined> {
    const row = this.sql('SELECT deleted_at FROM deleted_queues WHERE account_id = ? AND name = ?').get(
      accountId,
      name,
    ) as Row | undefined;
    return row ? Number(row.deleted_at) : undefined;
  }

  async insertQueue(queue: NewQueue): Promise<QueueRow> {
    const result = this.sql(
      `INSERT INTO queues (account_id, name, is_fifo, attributes, tags, created_at, last_modified_at, last_purged_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      queue.accountId,
      queue.name,
      queue.isFifo ? 1 : 0,
      JSON.stringify(queue.attributes),
      JSON.stringify(queue.tags),
      queue.createdAtMs,
      queue.lastModifiedAtMs,
      queue.lastPurgedAtMs,
    );
    return { ...queue, id: Number(result.lastInsertRowid) };
  }

  async updateQueue(queue: QueueRow): Promise<void> {
    this.sql('UPDATE queues SET attributes = ?, tags = ?, last_modified_at = ?, last_purged_at = ? WHERE id = ?').run(
      JSON.stringify(queue.attributes),
      JSON.stringify(queue.tags),
      queue.lastModifiedAtMs,
      queue.lastPurgedAtMs,
      queue.id,
    );
  }

  async deleteQueue(queueId: number, nowMs: number): Promise<void> {
    const queue = await this.getQueueById(queueId);
    if (!queue) return;
    this.sql('DELETE FROM messages WHERE queue_id = ?').run(queueId);
    this.sql('DELETE FROM dedup WHERE queue_id = ?').run(queueId);
    this.sql('DELETE FROM receive_attempts WHERE queue_id = ?').run(queueId);
    this.sql('DELETE FROM move_tasks WHERE source_queue_id = ?').run(queueId);
    this.sql('DELETE FROM queues WHERE id = ?').run(queueId);
    this.sql(
      `INSERT INTO deleted_queues (account_id, name, deleted_at) VALUES (?, ?, ?)
       ON CONFLICT (account_id, name) DO UPDATE SET deleted_at = excluded.deleted_at`,
    ).run(queue.accountId, queue.name, nowMs);
  }

  async getMessage(queueId: number, seq: number): Promise<MessageRow | undefined> {
    const row = this.sql('SELECT * FROM messages WHERE seq = ? AND queue_id = ?').get(seq, queueId) as Row | undefined;
    return row ? toMessage(row) : undefined;
  }

  async newestSeq(queueId: number): Promise<number> {
    const row = this.sql('SELECT MAX(seq) AS newest FROM messages WHERE queue_id = ?').get(queueId) as Row;
    return row.newest === null ? 0 : Number(row.newest);
  }

  async countMessages(queueId: number, nowMs: number): Promise<MessageCounts> {
    const row = this.sql(
      `SELECT
         COALESCE(SUM(visible_at <= ?1), 0) AS visible,
         COALESCE(SUM(visible_at > ?1 AND receive_count > 0), 0) AS in_flight,
         COALESCE(SUM(visible_at > ?1 AND receive_count = 0), 0) AS delayed
       FROM messages WHERE queue_id = ?2 AND expires_at > ?1`,
    ).get(nowMs, queueId) as Row;
    return { visible: Number(row.visible), inFlight: Number(row.in_flight), delayed: Number(row.delayed) };
  }

  async countInFlight(queueId: number, nowMs: number, cap: number): Promise<number> {
    const row = this.sql(
      `SELECT COUNT(*) AS n FROM (SELECT 1 FROM messages
         WHERE queue_id = ? AND visible_at > ? AND receive_count > 0 LIMIT ?)`,
    ).get(queueId, nowMs, cap) as Row;
    return Number(row.n);
  }

  async nextVisibleAt(queueId: number, nowMs: number): Promise<number | undefined> {
    const row = this.sql(
      'SELECT MIN(visible_at) AS next FROM messages WHERE queue_id = ? AND visible_at > ? AND expires_at > visible_at',
    ).get(queueId, nowMs) as Row;
    return row.next === null ? undefined : Number(row.next);
  }

  async getDedup(queueId: number, scope: string, dedupKey: string, nowMs: number): Promise<DedupEntry | undefined> {
    const row = this.sql(
      'SELECT * FROM dedup WHERE queue_id = ? AND scope = ? AND dedup_key = ? AND expires_at > ?',
    ).get(queueId, scope, dedupKey, nowMs) as Row | undefined;
    if (!row) return undefined;
    return {
      queueId: Number(row.queue_id),
      scope: String(row.scope),
      dedupKey: String(row.dedup_key),
      messageId: String(row.message_id),
      seq: Number(row.seq),
      expiresAtMs: Number(row.expires_at),
    };
  }

  async getReceiveAttempt(queueId: number, attemptKey: string, nowMs: number): Promise<ReceiveAttemptRow | undefined> {
    const row = this.sql(
      'SELECT * FROM receive_attempts WHERE queue_id = ? AND attempt_key = ? AND expires_at > ?',
    ).get(queueId, attemptKey, nowMs) as Row | undefined;
    return row ? receiveAttemptOf(row) : undefined;
  }

  async putReceiveAttempt(attempt: ReceiveAttemptRow): Promise<void> {
    this.sql(
      `INSERT INTO receive_attempts (queue_id, attempt_key, seqs, receipt_nonce, visible_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (queue_id, attempt_key) DO UPDATE SET seqs = excluded.seqs,
         receipt_nonce = excluded.receipt_nonce, visible_at = excluded.visible_at, expires_at = excluded.expires_at`,
    ).run(...receiveAttemptValues(attempt));
  }

  async putDedup(entry: DedupEntry): Promise<void> {
    this.sql(
      `INSERT INTO dedup (queue_id, scope, dedup_key, message_id, seq, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (queue_id, scope, dedup_key) DO UPDATE SET
         message_id = excluded.message_id, seq = excluded.seq, expires_at = excluded.expires_at`,
    ).run(entry.queueId, entry.scope, entry.dedupKey, entry.messageId, entry.seq, entry.expiresAtMs);
  }

  async insertMessages(messages: readonly NewMessage[]): Promise<number[]> {
    // Statements run in-process here: one per message costs no round trip.
    const seqs: number[] = [];
    for (const message of messages) seqs.push(await this.insertMessage(message));
    return seqs;
  }

  async insertMessage(message: NewMessage): Promise<number> {
    const result = this.sql(
      `INSERT INTO messages (queue_id, message_id, payload, group_key, sent_at, visible_at, expires_at,
         receive_count, first_received_at, last_received_at, receipt_nonce, size_bytes)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      message.queueId,
      message.messageId,
      message.payload,
      message.groupKey,
      message.sentAtMs,
      message.visibleAtMs,
      message.expiresAtMs,
      message.receiveCount,
      message.firstReceivedAtMs,
      message.lastReceivedAtMs,
      message.receiptNonce,
      message.sizeBytes,
    );
    return Number(result.lastInsertRowid);
  }

  async scanPayloads(afterSeq: number, limit: number): Promise<SealedPayloadRow[]> {
    const rows = this.sql(
      'SELECT queue_id, seq, message_id, payload FROM messages WHERE seq > ? ORDER BY seq LIMIT ?',
    ).all(afterSeq, limit) as Row[];
    return rows.map((row) => ({
      queueId: Number(row.queue_id),
      seq: Number(row.seq),
      messageId: String(row.message_id),
      payload: row.payload as Uint8Array,
    }));
  }

  async payloadPrefixes(length: number): Promise<Array<{ queueId: number; prefix: Uint8Array }>> {
    const rows = this.sql('SELECT DISTINCT queue_id, substr(payload, 1, ?) AS prefix FROM messages').all(
      length,
    ) as Row[];
    return rows.map((row) => ({ queueId: Number(row.queue_id), prefix: row.prefix as Uint8Array }));
  }

  async replacePayload(queueId: number, seq: number, payload: Uint8Array): Promise<void> {
    this.sql('UPDATE messages SET payload = ? WHERE seq = ? AND queue_id = ?').run(payload, seq, queueId);
  }

  async claimReceivable(queueId: number, nowMs: number, limit: number, claim: Claim): Promise<MessageRow[]> {
    // Select, then update row by row: measured three times faster in SQLite than one UPDATE … WHERE seq IN
    // (SELECT …) RETURNING *. One writer holds the transaction, so nothing can claim in between.
    const candidates = this.sql(
      `SELECT seq FROM messages WHERE queue_id = ?1 AND visible_at <= ?2 AND expires_at > ?2
       ORDER BY visible_at, seq LIMIT ?3`,
    ).all(queueId, nowMs, limit) as Row[];
    return this.claimMessages(
      queueId,
      candidates.map((row) => Number(row.seq)).sort((a, b) => a - b),
      nowMs,
      claim,
    );
  }

  async claimMessages(queueId: number, seqs: readonly number[], nowMs: number, claim: Claim): Promise<MessageRow[]> {
    const update = this.sql(
      `UPDATE messages SET visible_at = ?, receipt_nonce = ?, receive_count = receive_count + 1,
         first_received_at = COALESCE(first_received_at, ?), last_received_at = ?
       WHERE seq = ? AND queue_id = ? RETURNING *`,
    );
    const claimed: MessageRow[] = [];
    for (const seq of seqs) {
      const row = update.get(claim.visibleAtMs, claim.receiptNonce, nowMs, nowMs, seq, queueId) as Row | undefined;
      if (row) claimed.push(toMessage(row));
    }
    return claimed;
  }

  async lockQueueForFifoReceive(): Promise<void> {
    // One writer connection: every write transaction is already serialized.
  }

  async lockQueueForFifoSend(): Promise<void> {
    // One writer connection: every write transaction is already serialized.
  }

  async scanInOrder(queueId: number, afterSeq: number, limit: number): Promise<MessageOrderRow[]> {
    const rows = this.sql(
      `SELECT seq, group_key, visible_at, expires_at, receive_count, sent_at FROM messages
       WHERE queue_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ).all(queueId, afterSeq, limit) as Row[];
    return rows.map((row) => ({
      seq: Number(row.seq),
      groupKey: row.group_key === null ? null : String(row.group_key),
      visibleAtMs: Number(row.visible_at),
      expiresAtMs: Number(row.expires_at),
      receiveCount: Number(row.receive_count),
      sentAtMs: Number(row.sent_at),
    }));
  }

  async setVisibleAt(queueId: number, seq: number, visibleAtMs: number): Promise<void> {
    this.sql('UPDATE messages SET visible_at = ? WHERE seq = ? AND queue_id = ?').run(visibleAtMs, seq, queueId);
  }

  async deleteMessage(queueId: number, seq: number): Promise<boolean> {
    return this.sql('DELETE FROM messages WHERE seq = ? AND queue_id = ?').run(seq, queueId).changes > 0;
  }

  async deleteReceived(queueId: number, seq: number, receiptNonce: string): Promise<DeleteOutcome> {
    const deleted = this.sql(
      'DELETE FROM messages WHERE seq = ? AND queue_id = ? AND receipt_nonce = ? RETURNING message_id',
    ).get(seq, queueId, receiptNonce) as Row | undefined;
    if (deleted) return { outcome: 'deleted', messageId: String(deleted.message_id) };
    const exists = this.sql('SELECT 1 FROM messages WHERE seq = ? AND queue_id = ?').get(seq, queueId);
    return { outcome: exists ? 'stale' : 'missing' };
  }

  async deleteReceivedBatch(queueId: number, handles: readonly ReceivedHandle[]): Promise<DeleteOutcome[]> {
    const outcomes: DeleteOutcome[] = [];
    for (const handle of handles) outcomes.push(await this.deleteReceived(queueId, handle.seq, handle.receiptNonce));
    return outcomes;
  }

  async purgeMessages(queueId: number, sentUpToMs: number): Promise<number> {
    return Number(
      this.sql('DELETE FROM messages WHERE queue_id = ? AND sent_at <= ?').run(queueId, sentUpToMs).changes,
    );
  }

  async deleteExpired(nowMs: number, limit: number): Promise<number> {
    const messages = this.sql(
      'DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE expires_at <= ? LIMIT ?)',
    ).run(nowMs, limit);
    const dedup = this.sql(
      `DELETE FROM dedup WHERE (queue_id, scope, dedup_key) IN
         (SELECT queue_id, scope, dedup_key FROM dedup WHERE expires_at <= ? LIMIT ?)`,
    ).run(nowMs, limit);
    const attempts = this.sql(
      `DELETE FROM receive_attempts WHERE (queue_id, attempt_key) IN
         (SELECT queue_id, attempt_key FROM receive_attempts WHERE expires_at <= ? LIMIT ?)`,
    ).run(nowMs, limit);
    return Number(messages.changes) + Number(dedup.changes) + Number(attempts.changes);
  }

  async selectMovable(queueId: number, maxSeq: number, nowMs: number, limit: number): Promise<MessageRow[]> {
    const rows = this.sql(
      `SELECT * FROM messages WHERE queue_id = ?1 AND seq <= ?2 AND visible_at <= ?3 AND expires_at > ?3
       ORDER BY seq LIMIT ?4`,
    ).all(queueId, maxSeq, nowMs, limit) as Row[];
    return rows.map(toMessage);
  }

  async listMoveTasks(sourceQueueId: number, limit: number): Promise<MoveTaskRow[]> {
    const rows = this.sql(
      'SELECT * FROM move_tasks WHERE source_queue_id = ? ORDER BY started_at DESC, task_handle LIMIT ?',
    ).all(sourceQueueId, limit) as Row[];
    return rows.map(toMoveTask);
  }

  async getMoveTask(taskHandle: string): Promise<MoveTaskRow | undefined> {
    const row = this.sql('SELECT * FROM move_tasks WHERE task_handle = ?').get(taskHandle) as Row | undefined;
    return row ? toMoveTask(row) : undefined;
  }

  async listRunningMoveTasks(): Promise<MoveTaskRow[]> {
    const rows = this.sql(
      "SELECT * FROM move_tasks WHERE status IN ('RUNNING', 'CANCELLING') ORDER BY started_at",
    ).all() as Row[];
    return rows.map(toMoveTask);
  }

  async insertMoveTask(task: MoveTaskRow): Promise<void> {
    this.sql(
      `INSERT INTO move_tasks (task_handle, source_queue_id, source_arn, destination_arn, max_per_second, status,
         moved_count, to_move_count, failure_reason, started_at, cutoff_seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      task.taskHandle,
      task.sourceQueueId,
      task.sourceArn,
      task.destinationArn,
      task.maxMessagesPerSecond,
      task.status,
      task.movedCount,
      task.toMoveCount,
      task.failureReason,
      task.startedAtMs,
      task.cutoffSeq,
    );
  }

  async updateMoveTask(task: MoveTaskRow): Promise<void> {
    this.sql('UPDATE move_tasks SET status = ?, moved_count = ?, failure_reason = ? WHERE task_handle = ?').run(
      task.status,
      task.movedCount,
      task.failureReason,
      task.taskHandle,
    );
  }

  async getAccessKey(accessKeyId: string): Promise<AccessKeyRow | undefined> {
    const row = this.sql('SELECT * FROM access_keys WHERE access_key_id = ?').get(accessKeyId) as Row | undefined;
    return row ? toAccessKey(row) : undefined;
  }

  async listAccessKeys(): Promise<AccessKeyRow[]> {
    return (this.sql('SELECT * FROM access_keys ORDER BY created_at').all() as Row[]).map(toAccessKey);
  }

  async insertAccessKey(key: AccessKeyRow): Promise<void> {
    this.sql(
      `INSERT INTO access_keys (access_key_id, sealed_secret, principal_arn, status, created_at, last_used_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(key.accessKeyId, key.sealedSecret, key.principalArn, key.status, key.createdAtMs, key.lastUsedAtMs);
    this.iam.bump();
  }

  async setAccessKeyStatus(accessKeyId: string, status: AccessKeyRow['status']): Promise<void> {
    this.sql('UPDATE access_keys SET status = ? WHERE access_key_id = ?').run(status, accessKeyId);
    this.iam.bump();
  }

  async deleteAccessKey(accessKeyId: string): Promise<void> {
    this.sql('DELETE FROM access_keys WHERE access_key_id = ?').run(accessKeyId);
    this.iam.bump();
  }

  async touchAccessKey(accessKeyId: string, lastUsedAtMs: number): Promise<void> {
    this.sql('UPDATE access_keys SET last_used_at = ? WHERE access_key_id = ?').run(lastUsedAtMs, accessKeyId);
  }

  async replaceAccessKeySecret(accessKeyId: string, sealedSecret: Uint8Array): Promise<void> {
    this.sql('UPDATE access_keys SET sealed_secret = ? WHERE access_key_id = ?').run(sealedSecret, accessKeyId);
  }

  signalReceivable(queueId: number): void {
    this.onSignal(queueId);
  }

  changedRows(): number {
    const row = this.sql('SELECT total_changes() AS n').get() as Row;
    return Number(row.n);
  }
}

function nullableNumber(value: SQLInputValue | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function toQueue(row: Row): QueueRow {
  return {
    id: Number(row.id),
    accountId: String(row.account_id),
    name: String(row.name),
    isFifo: Number(row.is_fifo) === 1,
    attributes: JSON.parse(String(row.attributes)) as Record<string, string>,
    tags: JSON.parse(String(row.tags)) as Record<string, string>,
    createdAtMs: Number(row.created_at),
    lastModifiedAtMs: Number(row.last_modified_at),
    lastPurgedAtMs: nullableNumber(row.last_purged_at),
  };
}

function toMessage(row: Row): MessageRow {
  return {
    queueId: Number(row.queue_id),
    seq: Number(row.seq),
    messageId: String(row.message_id),
    payload: row.payload as Uint8Array,
    groupKey: row.group_key === null ? null : String(row.group_key),
    sentAtMs: Number(row.sent_at),
    visibleAtMs: Number(row.visible_at),
    expiresAtMs: Number(row.expires_at),
    receiveCount: Number(row.receive_count),
    firstReceivedAtMs: nullableNumber(row.first_received_at),
    lastReceivedAtMs: nullableNumber(row.last_received_at),
    receiptNonce: row.receipt_nonce === null ? null : String(row.receipt_nonce),
    sizeBytes: Number(row.size_bytes),
  };
}

function toMoveTask(row: Row): MoveTaskRow {
  return {
    taskHandle: String(row.task_handle),
    sourceQueueId: Number(row.source_queue_id),
    sourceArn: String(row.source_arn),
    destinationArn: row.destination_arn === null ? null : String(row.destination_arn),
    maxMessagesPerSecond: nullableNumber(row.max_per_second),
    status: String(row.status) as MoveTaskStatus,
    movedCount: Number(row.moved_count),
    toMoveCount: Number(row.to_move_count),
    failureReason: row.failure_reason === null ? null : String(row.failure_reason),
    startedAtMs: Number(row.started_at),
    cutoffSeq: Number(row.cutoff_seq),
  };
}

function toAccessKey(row: Row): AccessKeyRow {
  return {
    accessKeyId: String(row.access_key_id),
    sealedSecret: row.sealed_secret as Uint8Array,
    principalArn: String(row.principal_arn),
    status: String(row.status) as AccessKeyRow['status'],
    createdAtMs: Number(row.created_at),
    lastUsedAtMs: nullableNumber(row.last_used_at),
  };
}
