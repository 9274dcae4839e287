/** Migrations of the queue engine's tables (and the shared meta table and access keys). Append only. */
export const queueMigrations: readonly string[] = [
  `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE queues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    is_fifo INTEGER NOT NULL,
    attributes TEXT NOT NULL,
    tags TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_modified_at INTEGER NOT NULL,
    last_purged_at INTEGER,
    UNIQUE (account_id, name)
  );

  CREATE TABLE deleted_queues (
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    deleted_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, name)
  ) WITHOUT ROWID;

  -- AUTOINCREMENT: a seq is never reused, so FIFO sequence numbers only grow, even after the newest
  -- message is deleted.
  CREATE TABLE messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_id INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    payload BLOB NOT NULL,
    group_key TEXT,
    sent_at INTEGER NOT NULL,
    visible_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL,
    first_received_at INTEGER,
    last_received_at INTEGER,
    receipt_nonce TEXT,
    size_bytes INTEGER NOT NULL
  );
  CREATE INDEX messages_by_visibility ON messages (queue_id, visible_at);
  CREATE INDEX messages_by_queue ON messages (queue_id);
  CREATE INDEX messages_by_expiry ON messages (expires_at);

  CREATE TABLE dedup (
    queue_id INTEGER NOT NULL,
    scope TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (queue_id, scope, dedup_key)
  ) WITHOUT ROWID;
  CREATE INDEX dedup_by_expiry ON dedup (expires_at);

  CREATE TABLE move_tasks (
    task_handle TEXT PRIMARY KEY,
    source_queue_id INTEGER NOT NULL,
    source_arn TEXT NOT NULL,
    destination_arn TEXT,
    max_per_second INTEGER,
    status TEXT NOT NULL,
    moved_count INTEGER NOT NULL,
    to_move_count INTEGER NOT NULL,
    failure_reason TEXT,
    started_at INTEGER NOT NULL,
    cutoff_seq INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX move_tasks_by_source ON move_tasks (source_queue_id, started_at);

  CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    sealed_secret BLOB NOT NULL,
    principal_arn TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
  ) WITHOUT ROWID;
  `,
  `
  -- FIFO receives by ReceiveRequestAttemptId: a retry within 5 minutes returns the same messages.
  CREATE TABLE receive_attempts (
    queue_id INTEGER NOT NULL,
    attempt_key TEXT NOT NULL,
    seqs TEXT NOT NULL,
    receipt_nonce TEXT NOT NULL,
    visible_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (queue_id, attempt_key)
  ) WITHOUT ROWID;
  CREATE INDEX receive_attempts_by_expiry ON receive_attempts (expires_at);
  `,
];
