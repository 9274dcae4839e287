import type { SQLInputValue, StatementSync } from 'node:sqlite';
import type {
  AuditAlertRow,
  AuditCheckpointRow,
  AuditOutcome,
  AuditRecordRow,
  AuditSearchFilter,
  AuditSegmentRow,
  AuditSigningKeyRow,
  AuditTreeNode,
  AuditWrites,
  NewAuditAlert,
  NewStagedAuditRow,
  StagedAuditRow,
} from '../audit-store.ts';

type Row = Record<string, SQLInputValue>;

/** The audit trail's statements (`tx.audit`), on the connection of the transaction that owns them. */
export class SqliteAudit implements AuditWrites {
  private readonly sql: (text: string) => StatementSync;
  /** One writer commits at a time, so the writer itself extends the chain in its transaction. */
  readonly chaining = 'inline';

  constructor(sql: (text: string) => StatementSync) {
    this.sql = sql;
  }

  async head(): Promise<{ seq: number; hash: Uint8Array } | undefined> {
    const row = this.sql('SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
    if (row) return { seq: Number(row.seq), hash: row.hash as Uint8Array };
    const segment = this.sql('SELECT last_seq, last_hash FROM audit_segments ORDER BY first_seq DESC LIMIT 1').get() as
      | Row
      | undefined;
    return segment ? { seq: Number(segment.last_seq), hash: segment.last_hash as Uint8Array } : undefined;
  }

  async firstHotSeq(): Promise<number | undefined> {
    const row = this.sql('SELECT MIN(seq) AS first FROM audit_records').get() as Row;
    return row.first === null ? undefined : Number(row.first);
  }

  async records(fromSeq: number, limit: number): Promise<AuditRecordRow[]> {
    const rows = this.sql('SELECT * FROM audit_records WHERE seq >= ? ORDER BY seq LIMIT ?').all(
      fromSeq,
      limit,
    ) as Row[];
    return rows.map(toRecord);
  }

  async leafHashes(fromSeq: number, toSeq: number): Promise<Uint8Array[]> {
    const rows = this.sql('SELECT hash FROM audit_records WHERE seq >= ? AND seq < ? ORDER BY seq').all(
      fromSeq,
      toSeq,
    ) as Row[];
    return rows.map((row) => row.hash as Uint8Array);
  }

  async search(filter: AuditSearchFilter): Promise<AuditRecordRow[]> {
    const where: string[] = [];
    const values: SQLInputValue[] = [];
    const add = (clause: string, value: SQLInputValue | undefined) => {
      if (value === undefined) return;
      where.push(clause);
      values.push(value);
    };
    add('time_ms >= ?', filter.fromMs);
    add('time_ms <= ?', filter.toMs);
    add('principal = ?', filter.principal);
    add('event_type = ?', filter.eventType);
    add('resource = ?', filter.resource);
    add('outcome = ?', filter.outcome);
    add('source_ip = ?', filter.sourceIp);
    add('request_id = ?', filter.requestId);
    add('seq > ?', filter.afterSeq);
    const text = `SELECT * FROM audit_records ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY seq LIMIT ?`;
    return (this.sql(text).all(...values, filter.limit) as Row[]).map(toRecord);
  }

  async seqRange(fromMs: number, toMs: number): Promise<{ first: number; last: number } | undefined> {
    const row = this.sql(
      'SELECT MIN(seq) AS first, MAX(seq) AS last FROM audit_records WHERE time_ms >= ? AND time_ms <= ?',
    ).get(fromMs, toMs) as Row;
    return row.first === null ? undefined : { first: Number(row.first), last: Number(row.last) };
  }

  async treeNode(level: number, index: number): Promise<Uint8Array | undefined> {
    const row = this.sql('SELECT hash FROM audit_tree_nodes WHERE level = ? AND idx = ?').get(level, index) as
      | Row
      | undefined;
    return row ? (row.hash as Uint8Array) : undefined;
  }

  async latestCheckpoint(): Promise<AuditCheckpointRow | undefined> {
    const row = this.sql('SELECT * FROM audit_checkpoints ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
    return row ? toCheckpoint(row) : undefined;
  }

  async checkpoints(fromSeq: number, limit: number): Promise<AuditCheckpointRow[]> {
    const rows = this.sql('SELECT * FROM audit_checkpoints WHERE seq >= ? ORDER BY seq LIMIT ?').all(
      fromSeq,
      limit,
    ) as Row[];
    return rows.map(toCheckpoint);
  }

  async checkpointCovering(treeSize: number): Promise<AuditCheckpointRow | undefined> {
    const row = this.sql('SELECT * FROM audit_checkpoints WHERE tree_size >= ? ORDER BY seq LIMIT 1').get(treeSize) as
      | Row
      | undefined;
    return row ? toCheckpoint(row) : undefined;
  }

  async signingKeys(): Promise<AuditSigningKeyRow[]> {
    return (this.sql('SELECT * FROM audit_signing_keys ORDER BY created_at, key_id').all() as Row[]).map((row) => ({
      keyId: String(row.key_id),
      publicKey: row.public_key as Uint8Array,
      sealedPrivateKey: row.sealed_private_key as Uint8Array,
      createdAtMs: Number(row.created_at),
    }));
  }

  async segments(): Promise<AuditSegmentRow[]> {
    return (this.sql('SELECT * FROM audit_segments ORDER BY first_seq').all() as Row[]).map((row) => ({
      firstSeq: Number(row.first_seq),
      lastSeq: Number(row.last_seq),
      firstTimeMs: Number(row.first_time_ms),
      lastTimeMs: Number(row.last_time_ms),
      lastHash: row.last_hash as Uint8Array,
      fileName: String(row.file_name),
      manifest: String(row.manifest),
      signature: row.signature as Uint8Array,
      archivedAtMs: Number(row.archived_at),
      purgedAtMs: row.purged_at === null ? null : Number(row.purged_at),
    }));
  }

  async alerts(sinceMs: number, limit: number): Promise<AuditAlertRow[]> {
    const rows = this.sql('SELECT * FROM audit_alerts WHERE time_ms >= ? ORDER BY id DESC LIMIT ?').all(
      sinceMs,
      limit,
    ) as Row[];
    return rows.map(toAlert);
  }

  async undeliveredAlerts(limit: number): Promise<AuditAlertRow[]> {
    const rows = this.sql('SELECT * FROM audit_alerts WHERE is_pending = 1 ORDER BY id LIMIT ?').all(limit) as Row[];
    return rows.map(toAlert);
  }

  async getState(key: string): Promise<string | undefined> {
    const row = this.sql('SELECT value FROM audit_state WHERE key = ?').get(key) as Row | undefined;
    return row ? String(row.value) : undefined;
  }

  async append(records: readonly AuditRecordRow[]): Promise<void> {
    for (const record of records) this.appendOne(record);
  }

  private appendOne(record: AuditRecordRow): void {
    this.sql(
      `INSERT INTO audit_records (seq, time_ms, event_type, outcome, principal, source_ip, resource, request_id,
         body, hash, mac)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      record.seq,
      record.timeMs,
      record.eventType,
      record.outcome,
      record.principal,
      record.sourceIp,
      record.resource,
      record.requestId,
      record.body,
      record.hash,
      record.mac,
    );
  }

  async staged(limit: number): Promise<StagedAuditRow[]> {
    const rows = this.sql('SELECT * FROM audit_pending ORDER BY id LIMIT ?').all(limit) as Row[];
    return rows.map((row) => ({
      id: Number(row.id),
      timeMs: Number(row.time_ms),
      body: String(row.body),
      mac: String(row.mac),
    }));
  }

  async stage(record: NewStagedAuditRow): Promise<void> {
    this.sql('INSERT INTO audit_pending (time_ms, body, mac) VALUES (?, ?, ?)').run(
      record.timeMs,
      record.body,
      record.mac,
    );
  }

  async deleteStaged(ids: readonly number[]): Promise<void> {
    const remove = this.sql('DELETE FROM audit_pending WHERE id = ?');
    for (const id of ids) remove.run(id);
  }

  async lockSequencer(): Promise<boolean> {
    // One writer connection: write transactions are already serialized.
    return true;
  }

  async insertCheckpoint(checkpoint: AuditCheckpointRow): Promise<boolean> {
    const result = this.sql(
      `INSERT INTO audit_checkpoints (seq, tree_size, time_ms, body, signature, frontier)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING`,
    ).run(
      checkpoint.seq,
      checkpoint.treeSize,
      checkpoint.timeMs,
      checkpoint.body,
      checkpoint.signature,
      checkpoint.frontier,
    );
    return Number(result.changes) > 0;
  }

  async putTreeNodes(nodes: readonly AuditTreeNode[]): Promise<void> {
    const insert = this.sql('INSERT INTO audit_tree_nodes (level, idx, hash) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    for (const node of nodes) insert.run(node.level, node.index, node.hash);
  }

  async insertSigningKey(key: AuditSigningKeyRow): Promise<void> {
    this.sql(
      'INSERT INTO audit_signing_keys (key_id, public_key, sealed_private_key, created_at) VALUES (?, ?, ?, ?)',
    ).run(key.keyId, key.publicKey, key.sealedPrivateKey, key.createdAtMs);
  }

  async insertSegment(segment: AuditSegmentRow): Promise<void> {
    this.sql(
      `INSERT INTO audit_segments (first_seq, last_seq, first_time_ms, last_time_ms, last_hash, file_name, manifest,
         signature, archived_at, purged_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      segment.firstSeq,
      segment.lastSeq,
      segment.firstTimeMs,
      segment.lastTimeMs,
      segment.lastHash,
      segment.fileName,
      segment.manifest,
      segment.signature,
      segment.archivedAtMs,
      segment.purgedAtMs,
    );
  }

  async markSegmentPurged(firstSeq: number, purgedAtMs: number): Promise<void> {
    this.sql('UPDATE audit_segments SET purged_at = ? WHERE first_seq = ?').run(purgedAtMs, firstSeq);
  }

  async deleteArchivedRecords(lastSeq: number): Promise<number> {
    const result = this.sql(
      `DELETE FROM audit_records
       WHERE seq <= ? AND seq <= (SELECT COALESCE(MAX(last_seq), -1) FROM audit_segments)`,
    ).run(lastSeq);
    return Number(result.changes);
  }

  async insertAlert(alert: NewAuditAlert): Promise<number> {
    const result = this.sql(
      `INSERT INTO audit_alerts (rule_id, severity, time_ms, summary, detail, record_seq, delivery, is_pending)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      alert.ruleId,
      alert.severity,
      alert.timeMs,
      alert.summary,
      alert.detail,
      alert.recordSeq,
      alert.delivery,
      alert.isPending ? 1 : 0,
    );
    return Number(result.lastInsertRowid);
  }

  async setAlertDelivery(id: number, delivery: string, isPending: boolean): Promise<void> {
    this.sql('UPDATE audit_alerts SET delivery = ?, is_pending = ? WHERE id = ?').run(delivery, isPending ? 1 : 0, id);
  }

  async setState(key: string, value: string): Promise<void> {
    this.sql(
      'INSERT INTO audit_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(key, value);
  }
}

function nullableText(value: SQLInputValue | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

function toRecord(row: Row): AuditRecordRow {
  return {
    seq: Number(row.seq),
    timeMs: Number(row.time_ms),
    eventType: String(row.event_type),
    outcome: String(row.outcome) as AuditOutcome,
    principal: nullableText(row.principal),
    sourceIp: nullableText(row.source_ip),
    resource: nullableText(row.resource),
    requestId: nullableText(row.request_id),
    body: String(row.body),
    hash: row.hash as Uint8Array,
    mac: String(row.mac),
  };
}

function toCheckpoint(row: Row): AuditCheckpointRow {
  return {
    seq: Number(row.seq),
    treeSize: Number(row.tree_size),
    timeMs: Number(row.time_ms),
    body: String(row.body),
    signature: row.signature as Uint8Array,
    frontier: String(row.frontier),
  };
}

function toAlert(row: Row): AuditAlertRow {
  return {
    id: Number(row.id),
    ruleId: String(row.rule_id),
    severity: String(row.severity),
    timeMs: Number(row.time_ms),
    summary: String(row.summary),
    detail: String(row.detail),
    recordSeq: Number(row.record_seq),
    delivery: String(row.delivery),
    isPending: Number(row.is_pending) === 1,
  };
}
