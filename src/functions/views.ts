import type { EventSourceMappingRow, FunctionRow, FunctionVersionRow } from '../storage/index.ts';
import { functionArn } from './names.ts';

/** A function version as commands and the API show it (Lambda's FunctionConfiguration, without secrets). */
export interface FunctionView {
  name: string;
  arn: string;
  version: number;
  isCurrent: boolean;
  handler: string;
  role: string;
  timeoutSec: number;
  memoryMb: number;
  description: string;
  /** Names flagged as secret-looking when deployed; no value is ever shown. */
  secretEnvironmentVariables: string[];
  hasEnvironment: boolean;
  codeSha256: string;
  codeSizeBytes: number;
  lastModified: string;
}

export function functionViewOf(region: string, row: FunctionRow, version: FunctionVersionRow): FunctionView {
  return {
    name: row.name,
    arn: functionArn(region, row.accountId, row.name, version.version),
    version: version.version,
    isCurrent: version.version === row.currentVersion,
    handler: version.handler,
    role: version.roleArn,
    timeoutSec: version.timeoutSec,
    memoryMb: version.memoryMb,
    description: version.description,
    secretEnvironmentVariables: version.secretEnvNames,
    hasEnvironment: version.sealedEnvironment !== null,
    codeSha256: version.codeSha256,
    codeSizeBytes: version.codeSizeBytes,
    lastModified: new Date(version.createdAtMs).toISOString(),
  };
}

/** An event source mapping as Lambda's EventSourceMappingConfiguration describes it. */
export interface MappingView {
  uuid: string;
  functionName: string;
  functionArn: string;
  queueArn: string;
  batchSize: number;
  batchWindowSec: number;
  maxConcurrency: number | null;
  reportBatchItemFailures: boolean;
  filters: string[];
  state: 'Enabled' | 'Disabled';
  /** Lambda's LastProcessingResult: `No records processed`, `OK`, or `PROBLEM: ` and why the pollers cannot poll. */
  lastProcessingResult: string;
  lastModified: string;
}

export function mappingViewOf(region: string, row: EventSourceMappingRow): MappingView {
  return {
    uuid: row.uuid,
    functionName: row.functionName,
    functionArn: functionArn(region, row.accountId, row.functionName),
    queueArn: row.queueArn,
    batchSize: row.batchSize,
    batchWindowSec: row.batchWindowSec,
    maxConcurrency: row.maxConcurrency,
    reportBatchItemFailures: row.reportBatchItemFailures,
    filters: row.filterPatterns,
    state: row.isEnabled ? 'Enabled' : 'Disabled',
    lastProcessingResult: row.lastProcessingResult ?? 'No records processed',
    lastModified: new Date(row.updatedAtMs).toISOString(),
  };
}
