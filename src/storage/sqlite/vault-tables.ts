import type { SQLInputValue, StatementSync } from 'node:sqlite';
import type { SealedTokenPart, SealedTokenValue, VaultTokenRow, VaultWriteTx } from '../vault.ts';

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

  async getSealedTokens(
    accountId: string,
    tokenRefs: readonly string[],
    part: SealedTokenPart,
  ): Promise<Array<SealedTokenValue | undefined>> {
    const lookup = this.sql(
      part === 'pan'
        ? 'SELECT sealed_pan AS sealed, expires_at FROM vault_tokens WHERE account_id = ? AND token_ref = ?'
        : 'SELECT sealed_meta AS sealed, expires_at FROM vault_tokens WHERE account_id = ? AND token_ref = ?',
    );
    const find = (tokenRef: string): SealedTokenValue | undefined => {
      const row = lookup.get(accountId, tokenRef) as Row | undefined;
      return row
        ? { sealed: row.sealed as Uint8Array, expiresAtMs: row.expires_at === null ? null : Number(row.expires_at) }
        : undefined;
    };
    if (tokenRefs.length === 1) return [find(tokenRefs[0]!)];
    // One read transaction for the lot (a savepoint opens one outside a transaction and nests inside one):
    // each statement outside a transaction would open and close one of its own, which costs more than the
    // lookup. Nothing awaits in between, so no other work shares the connection meanwhile.
    this.sql('SAVEPOINT vault_lookup').run();
    try {
      return tokenRefs.map(find);
    } finally {
      this.sql('RELEASE vault_lookup').run();
    }
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
    // The cursor is the last row's key (account and reference): the table has no row ids to page by.
    const [accountId = '', tokenRef = ''] = cursor === '' ? [] : cursor.split('\n');
    const rows = this.sql(
      `SELECT * FROM vault_tokens WHERE (account_id, token_ref) > (?, ?) ORDER BY account_id, token_ref LIMIT ?`,
    ).all(accountId, tokenRef, limit) as Row[];
    return rows.map((row) => {
      const token = toToken(row);
      return { ...token, cursor: `${token.accountId}\n${token.tokenRef}` };
    });
  }

  async insertTokens(rows: readonly VaultTokenRow[]): Promise<string[]> {
    // A batch's rows go in by statements of many rows (stepping and resetting a statement per card cost a
    // fifth of its insert); the rest, fewer than a statement takes, one by one. Convergent rows whose
    // fingerprint is taken are left out, as the contract says (here only a caller that did not look first
    // meets one: writers take turns, and the vault looks in the same transaction).
    const isConvergent = rows.some((row) => row.fingerprint !== null);
    let inserted = 0;
    let next = 0;
    const values: SQLInputValue[] = [];
    if (rows.length >= rowsPerInsert) {
      const many = this.sql(isConvergent ? insertManyConvergentSql : insertManySql);
      for (; next + rowsPerInsert <= rows.length; next += rowsPerInsert) {
        values.length = 0;
        for (let i = next; i < next + rowsPerInsert; i++) pushColumns(values, rows[i]!);
        inserted += Number(many.run(...values).changes);
      }
    }
    if (next < rows.length) {
      const one = this.sql(isConvergent ? insertOneConvergentSql : insertOneSql);
      for (; next < rows.length; next++) {
        values.length = 0;
        pushColumns(values, rows[next]!);
        inserted += Number(one.run(...values).changes);
      }
    }
    if (inserted === rows.length) return [];
    const isStored = this.sql('SELECT 1 FROM vault_tokens WHERE account_id = ? AND token_ref = ?');
    return rows.filter((row) => isStored.get(row.accountId, row.tokenRef) === undefined).map((row) => row.tokenRef);
  }

  async deleteToken(accountId: string, tokenRef: string): Promise<boolean> {
    return (
      this.sql('DELETE FROM vault_tokens WHERE account_id = ? AND token_ref = ?').run(accountId, tokenRef).changes > 0
    );
  }

  async deleteExpiredTokens(nowMs: number, limit: number): Promise<number> {
    return Number(
      this.sql(
        `DELETE FROM vault_tokens WHERE (account_id, token_ref) IN
           (SELECT account_id, token_ref FROM vault_tokens WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?)`,
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

/** Rows per statement when a call inserts many: 32 × 10 parameters, well under SQLite's limit of 32,766. */
const rowsPerInsert = 32;

function insertSql(rowCount: number): string {
  const values = Array.from({ length: rowCount }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
  return `INSERT INTO vault_tokens (account_id, token_ref, format, sealed_pan, sealed_meta, scope, fingerprint,
    created_by, created_at, expires_at) VALUES ${values}`;
}
const insertOneSql = insertSql(1);
const insertManySql = insertSql(rowsPerInsert);
const leaveOutTakenFingerprints =
  ' ON CONFLICT (account_id, scope, fingerprint) WHERE fingerprint IS NOT NULL DO NOTHING';
const insertOneConvergentSql = insertOneSql + leaveOutTakenFingerprints;
const insertManyConvergentSql = insertManySql + leaveOutTakenFingerprints;

function pushColumns(values: SQLInputValue[], row: VaultTokenRow): void {
  values.push(
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
