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
import { PgAudit } from './audit.ts';
import { PgCompliance, PgIncidents } from './compliance.ts';
import { PgFunctionTables } from './function-tables.ts';
import { PgIamTables } from './iam-tables.ts';
import { PgKeyTables } from './key-tables.ts';
import { advisoryKey, type Row, type Sql } from './sql.ts';
import { PgVaultTables } from './vault-tables.ts';

/**
 * Hand-written statements of the PostgreSQL driver over one connection. The same class serves reads (on a
 * shared connection, autocommit) and units of work inside a write transaction; `isWrite` adds the row locks
 * that make background work safe when several nodes do it at once.
 */
export class PgTransaction implements WriteTx {
  private readonly sql: Sql;
  private readonly onSignal: (queueId: number) => void;
  private readonly isWrite: boolean;
  readonly keys: PgKeyTables;
  readonly vault: PgVaultTables;
  readonly functions: PgFunctionTables;
  readonly iam: PgIamTables;
  readonly audit: PgAudit;
  readonly compliance: PgCompliance;
  readonly incidents: PgIncidents;

  constructor(sql: Sql, options: { isWrite: boolean; onSignal: (queueId: number) => void }) {
    this.sql = sql;
    this.isWrite = options.isWrite;
    this.onSignal = options.onSignal;
    this.keys = new PgKeyTables(sql);
    this.vault = new PgVaultTables(sql);
    this.functions = new PgFunctionTables(sql);
    this.iam = new PgIamTables(sql);
    this.audit = new PgAudit(sql);
    this.compliance = new PgCompliance(sql);
    this.incidents = new PgIncidents(sql);
  }

  async getMeta(key: string): Promise<string | undefined> {
    return (await this.sql.one<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]))?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.sql.run(
      'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, value],
    );
  }

  async getQueueByName(accountId: string, name: string): Promise<QueueRow | undefined> {
    const row = await this.sql.one('SELECT * FROM queues WHERE account_id = $1 AND name = $2', [accountId, name]);
    return row ? toQueue(row) : undefined;
  }

  async getQueueById(id: number): Promise<QueueRow | undefined> {
    const row = await this.sql.one('SELECT * FROM queues WHERE id = $1', [id]);
    return row ? toQueue(row) : undefined;
  }

  async listQueues(accountId: string, prefix: string, afterName: string, limit: number): Promise<QueueRow[]> {
    // substr() instead of LIKE ('_' is a wildcard there); names use the C collation, so order is byte order.
    const rows = await this.sql.rows(
      `SELECT * FROM queues WHERE account_id = $1 AND substr(name, 1, $2) = $3 AND name > $4
       ORDER BY name LIMIT $5`,
      [accountId, prefix.length, prefix, afterName, limit],
    );
    return rows.map(toQueue);
  }

  async getQueueDeletedAt(accountId: string, name: string): Promise<number | undefined> {
    const row = await this.sql.one<{ deleted_at: number }>(
      'SELECT deleted_at FROM deleted_queues WHERE account_id = $1 AND name = $2',
      [accountId, name],
    );
    return row?.deleted_at;
  }

  async insertQueue(queue: NewQueue): Promise<QueueRow> {
    const row = await this.sql.one<{ id: number }>(
      `INSERT INTO queues (account_id, name, is_fifo, attributes, tags, created_at, last_modified_at, last_purged_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [
        queue.accountId,
        queue.name,
        queue.isFifo,
        JSON.stringify(queue.attributes),
        JSON.stringify(queue.tags),
        queue.createdAtMs,
        queue.lastModifiedAtMs,
        queue.lastPurgedAtMs,
      ],
    );
    return { ...queue, id: row!.id };
  }

  async updateQueue(queue: QueueRow): Promise<void> {
    await this.sql.run(
      'UPDATE queues SET attributes = $1, tags = $2, last_modified_at = $3, last_purged_at = $4 WHERE id = $5',
      [
        JSON.stringify(queue.attributes),
        JSON.stringify(queue.tags),
        queue.lastModifiedAtMs,
        queue.lastPurgedAtMs,
        queue.id,
      ],
    );
  }

  async deleteQueue(queueId: number, nowMs: number): Promise<void> {
    const queue = await this.getQueueById(queueId);
    if (!queue) return;
    await this.sql.run('DELETE FROM messages WHERE queue_id = $1', [queueId]);
    await this.sql.run('DELETE FROM dedup WHERE queue_id = $1', [queueId]);
    await this.sql.run('DELETE FROM receive_attempts WHERE queue_id = $1', [queueId]);
    await this.sql.run('DELETE FROM move_tasks WHERE source_queue_id = $1', [queueId]);
    await this.sql.run('DELETE FROM queues WHERE id = $1', [queueId]);
    await this.sql.run(
      `INSERT INTO deleted_queues (account_id, name, deleted_at) VALUES ($1, $2, $3)
       ON CONFLICT (account_id, name) DO UPDATE SET deleted_at = excluded.deleted_at`,
      [queue.accountId, queue.name, nowMs],
    );
  }

  async getMessage(queueId: number, seq: number): Promise<MessageRow | undefined> {
    const row = await this.sql.one('SELECT * FROM messages WHERE seq = $1 AND queue_id = $2', [seq, queueId]);
    return row ? toMessage(row) : undefined;
  }

  async newestSeq(queueId: number): Promise<number> {
    const row = await this.sql.one<{ newest: number | null }>(
      'SELECT max(seq) AS newest FROM messages WHERE queue_id = $1',
      [queueId],
    );
    return row?.newest ?? 0;
  }

  async countMessages(queueId: number, nowMs: number): Promise<MessageCounts> {
    const row = await this.sql.one<{ visible: number; in_flight: number; delayed: number }>(
      `SELECT count(*) FILTER (WHERE visible_at <= $1) AS visible,
         count(*) FILTER (WHERE visible_at > $1 AND receive_count > 0) AS in_flight,
         count(*) FILTER (WHERE visible_at > $1 AND receive_count = 0) AS delayed
       FROM messages WHERE queue_id = $2 AND expires_at > $1`,
      [nowMs, queueId],
    );
    return { visible: row!.visible, inFlight: row!.in_flight, delayed: row!.delayed };
  }

  async countInFlight(queueId: number, nowMs: number, cap: number): Promise<number> {
    const row = await this.sql.one<{ n: number }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM messages
         WHERE queue_id = $1 AND visible_at > $2 AND receive_count > 0 LIMIT $3) AS capped`,
      [queueId, nowMs, cap],
    );
    return row!.n;
  }

  async nextVisibleAt(queueId: number, nowMs: number): Promise<number | undefined> {
    const row = await this.sql.one<{ next: number | null }>(
      'SELECT min(visible_at) AS next FROM messages WHERE queue_id = $1 AND visible_at > $2 AND expires_at > visible_at',
      [queueId, nowMs],
    );
    return row?.next ?? undefined;
  }

  async getDedup(queueId: number, scope: string, dedupKey: string, nowMs: number): Promise<DedupEntry | undefined> {
    const row = await this.sql.one(
      'SELECT * FROM dedup WHERE queue_id = $1 AND scope = $2 AND dedup_key = $3 AND expires_at > $4',
      [queueId, scope, dedupKey, nowMs],
    );
    if (!row) return undefined;
    return {
      queueId: Number(row['queue_id']),
      scope: String(row['scope']),
      dedupKey: String(row['dedup_key']),
      messageId: String(row['message_id']),
      seq: Number(row['seq']),
      expiresAtMs: Number(row['expires_at']),
    };
  }

  async getReceiveAttempt(queueId: number, attemptKey: string, nowMs: number): Promise<ReceiveAttemptRow | undefined> {
    const row = await this.sql.one(
      'SELECT * FROM receive_attempts WHERE queue_id = $1 AND attempt_key = $2 AND expires_at > $3',
      [queueId, attemptKey, nowMs],
    );
    return row ? receiveAttemptOf(row) : undefined;
  }

  async putReceiveAttempt(attempt: ReceiveAttemptRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO receive_attempts (queue_id, attempt_key, seqs, receipt_nonce, visible_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (queue_id, attempt_key) DO UPDATE SET seqs = excluded.seqs,
         receipt_nonce = excluded.receipt_nonce, visible_at = excluded.visible_at, expires_at = excluded.expires_at`,
      receiveAttemptValues(attempt),
    );
  }

  async putDedup(entry: DedupEntry): Promise<void> {
    await this.sql.run(
      `INSERT INTO dedup (queue_id, scope, dedup_key, message_id, seq, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (queue_id, scope, dedup_key) DO UPDATE SET
         message_id = excluded.message_id, seq = excluded.seq, expires_at = excluded.expires_at`,
      [entry.queueId, entry.scope, entry.dedupKey, entry.messageId, entry.seq, entry.expiresAtMs],
    );
  }

  async insertMessage(message: NewMessage): Promise<number> {
    return (await this.insertMessages([message]))[0]!;
  }

  async insertMessages(messages: readonly NewMessage[]): Promise<number[]> {
    if (messages.length === 0) return [];
    // One statement per batch of up to 10 rows (what SendMessageBatch holds), sent together. A row per VALUES
    // tuple rather than arrays of columns: the sealed payloads travel as binary parameters, where in a
    // bytea[] they were hex text that both sides had to encode and parse (nearly half the insert's cost
    // to PostgreSQL). The statement's text depends only on the row count, so there are at most 10 of them.
    const chunks: Array<readonly NewMessage[]> = [];
    for (let i = 0; i < messages.length; i += maxRowsPerInsert) chunks.push(messages.slice(i, i + maxRowsPerInsert));
    const inserted = await Promise.all(
      chunks.map((chunk) =>
        this.sql.rows<{ seq: number; message_id: string }>(
          insertMessagesText(chunk.length),
          chunk.flatMap((m) => [
            m.queueId,
            m.messageId,
            m.payload,
            m.groupKey,
            m.sentAtMs,
            m.visibleAtMs,
            m.expiresAtMs,
            m.receiveCount,
            m.firstReceivedAtMs,
            m.lastReceivedAtMs,
            m.receiptNonce,
            m.sizeBytes,
          ]),
        ),
      ),
    );
    const seqById = new Map(inserted.flat().map((row) => [row.message_id, row.seq]));
    return messages.map((message) => seqById.get(message.messageId)!);
  }

  async scanPayloads(afterSeq: number, limit: number): Promise<SealedPayloadRow[]> {
    const rows = await this.sql.rows(
      'SELECT queue_id, seq, message_id, payload FROM messages WHERE seq > $1 ORDER BY seq LIMIT $2',
      [afterSeq, limit],
    );
    return rows.map((row) => ({
      queueId: Number(row['queue_id']),
      seq: Number(row['seq']),
      messageId: String(row['message_id']),
      payload: row['payload'] as Uint8Array,
    }));
  }

  async payloadPrefixes(length: number): Promise<Array<{ queueId: number; prefix: Uint8Array }>> {
    const rows = await this.sql.rows(
      'SELECT DISTINCT queue_id, substring(payload from 1 for $1) AS prefix FROM messages',
      [length],
    );
    return rows.map((row) => ({ queueId: Number(row['queue_id']), prefix: row['prefix'] as Uint8Array }));
  }

  async replacePayload(queueId: number, seq: number, payload: Uint8Array): Promise<void> {
    await this.sql.run('UPDATE messages SET payload = $1 WHERE seq = $2 AND queue_id = $3', [payload, seq, queueId]);
  }

  async claimReceivable(queueId: number, nowMs: number, limit: number, claim: Claim): Promise<MessageRow[]> {
    // SKIP LOCKED: messages another node's receive is claiming right now are left to it, not waited for.
    const rows = await this.sql.rows(
      `UPDATE messages m SET visible_at = $4, receipt_nonce = $5, receive_count = m.receive_count + 1,
         first_received_at = COALESCE(m.first_received_at, $2), last_received_at = $2
       FROM (SELECT seq FROM messages WHERE queue_id = $1 AND visible_at <= $2 AND expires_at > $2
             ORDER BY visible_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED) AS chosen
       WHERE m.seq = chosen.seq RETURNING m.*`,
      [queueId, nowMs, limit, claim.visibleAtMs, claim.receiptNonce],
    );
    return rows.map(toMessage).sort((a, b) => a.seq - b.seq);
  }

  async claimMessages(queueId: number, seqs: readonly number[], nowMs: number, claim: Claim): Promise<MessageRow[]> {
    if (seqs.length === 0) return [];
    const rows = await this.sql.rows(
      `UPDATE messages SET visible_at = $1, receipt_nonce = $2, receive_count = receive_count + 1,
         first_received_at = COALESCE(first_received_at, $3), last_received_at = $3
       WHERE queue_id = $4 AND seq = ANY ($5::bigint[]) RETURNING *`,
      [claim.visibleAtMs, claim.receiptNonce, nowMs, queueId, seqs],
    );
    const bySeq = new Map(rows.map((row) => [Number(row['seq']), toMessage(row)]));
    return seqs.flatMap((seq) => bySeq.get(seq) ?? []);
  }

  async lockQueueForFifoReceive(queueId: number): Promise<void> {
    // Held until commit: one FIFO receive per queue at a time across all nodes, so group exclusivity holds.
    await this.sql.rows(`SELECT pg_advisory_xact_lock(${advisoryKey})`, [`fifo-receive:${queueId}`]);
  }

  async lockQueueForFifoSend(queueId: number): Promise<void> {
    // Held until commit: FIFO sends of one queue take their seqs and commit in the same order, and a
    // deduplication id checked here cannot be inserted by another node before this send commits.
    await this.sql.rows(`SELECT pg_advisory_xact_lock(${advisoryKey})`, [`fifo-send:${queueId}`]);
  }

  async scanInOrder(queueId: number, afterSeq: number, limit: number): Promise<MessageOrderRow[]> {
    const rows = await this.sql.rows(
      `SELECT seq, group_key, visible_at, expires_at, receive_count, sent_at FROM messages
       WHERE queue_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [queueId, afterSeq, limit],
    );
    return rows.map((row) => ({
      seq: Number(row['seq']),
      groupKey: row['group_key'] === null ? null : String(row['group_key']),
      visibleAtMs: Number(row['visible_at']),
      expiresAtMs: Number(row['expires_at']),
      receiveCount: Number(row['receive_count']),
      sentAtMs: Number(row['sent_at']),
    }));
  }

  async setVisibleAt(queueId: number, seq: number, visibleAtMs: number): Promise<void> {
    await this.sql.run('UPDATE messages SET visible_at = $1 WHERE seq = $2 AND queue_id = $3', [
      visibleAtMs,
      seq,
      queueId,
    ]);
  }

  async deleteMessage(queueId: number, seq: number): Promise<boolean> {
    return (await this.sql.run('DELETE FROM messages WHERE seq = $1 AND queue_id = $2', [seq, queueId])) > 0;
  }

  async deleteReceived(queueId: number, seq: number, receiptNonce: string): Promise<DeleteOutcome> {
    return (await this.deleteReceivedBatch(queueId, [{ seq, receiptNonce }]))[0]!;
  }

  async deleteReceivedBatch(queueId: number, handles: readonly ReceivedHandle[]): Promise<DeleteOutcome[]> {
    if (handles.length === 0) return [];
    const seqs = handles.map((handle) => handle.seq);
    const deleted = await this.sql.rows<{ seq: number; receipt_nonce: string; message_id: string }>(
      `DELETE FROM messages m USING unnest($2::bigint[], $3::text[]) AS h (seq, nonce)
       WHERE m.queue_id = $1 AND m.seq = h.seq AND m.receipt_nonce = h.nonce
       RETURNING m.seq, m.receipt_nonce, m.message_id`,
      [queueId, seqs, handles.map((handle) => handle.receiptNonce)],
    );
    // Every handle deleted its message (a consumer's usual batch): nothing can be stale, nothing to ask.
    // Otherwise what this transaction still finds was not deleted: a stale handle.
    const isEachDeleted = deleted.length === handles.length;
    const remaining = isEachDeleted
      ? []
      : await this.sql.rows<{ seq: number }>(
          'SELECT seq FROM messages WHERE queue_id = $1 AND seq = ANY ($2::bigint[])',
          [queueId, seqs],
        );
    return deleteOutcomesInOrder(handles, deleted, new Set(remaining.map((row) => row.seq)));
  }

  async purgeMessages(queueId: number, sentUpToMs: number): Promise<number> {
    return this.sql.run('DELETE FROM messages WHERE queue_id = $1 AND sent_at <= $2', [queueId, sentUpToMs]);
  }

  async deleteExpired(nowMs: number, limit: number): Promise<number> {
    // SKIP LOCKED: two nodes sweeping at once split the work instead of waiting on each other.
    const messages = await this.sql.run(
      `DELETE FROM messages WHERE seq IN
         (SELECT seq FROM messages WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [nowMs, limit],
    );
    const dedup = await this.sql.run(
      `DELETE FROM dedup WHERE (queue_id, scope, dedup_key) IN
         (SELECT queue_id, scope, dedup_key FROM dedup WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [nowMs, limit],
    );
    const attempts = await this.sql.run(
      `DELETE FROM receive_attempts WHERE (queue_id, attempt_key) IN
         (SELECT queue_id, attempt_key FROM receive_attempts WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [nowMs, limit],
    );
    return messages + dedup + attempts;
  }

  async selectMovable(queueId: number, maxSeq: number, nowMs: number, limit: number): Promise<MessageRow[]> {
    // Locked until commit, skipping what a receive or another mover holds: a message is moved once.
    const rows = await this.sql.rows(
      `SELECT * FROM messages WHERE queue_id = $1 AND seq <= $2 AND visible_at <= $3 AND expires_at > $3
       ORDER BY seq LIMIT $4 ${this.isWrite ? 'FOR UPDATE SKIP LOCKED' : ''}`,
      [queueId, maxSeq, nowMs, limit],
    );
    return rows.map(toMessage);
  }

  async listMoveTasks(sourceQueueId: number, limit: number): Promise<MoveTaskRow[]> {
    const rows = await this.sql.rows(
      'SELECT * FROM move_tasks WHERE source_queue_id = $1 ORDER BY started_at DESC, task_handle LIMIT $2',
      [sourceQueueId, limit],
    );
    return rows.map(toMoveTask);
  }

  async getMoveTask(taskHandle: string): Promise<MoveTaskRow | undefined> {
    // In a write, the task row stays locked until commit: two nodes never advance one task at once.
    const row = await this.sql.one(
      `SELECT * FROM move_tasks WHERE task_handle = $1 ${this.isWrite ? 'FOR UPDATE' : ''}`,
      [taskHandle],
    );
    return row ? toMoveTask(row) : undefined;
  }

  async listRunningMoveTasks(): Promise<MoveTaskRow[]> {
    const rows = await this.sql.rows(
      "SELECT * FROM move_tasks WHERE status IN ('RUNNING', 'CANCELLING') ORDER BY started_at",
    );
    return rows.map(toMoveTask);
  }

  async insertMoveTask(task: MoveTaskRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO move_tasks (task_handle, source_queue_id, source_arn, destination_arn, max_per_second, status,
         moved_count, to_move_count, failure_reason, started_at, cutoff_seq)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
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
      ],
    );
  }

  async updateMoveTask(task: MoveTaskRow): Promise<void> {
    await this.sql.run(
      'UPDATE move_tasks SET status = $1, moved_count = $2, failure_reason = $3 WHERE task_handle = $4',
      [task.status, task.movedCount, task.failureReason, task.taskHandle],
    );
  }

  async getAccessKey(accessKeyId: string): Promise<AccessKeyRow | undefined> {
    const row = await this.sql.one('SELECT * FROM access_keys WHERE access_key_id = $1', [accessKeyId]);
    return row ? toAccessKey(row) : undefined;
  }

  async listAccessKeys(): Promise<AccessKeyRow[]> {
    return (await this.sql.rows('SELECT * FROM access_keys ORDER BY created_at')).map(toAccessKey);
  }

  async insertAccessKey(key: AccessKeyRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO access_keys (access_key_id, sealed_secret, principal_arn, status, created_at, last_used_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [key.accessKeyId, key.sealedSecret, key.principalArn, key.status, key.createdAtMs, key.lastUsedAtMs],
    );
    await this.iam.bump();
  }

  async setAccessKeyStatus(accessKeyId: string, status: AccessKeyRow['status']): Promise<void> {
    await this.sql.run('UPDATE access_keys SET status = $1 WHERE access_key_id = $2', [status, accessKeyId]);
    await this.iam.bump();
  }

  async deleteAccessKey(accessKeyId: string): Promise<void> {
    await this.sql.run('DELETE FROM access_keys WHERE access_key_id = $1', [accessKeyId]);
    await this.iam.bump();
  }

  async touchAccessKey(accessKeyId: string, lastUsedAtMs: number): Promise<void> {
    await this.sql.run('UPDATE access_keys SET last_used_at = $1 WHERE access_key_id = $2', [
      lastUsedAtMs,
      accessKeyId,
    ]);
  }

  async replaceAccessKeySecret(accessKeyId: string, sealedSecret: Uint8Array): Promise<void> {
    await this.sql.run('UPDATE access_keys SET sealed_secret = $1 WHERE access_key_id = $2', [
      sealedSecret,
      accessKeyId,
    ]);
  }

  /** Where a unit of a group commit starts: what it stages in memory until commit so far. */
  unitMark(): number {
    return this.audit.stagedCount;
  }

  /** The unit that started at `mark` rolled back to its savepoint: forget what it left in memory. */
  rollBackUnit(mark: number): void {
    this.audit.dropStagedFrom(mark);
    this.keys.forgetRevision();
  }

  signalReceivable(queueId: number): void {
    this.onSignal(queueId);
  }

  changedRows(): number {
    return this.sql.changes;
  }
}

const maxRowsPerInsert = 10;
const messageColumns = 12;
const insertTexts: string[] = [];

function insertMessagesText(rows: number): string {
  const tuple = (row: number) =>
    `(${Array.from({ length: messageColumns }, (_, column) => `$${row * messageColumns + column + 1}`).join(', ')})`;
  insertTexts[rows] ??= `INSERT INTO messages (queue_id, message_id, payload, group_key, sent_at, visible_at,
     expires_at, receive_count, first_received_at, last_received_at, receipt_nonce, size_bytes)
   VALUES ${Array.from({ length: rows }, (_, row) => tuple(row)).join(', ')} RETURNING seq, message_id`;
  return insertTexts[rows];
}

/**
 * The outcome each handle would have had, deleted one after the other: the handle that matched deletes; a
 * handle of a message deleted earlier in the batch finds it missing, one of a message deleted later (or
 * still there) is stale.
 */
function deleteOutcomesInOrder(
  handles: readonly ReceivedHandle[],
  deleted: ReadonlyArray<{ seq: number; receipt_nonce: string; message_id: string }>,
  remaining: ReadonlySet<number>,
): DeleteOutcome[] {
  const deletedBySeq = new Map(deleted.map((row) => [row.seq, row]));
  const gone = new Set<number>();
  return handles.map(({ seq, receiptNonce }): DeleteOutcome => {
    if (gone.has(seq)) return { outcome: 'missing' };
    const row = deletedBySeq.get(seq);
    if (row && row.receipt_nonce === receiptNonce) {
      gone.add(seq);
      return { outcome: 'deleted', messageId: row.message_id };
    }
    return { outcome: row || remaining.has(seq) ? 'stale' : 'missing' };
  });
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function toQueue(row: Row): QueueRow {
  return {
    id: Number(row['id']),
    accountId: String(row['account_id']),
    name: String(row['name']),
    isFifo: row['is_fifo'] === true,
    attributes: JSON.parse(String(row['attributes'])) as Record<string, string>,
    tags: JSON.parse(String(row['tags'])) as Record<string, string>,
    createdAtMs: Number(row['created_at']),
    lastModifiedAtMs: Number(row['last_modified_at']),
    lastPurgedAtMs: nullableNumber(row['last_purged_at']),
  };
}

function toMessage(row: Row): MessageRow {
  return {
    queueId: Number(row['queue_id']),
    seq: Number(row['seq']),
    messageId: String(row['message_id']),
    payload: row['payload'] as Uint8Array,
    groupKey: row['group_key'] === null ? null : String(row['group_key']),
    sentAtMs: Number(row['sent_at']),
    visibleAtMs: Number(row['visible_at']),
    expiresAtMs: Number(row['expires_at']),
    receiveCount: Number(row['receive_count']),
    firstReceivedAtMs: nullableNumber(row['first_received_at']),
    lastReceivedAtMs: nullableNumber(row['last_received_at']),
    receiptNonce: row['receipt_nonce'] === null ? null : String(row['receipt_nonce']),
    sizeBytes: Number(row['size_bytes']),
  };
}

function toMoveTask(row: Row): MoveTaskRow {
  return {
    taskHandle: String(row['task_handle']),
    sourceQueueId: Number(row['source_queue_id']),
    sourceArn: String(row['source_arn']),
    destinationArn: row['destination_arn'] === null ? null : String(row['destination_arn']),
    maxMessagesPerSecond: nullableNumber(row['max_per_second']),
    status: String(row['status']) as MoveTaskStatus,
    movedCount: Number(row['moved_count']),
    toMoveCount: Number(row['to_move_count']),
    failureReason: row['failure_reason'] === null ? null : String(row['failure_reason']),
    startedAtMs: Number(row['started_at']),
    cutoffSeq: Number(row['cutoff_seq']),
  };
}

function toAccessKey(row: Row): AccessKeyRow {
  return {
    accessKeyId: String(row['access_key_id']),
    sealedSecret: row['sealed_secret'] as Uint8Array,
    principalArn: String(row['principal_arn']),
    status: String(row['status']) as AccessKeyRow['status'],
    createdAtMs: Number(row['created_at']),
    lastUsedAtMs: nullableNumber(row['last_used_at']),
  };
}
