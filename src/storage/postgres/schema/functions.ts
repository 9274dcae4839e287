/** Migrations of the serverless-functions tables on PostgreSQL (src/storage/functions.ts). Append only. */
export const functionMigrations: readonly string[] = [
  `
  CREATE TABLE functions (
    account_id text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    current_version integer NOT NULL,
    next_version integer NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (account_id, name)
  );

  -- Code and environment are stored only sealed under the account's alias/aws/lambda key.
  CREATE TABLE function_versions (
    account_id text COLLATE "C" NOT NULL,
    function_name text COLLATE "C" NOT NULL,
    version integer NOT NULL,
    handler text NOT NULL,
    role_arn text NOT NULL,
    timeout_sec integer NOT NULL,
    memory_mb integer NOT NULL,
    description text NOT NULL,
    secret_env_names text NOT NULL,
    sealed_environment bytea,
    code_sha256 text NOT NULL,
    code_size_bytes bigint NOT NULL,
    sealed_code bytea NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (account_id, function_name, version)
  );

  CREATE TABLE event_source_mappings (
    uuid text PRIMARY KEY,
    account_id text COLLATE "C" NOT NULL,
    function_name text COLLATE "C" NOT NULL,
    queue_arn text NOT NULL,
    batch_size integer NOT NULL,
    batch_window_sec integer NOT NULL,
    max_concurrency integer,
    report_batch_item_failures boolean NOT NULL,
    filter_patterns text NOT NULL,
    is_enabled boolean NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE INDEX event_source_mappings_by_function ON event_source_mappings (account_id, function_name);

  -- Handlers may print anything: logs are sealed, one row per invocation.
  CREATE TABLE function_logs (
    id bigserial PRIMARY KEY,
    account_id text COLLATE "C" NOT NULL,
    function_name text COLLATE "C" NOT NULL,
    version integer NOT NULL,
    request_id text NOT NULL,
    at bigint NOT NULL,
    duration_ms bigint NOT NULL,
    outcome text NOT NULL,
    sealed_text bytea NOT NULL
  );
  CREATE INDEX function_logs_by_function ON function_logs (account_id, function_name, at);
  CREATE INDEX function_logs_by_time ON function_logs (at);

  CREATE TABLE function_metrics (
    account_id text COLLATE "C" NOT NULL,
    function_name text COLLATE "C" NOT NULL,
    minute bigint NOT NULL,
    invocations bigint NOT NULL,
    errors bigint NOT NULL,
    throttles bigint NOT NULL,
    records bigint NOT NULL,
    duration_sum_ms bigint NOT NULL,
    duration_max_ms bigint NOT NULL,
    iterator_age_max_ms bigint NOT NULL,
    PRIMARY KEY (account_id, function_name, minute)
  );
  CREATE INDEX function_metrics_by_time ON function_metrics (minute);

  CREATE TABLE function_revision (
    id integer PRIMARY KEY CHECK (id = 1),
    revision text NOT NULL
  );
  INSERT INTO function_revision (id, revision) VALUES (1, 'initial');
  `,
  // What an event source mapping's pollers last reported (Lambda's LastProcessingResult).
  `
  ALTER TABLE event_source_mappings ADD COLUMN last_processing_result text;
  `,
];
