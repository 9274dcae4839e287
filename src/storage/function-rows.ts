import type {
  EventSourceMappingRow,
  FunctionLogRow,
  FunctionMetricRow,
  FunctionRow,
  FunctionVersionRow,
  InvocationOutcome,
} from './functions.ts';

/**
 * The function tables' rows as both drivers read them, by column name. Flags arrive as 0/1 from SQLite and
 * as booleans from PostgreSQL; blobs as Uint8Array (Buffer on PostgreSQL) or null.
 */
type Columns = Record<string, unknown>;

const isSet = (value: unknown): boolean => value === true || value === 1;

export function functionOfColumns(row: Columns): FunctionRow {
  return {
    accountId: String(row['account_id']),
    name: String(row['name']),
    currentVersion: Number(row['current_version']),
    nextVersion: Number(row['next_version']),
    createdAtMs: Number(row['created_at']),
    updatedAtMs: Number(row['updated_at']),
  };
}

export function versionOfColumns(row: Columns): FunctionVersionRow {
  return {
    accountId: String(row['account_id']),
    functionName: String(row['function_name']),
    version: Number(row['version']),
    handler: String(row['handler']),
    roleArn: String(row['role_arn']),
    timeoutSec: Number(row['timeout_sec']),
    memoryMb: Number(row['memory_mb']),
    description: String(row['description']),
    secretEnvNames: JSON.parse(String(row['secret_env_names'])) as string[],
    sealedEnvironment: (row['sealed_environment'] as Uint8Array | null | undefined) ?? null,
    codeSha256: String(row['code_sha256']),
    codeSizeBytes: Number(row['code_size_bytes']),
    createdAtMs: Number(row['created_at']),
  };
}

export function mappingOfColumns(row: Columns): EventSourceMappingRow {
  return {
    uuid: String(row['uuid']),
    accountId: String(row['account_id']),
    functionName: String(row['function_name']),
    queueArn: String(row['queue_arn']),
    batchSize: Number(row['batch_size']),
    batchWindowSec: Number(row['batch_window_sec']),
    maxConcurrency: row['max_concurrency'] === null ? null : Number(row['max_concurrency']),
    reportBatchItemFailures: isSet(row['report_batch_item_failures']),
    filterPatterns: JSON.parse(String(row['filter_patterns'])) as string[],
    isEnabled: isSet(row['is_enabled']),
    createdAtMs: Number(row['created_at']),
    updatedAtMs: Number(row['updated_at']),
    lastProcessingResult: row['last_processing_result'] == null ? null : String(row['last_processing_result']),
  };
}

/** A mapping's column values in table order (uuid first), flags as the driver stores them; not its processing result. */
export function mappingColumnValues<F>(row: EventSourceMappingRow, flag: (value: boolean) => F) {
  return [
    row.uuid,
    row.accountId,
    row.functionName,
    row.queueArn,
    row.batchSize,
    row.batchWindowSec,
    row.maxConcurrency,
    flag(row.reportBatchItemFailures),
    JSON.stringify(row.filterPatterns),
    flag(row.isEnabled),
    row.createdAtMs,
    row.updatedAtMs,
  ] as const;
}

export function logOfColumns(row: Columns): FunctionLogRow {
  return {
    id: Number(row['id']),
    accountId: String(row['account_id']),
    functionName: String(row['function_name']),
    version: Number(row['version']),
    requestId: String(row['request_id']),
    atMs: Number(row['at']),
    durationMs: Number(row['duration_ms']),
    outcome: String(row['outcome']) as InvocationOutcome,
    sealedText: row['sealed_text'] as Uint8Array,
  };
}

export function metricOfColumns(row: Columns): FunctionMetricRow {
  return {
    accountId: String(row['account_id']),
    functionName: String(row['function_name']),
    minuteMs: Number(row['minute']),
    invocations: Number(row['invocations']),
    errors: Number(row['errors']),
    throttles: Number(row['throttles']),
    records: Number(row['records']),
    durationSumMs: Number(row['duration_sum_ms']),
    durationMaxMs: Number(row['duration_max_ms']),
    iteratorAgeMaxMs: Number(row['iterator_age_max_ms']),
  };
}
