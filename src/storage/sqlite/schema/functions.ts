/** Migrations of the serverless-functions tables (src/storage/functions.ts). Append only. */
export const functionMigrations: readonly string[] = [
  `
  CREATE TABLE functions (
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    next_version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, name)
  ) WITHOUT ROWID;

  -- Code and environment are stored only sealed under the account's alias/aws/lambda key.
  CREATE TABLE function_versions (
    account_id TEXT NOT NULL,
    function_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    handler TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    timeout_sec INTEGER NOT NULL,
    memory_mb INTEGER NOT NULL,
    description TEXT NOT NULL,
    secret_env_names TEXT NOT NULL,
    sealed_environment BLOB,
    code_sha256 TEXT NOT NULL,
    code_size_bytes INTEGER NOT NULL,
    sealed_code BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, function_name, version)
  );

  CREATE TABLE event_source_mappings (
    uuid TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    function_name TEXT NOT NULL,
    queue_arn TEXT NOT NULL,
    batch_size INTEGER NOT NULL,
    batch_window_sec INTEGER NOT NULL,
    max_concurrency INTEGER,
    report_batch_item_failures INTEGER NOT NULL,
    filter_patterns TEXT NOT NULL,
    is_enabled INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX event_source_mappings_by_function ON event_source_mappings (account_id, function_name);

  -- Handlers may print anything: logs are sealed, one row per invocation.
  CREATE TABLE function_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    function_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    sealed_text BLOB NOT NULL
  );
  CREATE INDEX function_logs_by_function ON function_logs (account_id, function_name, at);
  CREATE INDEX function_logs_by_time ON function_logs (at);

  CREATE TABLE function_metrics (
    account_id TEXT NOT NULL,
    function_name TEXT NOT NULL,
    minute INTEGER NOT NULL,
    invocations INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    throttles INTEGER NOT NULL,
    records INTEGER NOT NULL,
    duration_sum_ms INTEGER NOT NULL,
    duration_max_ms INTEGER NOT NULL,
    iterator_age_max_ms INTEGER NOT NULL,
    PRIMARY KEY (account_id, function_name, minute)
  ) WITHOUT ROWID;
  CREATE INDEX function_metrics_by_time ON function_metrics (minute);

  CREATE TABLE function_revision (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision TEXT NOT NULL
  );
  INSERT INTO function_revision (id, revision) VALUES (1, 'initial');
  `,
  // What an event source mapping's pollers last reported (Lambda's LastProcessingResult).
  `
  ALTER TABLE event_source_mappings ADD COLUMN last_processing_result TEXT;
  `,
];
