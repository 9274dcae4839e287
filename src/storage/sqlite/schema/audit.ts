/** Migrations of the audit trail's tables. Append only. */
export const auditMigrations: readonly string[] = [
  `
  -- seq is the record's leaf index in the Merkle tree, assigned by the appender (not AUTOINCREMENT): the
  -- chain decides positions, and a gap is evidence of removal.
  CREATE TABLE audit_records (
    seq INTEGER PRIMARY KEY,
    time_ms INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    outcome TEXT NOT NULL,
    principal TEXT,
    source_ip TEXT,
    resource TEXT,
    request_id TEXT,
    body TEXT NOT NULL,
    hash BLOB NOT NULL,
    mac TEXT NOT NULL
  );
  -- Every index is written at each group commit and fsync'd with it. Time and request id grow with the
  -- log, so their new entries share a page or two per commit; an index on principal or source IP scatters
  -- a commit's records over many pages (measured: twice the pages per commit). So searches by principal,
  -- source IP, event type, resource or outcome go through the time index and filter: give a time range.
  CREATE INDEX audit_records_by_time ON audit_records (time_ms);
  CREATE INDEX audit_records_by_request ON audit_records (request_id);

  CREATE TABLE audit_checkpoints (
    seq INTEGER PRIMARY KEY,
    tree_size INTEGER NOT NULL,
    time_ms INTEGER NOT NULL,
    body TEXT NOT NULL,
    signature BLOB NOT NULL,
    frontier TEXT NOT NULL
  );
  CREATE INDEX audit_checkpoints_by_size ON audit_checkpoints (tree_size);

  CREATE TABLE audit_tree_nodes (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
  ) WITHOUT ROWID;

  CREATE TABLE audit_signing_keys (
    key_id TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    sealed_private_key BLOB NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE audit_segments (
    first_seq INTEGER PRIMARY KEY,
    last_seq INTEGER NOT NULL,
    first_time_ms INTEGER NOT NULL,
    last_time_ms INTEGER NOT NULL,
    last_hash BLOB NOT NULL,
    file_name TEXT NOT NULL,
    manifest TEXT NOT NULL,
    signature BLOB NOT NULL,
    archived_at INTEGER NOT NULL,
    purged_at INTEGER
  );

  CREATE TABLE audit_alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id TEXT NOT NULL,
    severity TEXT NOT NULL,
    time_ms INTEGER NOT NULL,
    summary TEXT NOT NULL,
    detail TEXT NOT NULL,
    record_seq INTEGER NOT NULL,
    delivery TEXT NOT NULL,
    is_pending INTEGER NOT NULL
  );
  CREATE INDEX audit_alerts_by_time ON audit_alerts (time_ms);
  CREATE INDEX audit_alerts_pending ON audit_alerts (is_pending, id);

  CREATE TABLE audit_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;

  -- PCI DSS 10.3.2: records cannot be changed through pciq, and only archived ones can be deleted. These
  -- triggers stop mistakes, not an attacker who owns the file; the hash chain, MACs and signed
  -- checkpoints are what detect that.
  CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records
  BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
  CREATE TRIGGER audit_records_delete_archived_only BEFORE DELETE ON audit_records
  WHEN OLD.seq > (SELECT COALESCE(MAX(last_seq), -1) FROM audit_segments)
  BEGIN SELECT RAISE(ABORT, 'audit records are deleted only once archived'); END;
  CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE ON audit_checkpoints
  BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
  CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
  BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
  `,
  `
  -- Records staged by writers for a sequencer (used by drivers that chain that way; kept here so the
  -- contract is the same on every driver).
  CREATE TABLE audit_pending (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time_ms INTEGER NOT NULL,
    body TEXT NOT NULL,
    mac TEXT NOT NULL
  );
  `,
];
