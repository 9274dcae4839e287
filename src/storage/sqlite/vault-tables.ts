import type { SQLInputValue, StatementSync } from 'node:sqlite';
import type { VaultTokenRow, VaultWriteTx } from '../vault.ts';

type Row = Record<string, SQLInputValue>;

/** `tx.vault` on SQLite: hand-written statements over vault_tokens, prepared once by the transaction. */
export class SqliteVaultTables implements VaultWriteTx {
  private readonly sql: (text: string) => StatementSync;

  constructor(sql: (text: string) => StatementSync) {
    this.sql = sql;
  }

  async getToken(accountId: string, tokenRef: string): Promise<VaultTokenRow | undefined> {
    const row = this.sql('SELECT * FROM vault_tokens WHERE account_id = ? AND token_ref = ?').get(
      accountId,
      tokenRef,
    ) as Row | undefined;
    return row ? toToken(row) : undefined;
  }

  async findConvergent(accountId: string, scope: string, fingerprint: string): Promise<VaultTokenRow | undefined> {
    const row = this.sql('SELECT * FROM vault_tokens WHERE account_id = ? AND scope = ? AND fingerprint = ?').get(
      accountId,
      scope,
      fingerprint,
    ) as Row | undefined;
    return row ? toToken(row) : undefined;
  }

  async scanTokens(cursor: string, limit: number): Promise<Array<VaultTokenRow & { cursor: string }>> {
    const rows = this.sql('SELECT rowid AS position, * FROM vault_tokens WHERE rowid > ? ORDER BY rowid LIMIT ?').all(
      cursor === '' ? 0 : Number(cursor),
      limit,
    ) as Row[];
    return rows.map((row) => ({ ...toToken(row), cursor: String(row.position) }));
  }

  async insertToken(row: VaultTokenRow): Promise<void> {
    this.sql(
      `INSERT INTO vault_tokens (account_id, token_ref, format, sealed_pan, sealed_meta, scope, fingerprint, created_by,
         created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      row.accountId,
      row.tokenRef,
      row.format,
      row.sealedPan,
      row.sealedMeta,
      row.scope,
      row.fingerprint,
      row.createdBy,
      row.createdAtMs,
      row.expiresAtMs,
    );
  }

  async deleteToken(accountId: string, tokenRef: string): Promise<boolean> {
    return (
      this.sql('DELETE FROM vault_tokens WHERE account_id = ? AND token_ref = ?').run(accountId, tokenRef).changes > 0
    );
  }

  async deleteExpiredTokens(nowMs: number, limit: number): Promise<number> {
    return Number(
      this.sql(
        `DELETE FROM vault_tokens WHERE rowid IN
           (SELECT rowid FROM vault_tokens WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?)`,
      ).run(nowMs, limit).changes,
    );
  }

  async replaceTokenSeals(
    accountId: string,
    tokenRef: string,
    seals: { sealedPan?: Uint8Array; sealedMeta?: Uint8Array },
  ): Promise<void> {
    this.sql(
      `UPDATE vault_tokens SET sealed_pan = COALESCE(?, sealed_pan), sealed_meta = COALESCE(?, sealed_meta)
       WHERE account_id = ? AND token_ref = ?`,
    ).run(seals.sealedPan ?? null, seals.sealedMeta ?? null, accountId, tokenRef);
  }
}

function toToken(row: Row): VaultTokenRow {
  return {
    accountId: String(row.account_id),
    tokenRef: String(row.token_ref),
    format: String(row.format),
    sealedPan: row.sealed_pan as Uint8Array,
    sealedMeta: row.sealed_meta as Uint8Array,
    scope: String(row.scope),
    fingerprint: row.fingerprint === null ? null : String(row.fingerprint),
    createdBy: String(row.created_by),
    createdAtMs: Number(row.created_at),
    expiresAtMs: row.expires_at === null ? null : Number(row.expires_at),
  };
}
