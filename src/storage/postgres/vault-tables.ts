import type { SealedTokenPart, SealedTokenValue, VaultTokenRow, VaultWriteTx } from '../vault.ts';
import type { Row, Sql } from './sql.ts';

/** `tx.vault` on PostgreSQL: hand-written statements over vault_tokens. */
export class PgVaultTables implements VaultWriteTx {
  private readonly sql: Sql;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  async getToken(accountId: string, tokenRef: string): Promise<VaultTokenRow | undefined> {
    const row = await this.sql.one('SELECT * FROM vault_tokens WHERE account_id = $1 AND token_ref = $2', [
      accountId,
      tokenRef,
    ]);
    return row ? toToken(row) : undefined;
  }

  async getSealedTokens(
    accountId: string,
    tokenRefs: readonly string[],
    part: SealedTokenPart,
  ): Promise<Array<SealedTokenValue | undefined>> {
    // One statement for the lot: one round trip, one snapshot.
    const rows = await this.sql.rows(
      part === 'pan'
        ? 'SELECT token_ref, sealed_pan AS sealed, expires_at FROM vault_tokens WHERE account_id = $1 AND token_ref = ANY($2::text[])'
        : 'SELECT token_ref, sealed_meta AS sealed, expires_at FROM vault_tokens WHERE account_id = $1 AND token_ref = ANY($2::text[])',
      [accountId, tokenRefs],
    );
    const found = new Map<string, SealedTokenValue>();
    for (const row of rows) {
      found.set(String(row['token_ref']), {
        sealed: row['sealed'] as Uint8Array,
        expiresAtMs: row['expires_at'] === null ? null : Number(row['expires_at']),
      });
    }
    return tokenRefs.map((tokenRef) => found.get(tokenRef));
  }

  async findConvergent(accountId: string, scope: string, fingerprint: string): Promise<VaultTokenRow | undefined> {
    const row = await this.sql.one(
      'SELECT * FROM vault_tokens WHERE account_id = $1 AND scope = $2 AND fingerprint = $3',
      [accountId, scope, fingerprint],
    );
    return row ? toToken(row) : undefined;
  }

  async scanTokens(cursor: string, limit: number): Promise<Array<VaultTokenRow & { cursor: string }>> {
    const rows = await this.sql.rows('SELECT * FROM vault_tokens WHERE position > $1 ORDER BY position LIMIT $2', [
      cursor === '' ? 0 : Number(cursor),
      limit,
    ]);
    return rows.map((row) => ({ ...toToken(row), cursor: String(row['position']) }));
  }

  async insertTokens(rows: readonly VaultTokenRow[]): Promise<string[]> {
    if (rows.length === 0) return [];
    // One statement for the lot, column by column: one round trip however many cards a call tokenizes.
    const columns = [
      rows.map((row) => row.accountId),
      rows.map((row) => row.tokenRef),
      rows.map((row) => row.format),
      rows.map((row) => Buffer.from(row.sealedPan.buffer, row.sealedPan.byteOffset, row.sealedPan.byteLength)),
      rows.map((row) => Buffer.from(row.sealedMeta.buffer, row.sealedMeta.byteOffset, row.sealedMeta.byteLength)),
      rows.map((row) => row.scope),
      rows.map((row) => row.fingerprint),
      rows.map((row) => row.createdBy),
      rows.map((row) => row.createdAtMs),
      rows.map((row) => row.expiresAtMs),
    ];
    if (!rows.some((row) => row.fingerprint !== null)) {
      await this.sql.run(insertSql, columns);
      return [];
    }
    // Another node may have given the same card a token in this scope since this one looked: its insert waits
    // for that transaction, then leaves the row out rather than failing the call.
    const inserted = new Set(
      (await this.sql.rows<{ token_ref: string }>(insertConvergentSql, columns)).map((row) => row.token_ref),
    );
    return rows.filter((row) => !inserted.has(row.tokenRef)).map((row) => row.tokenRef);
  }

  async deleteToken(accountId: string, tokenRef: string): Promise<boolean> {
    return (
      (await this.sql.run('DELETE FROM vault_tokens WHERE account_id = $1 AND token_ref = $2', [accountId, tokenRef])) >
      0
    );
  }

  async deleteExpiredTokens(nowMs: number, limit: number): Promise<number> {
    // SKIP LOCKED: nodes sweeping at the same moment share the work instead of waiting for each other.
    return this.sql.run(
      `DELETE FROM vault_tokens WHERE position IN
         (SELECT position FROM vault_tokens WHERE expires_at IS NOT NULL AND expires_at <= $1
          LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [nowMs, limit],
    );
  }

  async replaceTokenSeals(
    accountId: string,
    tokenRef: string,
    seals: { sealedPan?: Uint8Array; sealedMeta?: Uint8Array },
  ): Promise<void> {
    await this.sql.run(
      `UPDATE vault_tokens SET sealed_pan = COALESCE($1, sealed_pan), sealed_meta = COALESCE($2, sealed_meta)
       WHERE account_id = $3 AND token_ref = $4`,
      [seals.sealedPan ?? null, seals.sealedMeta ?? null, accountId, tokenRef],
    );
  }
}

function toToken(row: Row): VaultTokenRow {
  return {
    accountId: String(row['account_id']),
    tokenRef: String(row['token_ref']),
    format: String(row['format']),
    sealedPan: row['sealed_pan'] as Uint8Array,
    sealedMeta: row['sealed_meta'] as Uint8Array,
    scope: String(row['scope']),
    fingerprint: row['fingerprint'] === null ? null : String(row['fingerprint']),
    createdBy: String(row['created_by']),
    createdAtMs: Number(row['created_at']),
    expiresAtMs: row['expires_at'] === null ? null : Number(row['expires_at']),
  };
}

const insertSql = `INSERT INTO vault_tokens (account_id, token_ref, format, sealed_pan, sealed_meta, scope, fingerprint,
    created_by, created_at, expires_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::bytea[], $6::text[], $7::text[],
    $8::text[], $9::bigint[], $10::bigint[])`;
const insertConvergentSql = `${insertSql}
  ON CONFLICT (account_id, scope, fingerprint) WHERE fingerprint IS NOT NULL DO NOTHING RETURNING token_ref`;
