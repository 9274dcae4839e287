import { randomUUID } from 'node:crypto';
import type {
  InternalKeyRow,
  KeyRotationType,
  KeyWriteTx,
  KmsAliasRow,
  KmsKeyRow,
  KmsKeyState,
  KmsKeyVersionRow,
} from '../keys.ts';
import type { Row, Sql } from './sql.ts';

/** `tx.keys` on PostgreSQL: hand-written statements over the kms_* tables. */
export class PgKeyTables implements KeyWriteTx {
  private readonly sql: Sql;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  /**
   * The revision as this transaction last read it. Every request's unit asks for it (src/keys checks its
   * keys are current), and the units of one group commit share the transaction: the first reads it, the
   * others reuse it, as if they had run at that instant. A change of keys in this transaction forgets it.
   */
  private readRevision: string | undefined;

  /** A fresh random token, never a counter: a rolled-back change must not be mistaken for a later one. */
  private async bump(): Promise<void> {
    this.readRevision = undefined;
    await this.sql.run('UPDATE kms_revision SET revision = $1 WHERE id = 1', [randomUUID()]);
  }

  /** After a unit rolled back to its savepoint: what this transaction read may have been its own change. */
  forgetRevision(): void {
    this.readRevision = undefined;
  }

  async revision(): Promise<string> {
    this.readRevision ??= (await this.sql.one<{ revision: string }>(
      'SELECT revision FROM kms_revision WHERE id = 1',
    ))!.revision;
    return this.readRevision;
  }

  async listKeys(): Promise<KmsKeyRow[]> {
    return (await this.sql.rows('SELECT * FROM kms_keys ORDER BY key_id')).map(toKey);
  }

  async listVersions(): Promise<KmsKeyVersionRow[]> {
    return (await this.sql.rows('SELECT * FROM kms_key_versions ORDER BY key_id, version')).map(toVersion);
  }

  async listAliases(): Promise<KmsAliasRow[]> {
    return (await this.sql.rows('SELECT * FROM kms_aliases ORDER BY account_id, alias_name')).map((row) => ({
      accountId: String(row['account_id']),
      aliasName: String(row['alias_name']),
      keyId: String(row['key_id']),
      createdAtMs: Number(row['created_at']),
      updatedAtMs: Number(row['updated_at']),
    }));
  }

  async listInternalKeys(): Promise<InternalKeyRow[]> {
    return (await this.sql.rows('SELECT * FROM kms_internal_keys ORDER BY name')).map((row) => ({
      name: String(row['name']),
      wrappedMaterial: row['wrapped_material'] as Uint8Array,
      createdAtMs: Number(row['created_at']),
    }));
  }

  async insertKey(key: KmsKeyRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO kms_keys (key_id, account_id, description, key_manager, state, created_at, deletion_at,
         pending_window_days, rotation_period_days, next_rotation_at, current_version, min_decrypt_version, policy, tags)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      keyValues(key),
    );
    await this.bump();
  }

  async updateKey(key: KmsKeyRow): Promise<void> {
    await this.sql.run(
      `UPDATE kms_keys SET account_id = $2, description = $3, key_manager = $4, state = $5, created_at = $6,
         deletion_at = $7, pending_window_days = $8, rotation_period_days = $9, next_rotation_at = $10,
         current_version = $11, min_decrypt_version = $12, policy = $13, tags = $14 WHERE key_id = $1`,
      keyValues(key),
    );
    await this.bump();
  }

  async insertVersion(version: KmsKeyVersionRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO kms_key_versions (key_id, version, material_id, wrapped_material, rotation_type, created_at,
         destroyed_at, invocations) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        version.keyId,
        version.version,
        version.materialId,
        version.wrappedMaterial,
        version.rotationType,
        version.createdAtMs,
        version.destroyedAtMs,
        version.invocations,
      ],
    );
    await this.bump();
  }

  async setVersionMaterial(
    keyId: string,
    version: number,
    wrappedMaterial: Uint8Array | null,
    destroyedAtMs: number | null,
  ): Promise<void> {
    await this.sql.run(
      'UPDATE kms_key_versions SET wrapped_material = $1, destroyed_at = $2 WHERE key_id = $3 AND version = $4',
      [wrappedMaterial, destroyedAtMs, keyId, version],
    );
    await this.bump();
  }

  async addUsage(keyId: string, version: number, invocations: number): Promise<void> {
    await this.sql.run(
      'UPDATE kms_key_versions SET invocations = invocations + $1 WHERE key_id = $2 AND version = $3',
      [invocations, keyId, version],
    );
  }

  async putAlias(alias: KmsAliasRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO kms_aliases (account_id, alias_name, key_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account_id, alias_name) DO UPDATE SET key_id = excluded.key_id, updated_at = excluded.updated_at`,
      [alias.accountId, alias.aliasName, alias.keyId, alias.createdAtMs, alias.updatedAtMs],
    );
    await this.bump();
  }

  async deleteAlias(accountId: string, aliasName: string): Promise<boolean> {
    const deleted =
      (await this.sql.run('DELETE FROM kms_aliases WHERE account_id = $1 AND alias_name = $2', [
        accountId,
        aliasName,
      ])) > 0;
    if (deleted) await this.bump();
    return deleted;
  }

  async putInternalKey(key: InternalKeyRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO kms_internal_keys (name, wrapped_material, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET wrapped_material = excluded.wrapped_material`,
      [key.name, key.wrappedMaterial, key.createdAtMs],
    );
    await this.bump();
  }
}

function keyValues(key: KmsKeyRow): unknown[] {
  return [
    key.keyId,
    key.accountId,
    key.description,
    key.keyManager,
    key.state,
    key.createdAtMs,
    key.deletionAtMs,
    key.pendingWindowDays,
    key.rotationPeriodDays,
    key.nextRotationAtMs,
    key.currentVersion,
    key.minDecryptVersion,
    key.policy,
    JSON.stringify(key.tags),
  ];
}

function nullable(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function toKey(row: Row): KmsKeyRow {
  return {
    keyId: String(row['key_id']),
    accountId: String(row['account_id']),
    description: String(row['description']),
    keyManager: String(row['key_manager']) as KmsKeyRow['keyManager'],
    state: String(row['state']) as KmsKeyState,
    createdAtMs: Number(row['created_at']),
    deletionAtMs: nullable(row['deletion_at']),
    pendingWindowDays: nullable(row['pending_window_days']),
    rotationPeriodDays: nullable(row['rotation_period_days']),
    nextRotationAtMs: nullable(row['next_rotation_at']),
    currentVersion: Number(row['current_version']),
    minDecryptVersion: Number(row['min_decrypt_version']),
    policy: String(row['policy']),
    tags: JSON.parse(String(row['tags'])) as Record<string, string>,
  };
}

function toVersion(row: Row): KmsKeyVersionRow {
  return {
    keyId: String(row['key_id']),
    version: Number(row['version']),
    materialId: String(row['material_id']),
    wrappedMaterial: row['wrapped_material'] === null ? null : (row['wrapped_material'] as Uint8Array),
    rotationType: String(row['rotation_type']) as KeyRotationType,
    createdAtMs: Number(row['created_at']),
    destroyedAtMs: nullable(row['destroyed_at']),
    invocations: Number(row['invocations']),
  };
}
