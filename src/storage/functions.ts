/**
 * The serverless-functions part of the storage contract (`tx.functions`): functions, their immutable
 * versions (code and environment only ever sealed), event source mappings, and what invocations leave
 * behind (sealed logs, per-minute metrics). Every change to functions, versions or mappings replaces the
 * revision, a random token, so the runner in a serving process can tell cheaply that it must reload.
 */
export interface FunctionRow {
  accountId: string;
  name: string;
  /** The version that unqualified invocations (and mappings) run: the newest deployed. */
  currentVersion: number;
  /** The next version number to hand out; never reused, even after a version is deleted. */
  nextVersion: number;
  createdAtMs: number;
  updatedAtMs: number;
}

/** One immutable version of a function, without its code (read apart: it can be megabytes). */
export interface FunctionVersionRow {
  accountId: string;
  functionName: string;
  version: number;
  /** `file.export`, as Lambda's Node.js runtime reads it. */
  handler: string;
  roleArn: string;
  timeoutSec: number;
  memoryMb: number;
  description: string;
  /** Names of the environment variables flagged as secret-looking at deploy; values only in `sealedEnvironment`. */
  secretEnvNames: string[];
  /** The environment variables (JSON), sealed; null when there are none. */
  sealedEnvironment: Uint8Array | null;
  /** SHA-256 of the code bundle, base64 (Lambda's CodeSha256). */
  codeSha256: string;
  codeSizeBytes: number;
  createdAtMs: number;
}

export interface EventSourceMappingRow {
  uuid: string;
  accountId: string;
  functionName: string;
  queueArn: string;
  batchSize: number;
  batchWindowSec: number;
  /** Null: as many concurrent batches as the host allows. */
  maxConcurrency: number | null;
  reportBatchItemFailures: boolean;
  /** Lambda filter patterns (JSON text), ORed; empty: every message goes to the function. */
  filterPatterns: string[];
  isEnabled: boolean;
  createdAtMs: number;
  updatedAtMs: number;
  /**
   * What its pollers last reported, as Lambda's LastProcessingResult: `OK`, or `PROBLEM: ` and why they cannot
   * poll; null before any batch. Written by the pollers alone (`recordProcessingResult`): inserting and
   * updating a mapping leave it as it is.
   */
  lastProcessingResult: string | null;
}

export type InvocationOutcome = 'success' | 'partial' | 'error';

/** What one invocation wrote, sealed (handlers may print anything); the id orders logs. */
export interface FunctionLogRow {
  id: number;
  accountId: string;
  functionName: string;
  version: number;
  requestId: string;
  atMs: number;
  durationMs: number;
  outcome: InvocationOutcome;
  sealedText: Uint8Array;
}

export type NewFunctionLog = Omit<FunctionLogRow, 'id'>;

/** Per function and minute: counts added up by every serving process. */
export interface FunctionMetricRow {
  accountId: string;
  functionName: string;
  minuteMs: number;
  invocations: number;
  errors: number;
  throttles: number;
  /** Messages handed to the function. */
  records: number;
  durationSumMs: number;
  durationMaxMs: number;
  /** Age of the oldest message in a batch when it was handed over, the largest of the minute. */
  iteratorAgeMaxMs: number;
}

export interface FunctionReadTx {
  revision(): Promise<string>;
  getFunction(accountId: string, name: string): Promise<FunctionRow | undefined>;
  listFunctions(accountId: string): Promise<FunctionRow[]>;
  getVersion(accountId: string, name: string, version: number): Promise<FunctionVersionRow | undefined>;
  /** Ascending by version. */
  listVersions(accountId: string, name: string): Promise<FunctionVersionRow[]>;
  /** The sealed code bundle of a version. */
  getCode(accountId: string, name: string, version: number): Promise<Uint8Array | undefined>;
  getMapping(uuid: string): Promise<EventSourceMappingRow | undefined>;
  /** Mappings of an account, or of one function when `functionName` is given; in creation order. */
  listMappings(accountId: string, functionName?: string): Promise<EventSourceMappingRow[]>;
  /** Every mapping of every account (the runner's view). */
  listAllMappings(): Promise<EventSourceMappingRow[]>;
  /** Logs of a function at or after `sinceMs`, oldest first, with ids above `afterId`, at most `limit`. */
  readLogs(accountId: string, name: string, sinceMs: number, afterId: number, limit: number): Promise<FunctionLogRow[]>;
  /** Metrics of a function from `sinceMs`, by minute. */
  readMetrics(accountId: string, name: string, sinceMs: number): Promise<FunctionMetricRow[]>;
  /** Versions of all functions in (account, name, version) order after `after`, for re-encryption walks. */
  scanVersions(
    after: { accountId: string; name: string; version: number } | undefined,
    limit: number,
  ): Promise<FunctionVersionRow[]>;
  /** Logs of all functions with ids above `afterId`, for re-encryption walks. */
  scanLogs(afterId: number, limit: number): Promise<FunctionLogRow[]>;
}

export interface FunctionWriteTx extends FunctionReadTx {
  insertFunction(row: FunctionRow): Promise<void>;
  updateFunction(row: FunctionRow): Promise<void>;
  /** Deletes the function, its versions and its mappings; logs and metrics stay until their retention ends. */
  deleteFunction(accountId: string, name: string): Promise<void>;
  insertVersion(row: FunctionVersionRow, sealedCode: Uint8Array): Promise<void>;
  deleteVersion(accountId: string, name: string, version: number): Promise<boolean>;
  /** Replaces a version's sealed code and environment (re-encrypted under a newer key version), nothing else. */
  replaceVersionSeals(
    accountId: string,
    name: string,
    version: number,
    sealed: { code?: Uint8Array; environment?: Uint8Array },
  ): Promise<void>;
  insertMapping(row: EventSourceMappingRow): Promise<void>;
  updateMapping(row: EventSourceMappingRow): Promise<void>;
  deleteMapping(uuid: string): Promise<boolean>;
  /** Sets a mapping's last processing result; not a change of the mapping, so the revision stays. */
  recordProcessingResult(uuid: string, result: string): Promise<void>;
  appendLog(row: NewFunctionLog): Promise<number>;
  replaceLogText(id: number, sealedText: Uint8Array): Promise<void>;
  /** Adds the counts to the minute's row (maxima are kept), creating it when needed. */
  addMetrics(rows: readonly FunctionMetricRow[]): Promise<void>;
  /** Deletes logs before `logsBeforeMs` and metrics before `metricsBeforeMs`, at most `limit` of each. */
  deleteExpiredObservations(logsBeforeMs: number, metricsBeforeMs: number, limit: number): Promise<number>;
}
