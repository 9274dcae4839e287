import { randomUUID } from 'node:crypto';
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
import type { Sql } from './sql.ts';

/** Columns of a version row, without the code blob (read apart, it can be megabytes). */
const versionColumns = `account_id, function_name, version, handler, role_arn, timeout_sec, memory_mb, description,
  secret_env_names, sealed_environment, code_sha256, code_size_bytes, created_at`;

/** `tx.functions` on PostgreSQL: hand-written statements over the function tables. */
export class PgFunctionTables implements FunctionWriteTx {
  private readonly sql: Sql;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  /** A fresh random token, never a counter: a rolled-back change must not be mistaken for a later one. */
  private async bump(): Promise<void> {
    await this.sql.run('UPDATE function_revision SET revision = $1 WHERE id = 1', [randomUUID()]);
  }

  async revision(): Promise<string> {
    return (await this.sql.one<{ revision: string }>('SELECT revision FROM function_revision WHERE id = 1'))!.revision;
  }

  async getFunction(accountId: string, name: string): Promise<FunctionRow | undefined> {
    const row = await this.sql.one('SELECT * FROM functions WHERE account_id = $1 AND name = $2', [accountId, name]);
    return row ? functionOfColumns(row) : undefined;
  }

  async listFunctions(accountId: string): Promise<FunctionRow[]> {
    return (await this.sql.rows('SELECT * FROM functions WHERE account_id = $1 ORDER BY name', [accountId])).map(
      functionOfColumns,
    );
  }

  async getVersion(accountId: string, name: string, version: number): Promise<FunctionVersionRow | undefined> {
    const row = await this.sql.one(
      `SELECT ${versionColumns} FROM function_versions WHERE account_id = $1 AND function_name = $2 AND version = $3`,
      [accountId, name, version],
    );
    return row ? versionOfColumns(row) : undefined;
  }

  async listVersions(accountId: string, name: string): Promise<FunctionVersionRow[]> {
    return (
      await this.sql.rows(
        `SELECT ${versionColumns} FROM function_versions WHERE account_id = $1 AND function_name = $2 ORDER BY version`,
        [accountId, name],
      )
    ).map(versionOfColumns);
  }

  async getCode(accountId: string, name: string, version: number): Promise<Uint8Array | undefined> {
    const row = await this.sql.one<{ sealed_code: Uint8Array }>(
      'SELECT sealed_code FROM function_versions WHERE account_id = $1 AND function_name = $2 AND version = $3',
      [accountId, name, version],
    );
    return row?.sealed_code;
  }

  async getMapping(uuid: string): Promise<EventSourceMappingRow | undefined> {
    const row = await this.sql.one('SELECT * FROM event_source_mappings WHERE uuid = $1', [uuid]);
    return row ? mappingOfColumns(row) : undefined;
  }

  async listMappings(accountId: string, functionName?: string): Promise<EventSourceMappingRow[]> {
    const rows =
      functionName === undefined
        ? await this.sql.rows('SELECT * FROM event_source_mappings WHERE account_id = $1 ORDER BY created_at, uuid', [
            accountId,
          ])
        : await this.sql.rows(
            'SELECT * FROM event_source_mappings WHERE account_id = $1 AND function_name = $2 ORDER BY created_at, uuid',
            [accountId, functionName],
          );
    return rows.map(mappingOfColumns);
  }

  async listAllMappings(): Promise<EventSourceMappingRow[]> {
    return (await this.sql.rows('SELECT * FROM event_source_mappings ORDER BY created_at, uuid')).map(mappingOfColumns);
  }

  async readLogs(
    accountId: string,
    name: string,
    sinceMs: number,
    afterId: number,
    limit: number,
  ): Promise<FunctionLogRow[]> {
    return (
      await this.sql.rows(
        `SELECT * FROM function_logs WHERE account_id = $1 AND function_name = $2 AND at >= $3 AND id > $4
         ORDER BY id LIMIT $5`,
        [accountId, name, sinceMs, afterId, limit],
      )
    ).map(logOfColumns);
  }

  async readMetrics(accountId: string, name: string, sinceMs: number): Promise<FunctionMetricRow[]> {
    return (
      await this.sql.rows(
        'SELECT * FROM function_metrics WHERE account_id = $1 AND function_name = $2 AND minute >= $3 ORDER BY minute',
        [accountId, name, sinceMs],
      )
    ).map(metricOfColumns);
  }

  async scanVersions(
    after: { accountId: string; name: string; version: number } | undefined,
    limit: number,
  ): Promise<FunctionVersionRow[]> {
    const rows = after
      ? await this.sql.rows(
          `SELECT ${versionColumns} FROM function_versions WHERE (account_id, function_name, version) > ($1, $2, $3)
           ORDER BY account_id, function_name, version LIMIT $4`,
          [after.accountId, after.name, after.version, limit],
        )
      : await this.sql.rows(
          `SELECT ${versionColumns} FROM function_versions ORDER BY account_id, function_name, version LIMIT $1`,
          [limit],
        );
    return rows.map(versionOfColumns);
  }

  async scanLogs(afterId: number, limit: number): Promise<FunctionLogRow[]> {
    return (
      await this.sql.rows('SELECT * FROM function_logs WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit])
    ).map(logOfColumns);
  }

  async insertFunction(row: FunctionRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO functions (account_id, name, current_version, next_version, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [row.accountId, row.name, row.currentVersion, row.nextVersion, row.createdAtMs, row.updatedAtMs],
    );
    await this.bump();
  }

  async updateFunction(row: FunctionRow): Promise<void> {
    await this.sql.run(
      `UPDATE functions SET current_version = $3, next_version = $4, created_at = $5, updated_at = $6
       WHERE account_id = $1 AND name = $2`,
      [row.accountId, row.name, row.currentVersion, row.nextVersion, row.createdAtMs, row.updatedAtMs],
    );
    await this.bump();
  }

  async deleteFunction(accountId: string, name: string): Promise<void> {
    await this.sql.run('DELETE FROM event_source_mappings WHERE account_id = $1 AND function_name = $2', [
      accountId,
      name,
    ]);
    await this.sql.run('DELETE FROM function_versions WHERE account_id = $1 AND function_name = $2', [accountId, name]);
    await this.sql.run('DELETE FROM functions WHERE account_id = $1 AND name = $2', [accountId, name]);
    await this.bump();
  }

  async insertVersion(row: FunctionVersionRow, sealedCode: Uint8Array): Promise<void> {
    await this.sql.run(
      `INSERT INTO function_versions (${versionColumns}, sealed_code)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
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
      ],
    );
    await this.bump();
  }

  async deleteVersion(accountId: string, name: string, version: number): Promise<boolean> {
    const deleted =
      (await this.sql.run(
        'DELETE FROM function_versions WHERE account_id = $1 AND function_name = $2 AND version = $3',
        [accountId, name, version],
      )) > 0;
    if (deleted) await this.bump();
    return deleted;
  }

  async replaceVersionSeals(
    accountId: string,
    name: string,
    version: number,
    sealed: { code?: Uint8Array; environment?: Uint8Array },
  ): Promise<void> {
    if (sealed.code) {
      await this.sql.run(
        'UPDATE function_versions SET sealed_code = $4 WHERE account_id = $1 AND function_name = $2 AND version = $3',
        [accountId, name, version, sealed.code],
      );
    }
    if (sealed.environment) {
      await this.sql.run(
        `UPDATE function_versions SET sealed_environment = $4
         WHERE account_id = $1 AND function_name = $2 AND version = $3`,
        [accountId, name, version, sealed.environment],
      );
    }
  }

  async insertMapping(row: EventSourceMappingRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO event_source_mappings (uuid, account_id, function_name, queue_arn, batch_size, batch_window_sec,
         max_concurrency, report_batch_item_failures, filter_patterns, is_enabled, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [...mappingColumnValues(row, (flag) => flag)],
    );
    await this.bump();
  }

  async updateMapping(row: EventSourceMappingRow): Promise<void> {
    await this.sql.run(
      `UPDATE event_source_mappings SET account_id = $2, function_name = $3, queue_arn = $4, batch_size = $5,
         batch_window_sec = $6, max_concurrency = $7, report_batch_item_failures = $8, filter_patterns = $9,
         is_enabled = $10, created_at = $11, updated_at = $12 WHERE uuid = $1`,
      [...mappingColumnValues(row, (flag) => flag)],
    );
    await this.bump();
  }

  async deleteMapping(uuid: string): Promise<boolean> {
    const deleted = (await this.sql.run('DELETE FROM event_source_mappings WHERE uuid = $1', [uuid])) > 0;
    if (deleted) await this.bump();
    return deleted;
  }

  async recordProcessingResult(uuid: string, result: string): Promise<void> {
    await this.sql.run('UPDATE event_source_mappings SET last_processing_result = $2 WHERE uuid = $1', [uuid, result]);
  }

  async appendLog(row: NewFunctionLog): Promise<number> {
    const inserted = await this.sql.one<{ id: number }>(
      `INSERT INTO function_logs (account_id, function_name, version, request_id, at, duration_ms, outcome, sealed_text)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [
        row.accountId,
        row.functionName,
        row.version,
        row.requestId,
        row.atMs,
        row.durationMs,
        row.outcome,
        row.sealedText,
      ],
    );
    return Number(inserted!.id);
  }

  async replaceLogText(id: number, sealedText: Uint8Array): Promise<void> {
    await this.sql.run('UPDATE function_logs SET sealed_text = $2 WHERE id = $1', [id, sealedText]);
  }

  async addMetrics(rows: readonly FunctionMetricRow[]): Promise<void> {
    for (const row of rows) {
      await this.sql.run(
        `INSERT INTO function_metrics AS m (account_id, function_name, minute, invocations, errors, throttles, records,
           duration_sum_ms, duration_max_ms, iterator_age_max_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (account_id, function_name, minute) DO UPDATE SET
           invocations = m.invocations + excluded.invocations,
           errors = m.errors + excluded.errors,
           throttles = m.throttles + excluded.throttles,
           records = m.records + excluded.records,
           duration_sum_ms = m.duration_sum_ms + excluded.duration_sum_ms,
           duration_max_ms = greatest(m.duration_max_ms, excluded.duration_max_ms),
           iterator_age_max_ms = greatest(m.iterator_age_max_ms, excluded.iterator_age_max_ms)`,
        [
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
        ],
      );
    }
  }

  async deleteExpiredObservations(logsBeforeMs: number, metricsBeforeMs: number, limit: number): Promise<number> {
    const logs = await this.sql.run(
      'DELETE FROM function_logs WHERE id IN (SELECT id FROM function_logs WHERE at < $1 ORDER BY at LIMIT $2)',
      [logsBeforeMs, limit],
    );
    const metrics = await this.sql.run(
      `DELETE FROM function_metrics WHERE (account_id, function_name, minute) IN
         (SELECT account_id, function_name, minute FROM function_metrics WHERE minute < $1 ORDER BY minute LIMIT $2)`,
      [metricsBeforeMs, limit],
    );
    return logs + metrics;
  }
}
