/** Migrations of the key-management tables (src/storage/keys.ts). Append only. */
export const keyMigrations: readonly string[] = [
  `
  CREATE TABLE kms_keys (
    key_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    description TEXT NOT NULL,
    key_manager TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    deletion_at INTEGER,
    pending_window_days INTEGER,
    rotation_period_days INTEGER,
    next_rotation_at INTEGER,
    current_version INTEGER NOT NULL,
    min_decrypt_version INTEGER NOT NULL,
    policy TEXT NOT NULL,
    tags TEXT NOT NULL
  ) WITHOUT ROWID;

  -- Key material is stored only wrapped by the root key (PCI DSS 3.6.1.2); NULL once destroyed.
  CREATE TABLE kms_key_versions (
    key_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    material_id TEXT NOT NULL,
    wrapped_material BLOB,
    rotation_type TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    destroyed_at INTEGER,
    invocations INTEGER NOT NULL,
    PRIMARY KEY (key_id, version)
  ) WITHOUT ROWID;

  CREATE TABLE kms_aliases (
    account_id TEXT NOT NULL,
    alias_name TEXT NOT NULL,
    key_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, alias_name)
  ) WITHOUT ROWID;

  CREATE TABLE kms_internal_keys (
    name TEXT PRIMARY KEY,
    wrapped_material BLOB NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE kms_revision (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision TEXT NOT NULL
  );
  INSERT INTO kms_revision (id, revision) VALUES (1, 'initial');
  `,
];
