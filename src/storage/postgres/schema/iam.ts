/** Migrations of the identity tables (src/storage/iam.ts). Append only. */
export const iamMigrations: readonly string[] = [
  `
  -- Names are unique per account whatever their case, as in AWS IAM: the unique indexes are on lower(name),
  -- and lookups compare lower(name).
  CREATE TABLE iam_users (
    account_id text NOT NULL,
    user_name text NOT NULL,
    user_id text NOT NULL UNIQUE,
    path text NOT NULL,
    created_at bigint NOT NULL,
    tags text NOT NULL,
    permissions_boundary text
  );
  CREATE UNIQUE INDEX iam_users_by_name ON iam_users (account_id, lower(user_name));

  CREATE TABLE iam_groups (
    account_id text NOT NULL,
    group_name text NOT NULL,
    group_id text NOT NULL UNIQUE,
    path text NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE UNIQUE INDEX iam_groups_by_name ON iam_groups (account_id, lower(group_name));

  CREATE TABLE iam_memberships (
    account_id text NOT NULL,
    group_name text NOT NULL,
    user_name text NOT NULL
  );
  CREATE UNIQUE INDEX iam_memberships_by_group ON iam_memberships (account_id, lower(group_name), lower(user_name));
  CREATE INDEX iam_memberships_by_user ON iam_memberships (account_id, lower(user_name));

  CREATE TABLE iam_roles (
    account_id text NOT NULL,
    role_name text NOT NULL,
    role_id text NOT NULL UNIQUE,
    path text NOT NULL,
    description text NOT NULL,
    trust_policy text NOT NULL,
    max_session_duration integer NOT NULL,
    created_at bigint NOT NULL,
    tags text NOT NULL,
    permissions_boundary text,
    last_used_at bigint
  );
  CREATE UNIQUE INDEX iam_roles_by_name ON iam_roles (account_id, lower(role_name));

  CREATE TABLE iam_managed_policies (
    arn text PRIMARY KEY,
    account_id text NOT NULL,
    policy_name text NOT NULL,
    policy_id text NOT NULL UNIQUE,
    path text NOT NULL,
    description text NOT NULL,
    default_version_id text NOT NULL,
    next_version integer NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE UNIQUE INDEX iam_managed_policies_by_name ON iam_managed_policies (account_id, lower(policy_name));

  CREATE TABLE iam_policy_versions (
    policy_arn text NOT NULL,
    version_id text NOT NULL,
    document text NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (policy_arn, version_id)
  );

  CREATE TABLE iam_inline_policies (
    account_id text NOT NULL,
    entity_kind text NOT NULL,
    entity_name text NOT NULL,
    policy_name text NOT NULL,
    document text NOT NULL
  );
  CREATE UNIQUE INDEX iam_inline_policies_by_name
    ON iam_inline_policies (account_id, entity_kind, lower(entity_name), lower(policy_name));

  CREATE TABLE iam_attachments (
    account_id text NOT NULL,
    entity_kind text NOT NULL,
    entity_name text NOT NULL,
    policy_arn text NOT NULL
  );
  CREATE UNIQUE INDEX iam_attachments_by_entity
    ON iam_attachments (account_id, entity_kind, lower(entity_name), policy_arn);
  CREATE INDEX iam_attachments_by_policy ON iam_attachments (policy_arn);

  CREATE TABLE iam_login_profiles (
    principal_arn text PRIMARY KEY,
    account_id text NOT NULL,
    login_state text NOT NULL,
    created_at bigint NOT NULL
  );

  -- TOTP seeds are stored only sealed (PCI DSS 8.3.2).
  CREATE TABLE iam_mfa_devices (
    serial_number text PRIMARY KEY,
    account_id text NOT NULL,
    owner_arn text,
    sealed_seed bytea NOT NULL,
    created_at bigint NOT NULL,
    enabled_at bigint,
    last_used_step bigint,
    recovery_codes text NOT NULL
  );

  -- Temporary credentials: the secret sealed, the token only as a hash.
  CREATE TABLE iam_sessions (
    access_key_id text PRIMARY KEY,
    account_id text NOT NULL,
    kind text NOT NULL,
    sealed_secret bytea NOT NULL,
    token_hash text NOT NULL,
    principal_arn text NOT NULL,
    role_arn text,
    issued_to_arn text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    mfa_authenticated_at bigint,
    session_policy text,
    session_policy_arns text NOT NULL,
    source_identity text,
    tags text NOT NULL,
    idle_timeout bigint,
    last_activity_at bigint NOT NULL
  );
  CREATE INDEX iam_sessions_by_expiry ON iam_sessions (expires_at);

  CREATE TABLE iam_revision (
    id integer PRIMARY KEY CHECK (id = 1),
    revision text NOT NULL
  );
  INSERT INTO iam_revision (id, revision) VALUES (1, 'initial');

  -- Stores initialized before identities existed hold the bootstrap key of user/admin, who was allowed
  -- everything: the user is created with AdministratorAccess so that key keeps working.
  INSERT INTO iam_users (account_id, user_name, user_id, path, created_at, tags, permissions_boundary)
    SELECT substr(principal_arn, 14, 12), 'admin', 'AIDA' || upper(substr(md5(random()::text), 1, 18)), '/',
           MIN(created_at), '{}', NULL
    FROM access_keys WHERE principal_arn ~ '^arn:aws:iam::[0-9]{12}:user/admin$'
    GROUP BY substr(principal_arn, 14, 12);
  INSERT INTO iam_attachments (account_id, entity_kind, entity_name, policy_arn)
    SELECT account_id, 'user', 'admin', 'arn:aws:iam::aws:policy/AdministratorAccess' FROM iam_users;
  `,
  // Wrong TOTP codes counted per device, which locks after too many (PCI DSS 8.3.4, 8.5.1): STS calls with an
  // access key and a code have no password whose lockout would stop guessing.
  `
  ALTER TABLE iam_mfa_devices ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0;
  ALTER TABLE iam_mfa_devices ADD COLUMN locked_until bigint;
  `,
];
