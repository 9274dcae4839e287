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
import { advisoryKey, type Row, type Sql } from './sql.ts';

/** The audit trail's statements (`tx.audit`) on PostgreSQL. */
export class PgAudit implements AuditWrites {
  private readonly sql: Sql;
  /** Nodes stage records; a sequencer chains them (src/audit/sequencer.ts), so requests never wait on the head. */
  readonly chaining = 'sequenced';
  /** Records staged by this transaction's units, inserted together just before it commits (`flushStaged`). */
  private readonly staging: NewStagedAuditRow[] = [];

  constructor(sql: Sql) {
    this.sql = sql;
  }

  async head(): Promise<{ seq: number; hash: Uint8Array } | undefined> {
    const row = await this.sql.one<{ seq: number; hash: Uint8Array }>(
      'SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1',
    );
    if (row) return { seq: row.seq, hash: row.hash };
    const segment = await this.sql.one<{ last_seq: number; last_hash: Uint8Array }>(
      'SELECT last_seq, last_hash FROM audit_segments ORDER BY first_seq DESC LIMIT 1',
    );
    return segment ? { seq: segment.last_seq, hash: segment.last_hash } : undefined;
  }

  async firstHotSeq(): Promise<number | undefined> {
    return (
      (await this.sql.one<{ first: number | null }>('SELECT min(seq) AS first FROM audit_records'))?.first ?? undefined
    );
  }

  async records(fromSeq: number, limit: number): Promise<AuditRecordRow[]> {
    return (
      await this.sql.rows('SELECT * FROM audit_records WHERE seq >= $1 ORDER BY seq LIMIT $2', [fromSeq, limit])
    ).map(toRecord);
  }

  async leafHashes(fromSeq: number, toSeq: number): Promise<Uint8Array[]> {
    const rows = await this.sql.rows<{ hash: Uint8Array }>(
      'SELECT hash FROM audit_records WHERE seq >= $1 AND seq < $2 ORDER BY seq',
      [fromSeq, toSeq],
    );
    return rows.map((row) => row.hash);
  }

  async search(filter: AuditSearchFilter): Promise<AuditRecordRow[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (column: string, operator: string, value: unknown) => {
      if (value === undefined) return;
      values.push(value);
      where.push(`${column} ${operator} $${values.length}`);
    };
    add('time_ms', '>=', filter.fromMs);
    add('time_ms', '<=', filter.toMs);
    add('principal', '=', filter.principal);
    add('event_type', '=', filter.eventType);
    add('resource', '=', filter.resource);
    add('outcome', '=', filter.outcome);
    add('source_ip', '=', filter.sourceIp);
    add('request_id', '=', filter.requestId);
    add('seq', '>', filter.afterSeq);
    values.push(filter.limit);
    const text = `SELECT * FROM audit_records ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY seq LIMIT $${values.length}`;
    return (await this.sql.rows(text, values)).map(toRecord);
  }

  async seqRange(fromMs: number, toMs: number): Promise<{ first: number; last: number } | undefined> {
    const row = await this.sql.one<{ first: number | null; last: number | null }>(
      'SELECT min(seq) AS first, max(seq) AS last FROM audit_records WHERE time_ms >= $1 AND time_ms <= $2',
      [fromMs, toMs],
    );
    return row?.first === null || row?.first === undefined ? undefined : { first: row.first, last: row.last! };
  }

  async treeNode(level: number, index: number): Promise<Uint8Array | undefined> {
    return (
      await this.sql.one<{ hash: Uint8Array }>('SELECT hash FROM audit_tree_nodes WHERE level = $1 AND idx = $2', [
        level,
        index,
      ])
    )?.hash;
  }

  async latestCheckpoint(): Promise<AuditCheckpointRow | undefined> {
    const row = await this.sql.one('SELECT * FROM audit_checkpoints ORDER BY seq DESC LIMIT 1');
    return row ? toCheckpoint(row) : undefined;
  }

  async checkpoints(fromSeq: number, limit: number): Promise<AuditCheckpointRow[]> {
    return (
      await this.sql.rows('SELECT * FROM audit_checkpoints WHERE seq >= $1 ORDER BY seq LIMIT $2', [fromSeq, limit])
    ).map(toCheckpoint);
  }

  async checkpointCovering(treeSize: number): Promise<AuditCheckpointRow | undefined> {
    const row = await this.sql.one('SELECT * FROM audit_checkpoints WHERE tree_size >= $1 ORDER BY seq LIMIT 1', [
      treeSize,
    ]);
    return row ? toCheckpoint(row) : undefined;
  }

  async signingKeys(): Promise<AuditSigningKeyRow[]> {
    return (await this.sql.rows('SELECT * FROM audit_signing_keys ORDER BY created_at, key_id')).map((row) => ({
      keyId: String(row['key_id']),
      publicKey: row['public_key'] as Uint8Array,
      sealedPrivateKey: row['sealed_private_key'] as Uint8Array,
      createdAtMs: Number(row['created_at']),
    }));
  }

  async segments(): Promise<AuditSegmentRow[]> {
    return (await this.sql.rows('SELECT * FROM audit_segments ORDER BY first_seq')).map((row) => ({
      firstSeq: Number(row['first_seq']),
      lastSeq: Number(row['last_seq']),
      firstTimeMs: Number(row['first_time_ms']),
      lastTimeMs: Number(row['last_time_ms']),
      lastHash: row['last_hash'] as Uint8Array,
      fileName: String(row['file_name']),
      manifest: String(row['manifest']),
      signature: row['signature'] as Uint8Array,
      archivedAtMs: Number(row['archived_at']),
      purgedAtMs: row['purged_at'] === null ? null : Number(row['purged_at']),
    }));
  }

  async alerts(sinceMs: number, limit: number): Promise<AuditAlertRow[]> {
    return (
      await this.sql.rows('SELECT * FROM audit_alerts WHERE time_ms >= $1 ORDER BY id DESC LIMIT $2', [sinceMs, limit])
    ).map(toAlert);
  }

  async undeliveredAlerts(limit: number): Promise<AuditAlertRow[]> {
    return (await this.sql.rows('SELECT * FROM audit_alerts WHERE is_pending ORDER BY id LIMIT $1', [limit])).map(
      toAlert,
    );
  }

  async getState(key: string): Promise<string | undefined> {
    return (await this.sql.one<{ value: string }>('SELECT value FROM audit_state WHERE key = $1', [key]))?.value;
  }

  async staged(limit: number): Promise<StagedAuditRow[]> {
    const rows = await this.sql.rows<{ id: number; time_ms: number; body: string; mac: string }>(
      'SELECT id, time_ms, body, mac FROM audit_pending ORDER BY id LIMIT $1',
      [limit],
    );
    return rows.map((row) => ({ id: row.id, timeMs: row.time_ms, body: row.body, mac: row.mac }));
  }

  async append(records: readonly AuditRecordRow[]): Promise<void> {
    if (records.length === 0) return;
    const column = <T>(pick: (record: AuditRecordRow) => T) => records.map(pick);
    await this.sql.run(
      `INSERT INTO audit_records (seq, time_ms, event_type, outcome, principal, source_ip, resource, request_id,
         body, hash, mac)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
         $8::text[], $9::text[], $10::bytea[], $11::text[])`,
      [
        column((r) => r.seq),
        column((r) => r.timeMs),
        column((r) => r.eventType),
        column((r) => r.outcome),
        column((r) => r.principal),
        column((r) => r.sourceIp),
        column((r) => r.resource),
        column((r) => r.requestId),
        column((r) => r.body),
        column((r) => r.hash),
        column((r) => r.mac),
      ],
    );
  }

  async stage(record: NewStagedAuditRow): Promise<void> {
    this.staging.push(record);
  }

  /** How many records this transaction holds staged so far: a unit that rolls back drops what it added. */
  get stagedCount(): number {
    return this.staging.length;
  }

  dropStagedFrom(count: number): void {
    this.staging.length = count;
  }

  /**
   * Sends the insert of every record staged in this transaction, one statement, without waiting: the
   * caller sends COMMIT right behind it and awaits both, so staging costs no round trip of its own.
   */
  flushStaged(): Promise<number> | undefined {
    if (this.staging.length === 0) return undefined;
    const rows = this.staging.splice(0);
    return this.sql.run(
      'INSERT INTO audit_pending (time_ms, body, mac) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])',
      [rows.map((row) => row.timeMs), rows.map((row) => row.body), rows.map((row) => row.mac)],
    );
  }

  async deleteStaged(ids: readonly number[]): Promise<void> {
    await this.sql.run('DELETE FROM audit_pending WHERE id = ANY ($1::bigint[])', [ids]);
  }

  async lockSequencer(): Promise<boolean> {
    const row = await this.sql.one<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(${advisoryKey}) AS locked`, [
      'audit-sequencer',
    ]);
    return row?.locked === true;
  }

  async insertCheckpoint(checkpoint: AuditCheckpointRow): Promise<boolean> {
    const inserted = await this.sql.run(
      `INSERT INTO audit_checkpoints (seq, tree_size, time_ms, body, signature, frontier)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (seq) DO NOTHING`,
      [
        checkpoint.seq,
        checkpoint.treeSize,
        checkpoint.timeMs,
        checkpoint.body,
        checkpoint.signature,
        checkpoint.frontier,
      ],
    );
    return inserted > 0;
  }

  async putTreeNodes(nodes: readonly AuditTreeNode[]): Promise<void> {
    if (nodes.length === 0) return;
    await this.sql.run(
      `INSERT INTO audit_tree_nodes (level, idx, hash)
       SELECT * FROM unnest($1::integer[], $2::bigint[], $3::bytea[]) ON CONFLICT DO NOTHING`,
      [nodes.map((node) => node.level), nodes.map((node) => node.index), nodes.map((node) => Buffer.from(node.hash))],
    );
  }

  async insertSigningKey(key: AuditSigningKeyRow): Promise<void> {
    await this.sql.run(
      'INSERT INTO audit_signing_keys (key_id, public_key, sealed_private_key, created_at) VALUES ($1, $2, $3, $4)',
      [key.keyId, key.publicKey, key.sealedPrivateKey, key.createdAtMs],
    );
  }

  async insertSegment(segment: AuditSegmentRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO audit_segments (first_seq, last_seq, first_time_ms, last_time_ms, last_hash, file_name, manifest,
         signature, archived_at, purged_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
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
      ],
    );
  }

  async markSegmentPurged(firstSeq: number, purgedAtMs: number): Promise<void> {
    await this.sql.run('UPDATE audit_segments SET purged_at = $1 WHERE first_seq = $2', [purgedAtMs, firstSeq]);
  }

  async deleteArchivedRecords(lastSeq: number): Promise<number> {
    return this.sql.run(
      `DELETE FROM audit_records
       WHERE seq <= $1 AND seq <= (SELECT COALESCE(max(last_seq), -1) FROM audit_segments)`,
      [lastSeq],
    );
  }

  async insertAlert(alert: NewAuditAlert): Promise<number> {
    const row = await this.sql.one<{ id: number }>(
      `INSERT INTO audit_alerts (rule_id, severity, time_ms, summary, detail, record_seq, delivery, is_pending)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [
        alert.ruleId,
        alert.severity,
        alert.timeMs,
        alert.summary,
        alert.detail,
        alert.recordSeq,
        alert.delivery,
        alert.isPending,
      ],
    );
    return row!.id;
  }

  async setAlertDelivery(id: number, delivery: string, isPending: boolean): Promise<void> {
    await this.sql.run('UPDATE audit_alerts SET delivery = $1, is_pending = $2 WHERE id = $3', [
      delivery,
      isPending,
      id,
    ]);
  }

  async setState(key: string, value: string): Promise<void> {
    await this.sql.run(
      'INSERT INTO audit_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, value],
    );
  }
}

function nullableText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function toRecord(row: Row): AuditRecordRow {
  return {
    seq: Number(row['seq']),
    timeMs: Number(row['time_ms']),
    eventType: String(row['event_type']),
    outcome: String(row['outcome']) as AuditOutcome,
    principal: nullableText(row['principal']),
    sourceIp: nullableText(row['source_ip']),
    resource: nullableText(row['resource']),
    requestId: nullableText(row['request_id']),
    body: String(row['body']),
    hash: row['hash'] as Uint8Array,
    mac: String(row['mac']),
  };
}

function toCheckpoint(row: Row): AuditCheckpointRow {
  return {
    seq: Number(row['seq']),
    treeSize: Number(row['tree_size']),
    timeMs: Number(row['time_ms']),
    body: String(row['body']),
    signature: row['signature'] as Uint8Array,
    frontier: String(row['frontier']),
  };
}

function toAlert(row: Row): AuditAlertRow {
  return {
    id: Number(row['id']),
    ruleId: String(row['rule_id']),
    severity: String(row['severity']),
    timeMs: Number(row['time_ms']),
    summary: String(row['summary']),
    detail: String(row['detail']),
    recordSeq: Number(row['record_seq']),
    delivery: String(row['delivery']),
    isPending: row['is_pending'] === true,
  };
}
