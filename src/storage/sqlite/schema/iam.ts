/** Migrations of the identity tables (src/storage/iam.ts). Append only. */
export const iamMigrations: readonly string[] = [
  `
  -- Names are unique per account whatever their case, as in AWS IAM.
  CREATE TABLE iam_users (
    account_id TEXT NOT NULL,
    user_name TEXT NOT NULL COLLATE NOCASE,
    user_id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    tags TEXT NOT NULL,
    permissions_boundary TEXT,
    PRIMARY KEY (account_id, user_name)
  ) WITHOUT ROWID;

  CREATE TABLE iam_groups (
    account_id TEXT NOT NULL,
    group_name TEXT NOT NULL COLLATE NOCASE,
    group_id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, group_name)
  ) WITHOUT ROWID;

  CREATE TABLE iam_memberships (
    account_id TEXT NOT NULL,
    group_name TEXT NOT NULL COLLATE NOCASE,
    user_name TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (account_id, group_name, user_name)
  ) WITHOUT ROWID;
  CREATE INDEX iam_memberships_by_user ON iam_memberships (account_id, user_name);

  CREATE TABLE iam_roles (
    account_id TEXT NOT NULL,
    role_name TEXT NOT NULL COLLATE NOCASE,
    role_id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    description TEXT NOT NULL,
    trust_policy TEXT NOT NULL,
    max_session_duration INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    tags TEXT NOT NULL,
    permissions_boundary TEXT,
    last_used_at INTEGER,
    PRIMARY KEY (account_id, role_name)
  ) WITHOUT ROWID;

  CREATE TABLE iam_managed_policies (
    arn TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    policy_name TEXT NOT NULL COLLATE NOCASE,
    policy_id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    description TEXT NOT NULL,
    default_version_id TEXT NOT NULL,
    next_version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (account_id, policy_name)
  ) WITHOUT ROWID;

  CREATE TABLE iam_policy_versions (
    policy_arn TEXT NOT NULL,
    version_id TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (policy_arn, version_id)
  ) WITHOUT ROWID;

  CREATE TABLE iam_inline_policies (
    account_id TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_name TEXT NOT NULL COLLATE NOCASE,
    policy_name TEXT NOT NULL COLLATE NOCASE,
    document TEXT NOT NULL,
    PRIMARY KEY (account_id, entity_kind, entity_name, policy_name)
  ) WITHOUT ROWID;

  CREATE TABLE iam_attachments (
    account_id TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_name TEXT NOT NULL COLLATE NOCASE,
    policy_arn TEXT NOT NULL,
    PRIMARY KEY (account_id, entity_kind, entity_name, policy_arn)
  ) WITHOUT ROWID;
  CREATE INDEX iam_attachments_by_policy ON iam_attachments (policy_arn);

  CREATE TABLE iam_login_profiles (
    principal_arn TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    login_state TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;

  -- TOTP seeds are stored only sealed (PCI DSS 8.3.2).
  CREATE TABLE iam_mfa_devices (
    serial_number TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    owner_arn TEXT,
    sealed_seed BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    enabled_at INTEGER,
    last_used_step INTEGER,
    recovery_codes TEXT NOT NULL
  ) WITHOUT ROWID;

  -- Temporary credentials: the secret sealed, the token only as a hash.
  CREATE TABLE iam_sessions (
    access_key_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    sealed_secret BLOB NOT NULL,
    token_hash TEXT NOT NULL,
    principal_arn TEXT NOT NULL,
    role_arn TEXT,
    issued_to_arn TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    mfa_authenticated_at INTEGER,
    session_policy TEXT,
    session_policy_arns TEXT NOT NULL,
    source_identity TEXT,
    tags TEXT NOT NULL,
    idle_timeout INTEGER,
    last_activity_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX iam_sessions_by_expiry ON iam_sessions (expires_at);

  CREATE TABLE iam_revision (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision TEXT NOT NULL
  );
  INSERT INTO iam_revision (id, revision) VALUES (1, 'initial');

  -- Data directories initialized before identities existed hold the bootstrap key of user/admin, who was
  -- allowed everything: the user is created with AdministratorAccess so that key keeps working.
  INSERT INTO iam_users (account_id, user_name, user_id, path, created_at, tags, permissions_boundary)
    SELECT DISTINCT substr(principal_arn, 14, 12), 'admin', 'AIDA' || upper(hex(randomblob(9))), '/',
           MIN(created_at), '{}', NULL
    FROM access_keys WHERE principal_arn GLOB 'arn:aws:iam::[0-9]*:user/admin'
    GROUP BY substr(principal_arn, 14, 12);
  INSERT INTO iam_attachments (account_id, entity_kind, entity_name, policy_arn)
    SELECT account_id, 'user', 'admin', 'arn:aws:iam::aws:policy/AdministratorAccess' FROM iam_users;
  `,
  // Wrong TOTP codes counted per device, which locks after too many (PCI DSS 8.3.4, 8.5.1): STS calls with an
  // access key and a code have no password whose lockout would stop guessing.
  `
  ALTER TABLE iam_mfa_devices ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE iam_mfa_devices ADD COLUMN locked_until INTEGER;
  `,
];
