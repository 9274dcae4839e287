/** Migrations of the queue engine's tables (and the shared meta table and access keys). Append only. */
export const queueMigrations: readonly string[] = [
  `
  CREATE TABLE meta (
    key text PRIMARY KEY,
    value text NOT NULL
  );

  CREATE TABLE queues (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id text NOT NULL,
    name text COLLATE "C" NOT NULL,
    is_fifo boolean NOT NULL,
    attributes text NOT NULL,
    tags text NOT NULL,
    created_at bigint NOT NULL,
    last_modified_at bigint NOT NULL,
    last_purged_at bigint,
    UNIQUE (account_id, name)
  );

  CREATE TABLE deleted_queues (
    account_id text NOT NULL,
    name text NOT NULL,
    deleted_at bigint NOT NULL,
    PRIMARY KEY (account_id, name)
  );

  -- An identity is never reused, so FIFO sequence numbers only grow. Values are handed out in the order
  -- inserts ask for them, not the order they commit: FIFO sends take a per-queue lock first, so within a
  -- FIFO queue commit order and seq order agree on every node.
  CREATE TABLE messages (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue_id bigint NOT NULL,
    message_id text NOT NULL,
    payload bytea NOT NULL,
    group_key text,
    sent_at bigint NOT NULL,
    visible_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    receive_count integer NOT NULL,
    first_received_at bigint,
    last_received_at bigint,
    receipt_nonce text,
    size_bytes integer NOT NULL
  );
  -- Receives walk this index: visible messages of one queue, oldest-visible first.
  CREATE INDEX messages_by_visibility ON messages (queue_id, visible_at, seq);
  CREATE INDEX messages_by_queue ON messages (queue_id, seq);
  CREATE INDEX messages_by_expiry ON messages (expires_at);

  CREATE TABLE dedup (
    queue_id bigint NOT NULL,
    scope text NOT NULL,
    dedup_key text NOT NULL,
    message_id text NOT NULL,
    seq bigint NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (queue_id, scope, dedup_key)
  );
  CREATE INDEX dedup_by_expiry ON dedup (expires_at);

  CREATE TABLE move_tasks (
    task_handle text PRIMARY KEY,
    source_queue_id bigint NOT NULL,
    source_arn text NOT NULL,
    destination_arn text,
    max_per_second integer,
    status text NOT NULL,
    moved_count integer NOT NULL,
    to_move_count integer NOT NULL,
    failure_reason text,
    started_at bigint NOT NULL,
    cutoff_seq bigint NOT NULL
  );
  CREATE INDEX move_tasks_by_source ON move_tasks (source_queue_id, started_at);

  CREATE TABLE access_keys (
    access_key_id text PRIMARY KEY,
    sealed_secret bytea NOT NULL,
    principal_arn text NOT NULL,
    status text NOT NULL,
    created_at bigint NOT NULL,
    last_used_at bigint
  );
  `,
  `
  -- FIFO receives by ReceiveRequestAttemptId: a retry within 5 minutes returns the same messages.
  CREATE TABLE receive_attempts (
    queue_id bigint NOT NULL,
    attempt_key text NOT NULL,
    seqs text NOT NULL,
    receipt_nonce text NOT NULL,
    visible_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (queue_id, attempt_key)
  );
  CREATE INDEX receive_attempts_by_expiry ON receive_attempts (expires_at);
  `,
];
