/** Migrations of the tokenization vault's tables (src/storage/vault.ts). Append only. */
export const vaultMigrations: readonly string[] = [
  `
  -- PAN and metadata only ever sealed; tokens only as keyed hashes (PCI DSS 3.5.1, 3.5.1.1).
  CREATE TABLE vault_tokens (
    account_id TEXT NOT NULL,
    token_ref TEXT NOT NULL,
    format TEXT NOT NULL,
    sealed_pan BLOB NOT NULL,
    sealed_meta BLOB NOT NULL,
    scope TEXT NOT NULL,
    fingerprint TEXT,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (account_id, token_ref)
  );
  CREATE UNIQUE INDEX vault_tokens_convergent ON vault_tokens (account_id, scope, fingerprint)
    WHERE fingerprint IS NOT NULL;
  CREATE INDEX vault_tokens_expiry ON vault_tokens (expires_at) WHERE expires_at IS NOT NULL;
  `,
  `
  -- One b-tree instead of a table and its primary-key index: a new token is one insert, a lookup one search.
  -- Rows are small (two short ciphertexts) and keyed by time-ordered references, so new ones land at the end.
  CREATE TABLE vault_tokens_by_ref (
    account_id TEXT NOT NULL,
    token_ref TEXT NOT NULL,
    format TEXT NOT NULL,
    sealed_pan BLOB NOT NULL,
    sealed_meta BLOB NOT NULL,
    scope TEXT NOT NULL,
    fingerprint TEXT,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (account_id, token_ref)
  ) WITHOUT ROWID;
  INSERT INTO vault_tokens_by_ref SELECT account_id, token_ref, format, sealed_pan, sealed_meta, scope, fingerprint,
    created_by, created_at, expires_at FROM vault_tokens;
  DROP TABLE vault_tokens;
  ALTER TABLE vault_tokens_by_ref RENAME TO vault_tokens;
  CREATE UNIQUE INDEX vault_tokens_convergent ON vault_tokens (account_id, scope, fingerprint)
    WHERE fingerprint IS NOT NULL;
  CREATE INDEX vault_tokens_expiry ON vault_tokens (expires_at) WHERE expires_at IS NOT NULL;
  `,
];
