import { randomUUID } from 'node:crypto';
import type { StatementSync } from 'node:sqlite';
import {
  functionOfColumns,
  logOfColumns,
  mappingColumnValues,
  mappingOfColumns,
  metricOfColumns,
  versionOfColumns,
} from '../function-rows.ts';
import type {
  EventSourceMappingRow,
  FunctionLogRow,
  FunctionMetricRow,
  FunctionRow,
  FunctionVersionRow,
  FunctionWriteTx,
  NewFunctionLog,
} from '../functions.ts';

type Row = Record<string, unknown>;

/** Columns of a version row, without the code blob (read apart, it can be megabytes). */
const versionColumns = `account_id, function_name, version, handler, role_arn, timeout_sec, memory_mb, description,
  secret_env_names, sealed_environment, code_sha256, code_size_bytes, created_at`;

/** `tx.functions` on SQLite: hand-written statements over the function tables, prepared by the transaction. */
export class SqliteFunctionTables implements FunctionWriteTx {
  private readonly sql: (text: string) => StatementSync;

  constructor(sql: (text: string) => StatementSync) {
    this.sql = sql;
  }

  /** A fresh random token, never a counter: a rolled-back change must not be mistaken for a later one. */
  private bump(): void {
    this.sql('UPDATE function_revision SET revision = ? WHERE id = 1').run(randomUUID());
  }

  async revision(): Promise<string> {
    return String((this.sql('SELECT revision FROM function_revision WHERE id = 1').get() as Row).revision);
  }

  async getFunction(accountId: string, name: string): Promise<FunctionRow | undefined> {
    const row = this.sql('SELECT * FROM functions WHERE account_id = ? AND name = ?').get(accountId, name) as
      | Row
      | undefined;
    return row ? functionOfColumns(row) : undefined;
  }

  async listFunctions(accountId: string): Promise<FunctionRow[]> {
    return (this.sql('SELECT * FROM functions WHERE account_id = ? ORDER BY name').all(accountId) as Row[]).map(
      functionOfColumns,
    );
  }

  async getVersion(accountId: string, name: string, version: number): Promise<FunctionVersionRow | undefined> {
    const row = this.sql(
      `SELECT ${versionColumns} FROM function_versions WHERE account_id = ? AND function_name = ? AND version = ?`,
    ).get(accountId, name, version) as Row | undefined;
    return row ? versionOfColumns(row) : undefined;
  }

  async listVersions(accountId: string, name: string): Promise<FunctionVersionRow[]> {
    return (
      this.sql(
        `SELECT ${versionColumns} FROM function_versions WHERE account_id = ? AND function_name = ? ORDER BY version`,
      ).all(accountId, name) as Row[]
    ).map(versionOfColumns);
  }

  async getCode(accountId: string, name: string, version: number): Promise<Uint8Array | undefined> {
    const row = this.sql(
      'SELECT sealed_code FROM function_versions WHERE account_id = ? AND function_name = ? AND version = ?',
    ).get(accountId, name, version) as Row | undefined;
    return row ? (row.sealed_code as Uint8Array) : undefined;
  }

  async getMapping(uuid: string): Promise<EventSourceMappingRow | undefined> {
    const row = this.sql('SELECT * FROM event_source_mappings WHERE uuid = ?').get(uuid) as Row | undefined;
    return row ? mappingOfColumns(row) : undefined;
  }

  async listMappings(accountId: string, functionName?: string): Promise<EventSourceMappingRow[]> {
    const rows =
      functionName === undefined
        ? this.sql('SELECT * FROM event_source_mappings WHERE account_id = ? ORDER BY created_at, uuid').all(accountId)
        : this.sql(
            'SELECT * FROM event_source_mappings WHERE account_id = ? AND function_name = ? ORDER BY created_at, uuid',
          ).all(accountId, functionName);
    return (rows as Row[]).map(mappingOfColumns);
  }

  async listAllMappings(): Promise<EventSourceMappingRow[]> {
    return (this.sql('SELECT * FROM event_source_mappings ORDER BY created_at, uuid').all() as Row[]).map(
      mappingOfColumns,
    );
  }

  async readLogs(
    accountId: string,
    name: string,
    sinceMs: number,
    afterId: number,
    limit: number,
  ): Promise<FunctionLogRow[]> {
    return (
      this.sql(
        `SELECT * FROM function_logs WHERE account_id = ? AND function_name = ? AND at >= ? AND id > ?
         ORDER BY id LIMIT ?`,
      ).all(accountId, name, sinceMs, afterId, limit) as Row[]
    ).map(logOfColumns);
  }

  async readMetrics(accountId: string, name: string, sinceMs: number): Promise<FunctionMetricRow[]> {
    return (
      this.sql(
        'SELECT * FROM function_metrics WHERE account_id = ? AND function_name = ? AND minute >= ? ORDER BY minute',
      ).all(accountId, name, sinceMs) as Row[]
    ).map(metricOfColumns);
  }

  async scanVersions(
    after: { accountId: string; name: string; version: number } | undefined,
    limit: number,
  ): Promise<FunctionVersionRow[]> {
    const rows = after
      ? this.sql(
          `SELECT ${versionColumns} FROM function_versions WHERE (account_id, function_name, version) > (?, ?, ?)
           ORDER BY account_id, function_name, version LIMIT ?`,
        ).all(after.accountId, after.name, after.version, limit)
      : this.sql(
          `SELECT ${versionColumns} FROM function_versions ORDER BY account_id, function_name, version LIMIT ?`,
        ).all(limit);
    return (rows as Row[]).map(versionOfColumns);
  }

  async scanLogs(afterId: number, limit: number): Promise<FunctionLogRow[]> {
    return (this.sql('SELECT * FROM function_logs WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as Row[]).map(
      logOfColumns,
    );
  }

  async insertFunction(row: FunctionRow): Promise<void> {
    this.sql(
      `INSERT INTO functions (account_id, name, current_version, next_version, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(row.accountId, row.name, row.currentVersion, row.nextVersion, row.createdAtMs, row.updatedAtMs);
    this.bump();
  }

  async updateFunction(row: FunctionRow): Promise<void> {
    this.sql(
      `UPDATE functions SET current_version = ?, next_version = ?, created_at = ?, updated_at = ?
       WHERE account_id = ? AND name = ?`,
    ).run(row.currentVersion, row.nextVersion, row.createdAtMs, row.updatedAtMs, row.accountId, row.name);
    this.bump();
  }

  async deleteFunction(accountId: string, name: string): Promise<void> {
    this.sql('DELETE FROM event_source_mappings WHERE account_id = ? AND function_name = ?').run(accountId, name);
    this.sql('DELETE FROM function_versions WHERE account_id = ? AND function_name = ?').run(accountId, name);
    this.sql('DELETE FROM functions WHERE account_id = ? AND name = ?').run(accountId, name);
    this.bump();
  }

  async insertVersion(row: FunctionVersionRow, sealedCode: Uint8Array): Promise<void> {
    this.sql(
      `INSERT INTO function_versions (${versionColumns}, sealed_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      row.accountId,
      row.functionName,
      row.version,
      row.handler,
      row.roleArn,
      row.timeoutSec,
      row.memoryMb,
      row.description,
      JSON.stringify(row.secretEnvNames),
      row.sealedEnvironment,
      row.codeSha256,
      row.codeSizeBytes,
      row.createdAtMs,
      sealedCode,
    );
    this.bump();
  }

  async deleteVersion(accountId: string, name: string, version: number): Promise<boolean> {
    const deleted =
      this.sql('DELETE FROM function_versions WHERE account_id = ? AND function_name = ? AND version = ?').run(
        accountId,
        name,
        version,
      ).changes > 0;
    if (deleted) this.bump();
    return deleted;
  }

  async replaceVersionSeals(
    accountId: string,
    name: string,
    version: number,
    sealed: { code?: Uint8Array; environment?: Uint8Array },
  ): Promise<void> {
    if (sealed.code) {
      this.sql(
        'UPDATE function_versions SET sealed_code = ? WHERE account_id = ? AND function_name = ? AND version = ?',
      ).run(sealed.code, accountId, name, version);
    }
    if (sealed.environment) {
      this.sql(
        'UPDATE function_versions SET sealed_environment = ? WHERE account_id = ? AND function_name = ? AND version = ?',
      ).run(sealed.environment, accountId, name, version);
    }
  }

  async insertMapping(row: EventSourceMappingRow): Promise<void> {
    this.sql(
      `INSERT INTO event_source_mappings (uuid, account_id, function_name, queue_arn, batch_size, batch_window_sec,
         max_concurrency, report_batch_item_failures, filter_patterns, is_enabled, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(...mappingColumnValues(row, (flag) => (flag ? 1 : 0)));
    this.bump();
  }

  async updateMapping(row: EventSourceMappingRow): Promise<void> {
    const [uuid, ...rest] = mappingColumnValues(row, (flag) => (flag ? 1 : 0));
    this.sql(
      `UPDATE event_source_mappings SET account_id = ?, function_name = ?, queue_arn = ?, batch_size = ?,
         batch_window_sec = ?, max_concurrency = ?, report_batch_item_failures = ?, filter_patterns = ?,
         is_enabled = ?, created_at = ?, updated_at = ? WHERE uuid = ?`,
    ).run(...rest, uuid!);
    this.bump();
  }

  async deleteMapping(uuid: string): Promise<boolean> {
    const deleted = this.sql('DELETE FROM event_source_mappings WHERE uuid = ?').run(uuid).changes > 0;
    if (deleted) this.bump();
    return deleted;
  }

  async recordProcessingResult(uuid: string, result: string): Promise<void> {
    this.sql('UPDATE event_source_mappings SET last_processing_result = ? WHERE uuid = ?').run(result, uuid);
  }

  async appendLog(row: NewFunctionLog): Promise<number> {
    const result = this.sql(
      `INSERT INTO function_logs (account_id, function_name, version, request_id, at, duration_ms, outcome, sealed_text)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      row.accountId,
      row.functionName,
      row.version,
      row.requestId,
      row.atMs,
      row.durationMs,
      row.outcome,
      row.sealedText,
    );
    return Number(result.lastInsertRowid);
  }

  async replaceLogText(id: number, sealedText: Uint8Array): Promise<void> {
    this.sql('UPDATE function_logs SET sealed_text = ? WHERE id = ?').run(sealedText, id);
  }

  async addMetrics(rows: readonly FunctionMetricRow[]): Promise<void> {
    const statement = this.sql(
      `INSERT INTO function_metrics (account_id, function_name, minute, invocations, errors, throttles, records,
         duration_sum_ms, duration_max_ms, iterator_age_max_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (account_id, function_name, minute) DO UPDATE SET
         invocations = invocations + excluded.invocations,
         errors = errors + excluded.errors,
         throttles = throttles + excluded.throttles,
         records = records + excluded.records,
         duration_sum_ms = duration_sum_ms + excluded.duration_sum_ms,
         duration_max_ms = max(duration_max_ms, excluded.duration_max_ms),
         iterator_age_max_ms = max(iterator_age_max_ms, excluded.iterator_age_max_ms)`,
    );
    for (const row of rows) {
      statement.run(
        row.accountId,
        row.functionName,
        row.minuteMs,
        row.invocations,
        row.errors,
        row.throttles,
        row.records,
        Math.round(row.durationSumMs),
        Math.round(row.durationMaxMs),
        Math.round(row.iteratorAgeMaxMs),
      );
    }
  }

  async deleteExpiredObservations(logsBeforeMs: number, metricsBeforeMs: number, limit: number): Promise<number> {
    const logs = this.sql(
      'DELETE FROM function_logs WHERE id IN (SELECT id FROM function_logs WHERE at < ? ORDER BY at LIMIT ?)',
    ).run(logsBeforeMs, limit).changes;
    const metrics = this.sql(
      `DELETE FROM function_metrics WHERE (account_id, function_name, minute) IN
         (SELECT account_id, function_name, minute FROM function_metrics WHERE minute < ? ORDER BY minute LIMIT ?)`,
    ).run(metricsBeforeMs, limit).changes;
    return Number(logs) + Number(metrics);
  }
}
