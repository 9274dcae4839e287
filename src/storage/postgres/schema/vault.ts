/** Migrations of the tokenization vault's tables (src/storage/vault.ts). Append only. */
export const vaultMigrations: readonly string[] = [
  `
  -- PAN and metadata only ever sealed; tokens only as keyed hashes (PCI DSS 3.5.1, 3.5.1.1).
  CREATE TABLE vault_tokens (
    position bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    account_id text NOT NULL,
    token_ref text NOT NULL,
    format text NOT NULL,
    sealed_pan bytea NOT NULL,
    sealed_meta bytea NOT NULL,
    scope text NOT NULL,
    fingerprint text,
    created_by text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint,
    PRIMARY KEY (account_id, token_ref)
  );
  CREATE UNIQUE INDEX vault_tokens_convergent ON vault_tokens (account_id, scope, fingerprint)
    WHERE fingerprint IS NOT NULL;
  CREATE INDEX vault_tokens_expiry ON vault_tokens (expires_at) WHERE expires_at IS NOT NULL;
  `,
];
