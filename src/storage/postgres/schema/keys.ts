/** Migrations of the key-management tables (src/storage/keys.ts). Append only. */
export const keyMigrations: readonly string[] = [
  `
  CREATE TABLE kms_keys (
    key_id text PRIMARY KEY,
    account_id text NOT NULL,
    description text NOT NULL,
    key_manager text NOT NULL,
    state text NOT NULL,
    created_at bigint NOT NULL,
    deletion_at bigint,
    pending_window_days integer,
    rotation_period_days integer,
    next_rotation_at bigint,
    current_version integer NOT NULL,
    min_decrypt_version integer NOT NULL,
    policy text NOT NULL,
    tags text NOT NULL
  );

  -- Key material is stored only wrapped by the root key (PCI DSS 3.6.1.2); NULL once destroyed.
  CREATE TABLE kms_key_versions (
    key_id text NOT NULL,
    version integer NOT NULL,
    material_id text NOT NULL,
    wrapped_material bytea,
    rotation_type text NOT NULL,
    created_at bigint NOT NULL,
    destroyed_at bigint,
    invocations bigint NOT NULL,
    PRIMARY KEY (key_id, version)
  );

  CREATE TABLE kms_aliases (
    account_id text NOT NULL,
    alias_name text NOT NULL,
    key_id text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (account_id, alias_name)
  );

  CREATE TABLE kms_internal_keys (
    name text PRIMARY KEY,
    wrapped_material bytea NOT NULL,
    created_at bigint NOT NULL
  );

  CREATE TABLE kms_revision (
    id integer PRIMARY KEY CHECK (id = 1),
    revision text NOT NULL
  );
  INSERT INTO kms_revision (id, revision) VALUES (1, 'initial');
  `,
];
