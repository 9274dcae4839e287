import { randomUUID } from 'node:crypto';
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type {
  InternalKeyRow,
  KeyRotationType,
  KeyWriteTx,
  KmsAliasRow,
  KmsKeyRow,
  KmsKeyState,
  KmsKeyVersionRow,
} from '../keys.ts';

type Row = Record<string, SQLInputValue>;

/** `tx.keys` on SQLite: hand-written statements over the kms_* tables. */
export class SqliteKeyTables implements KeyWriteTx {
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  private sql(text: string): StatementSync {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /**
   * The revision as the writer's transaction last read it. Every request's unit asks for it (src/keys checks
   * its keys are current), and the units of one group commit share the writer's transaction, which holds the
   * database's write lock from BEGIN IMMEDIATE to COMMIT: no other connection or process changes the keys
   * meanwhile, so the first unit reads it and the others reuse it, as if they had run at that instant. A
   * change of keys in this transaction forgets it, and so does a unit rolling back. Only the writer shares
   * (`shareRevision` at every BEGIN); on the read connection every call reads.
   */
  private readRevision: string | undefined;
  private isRevisionShared = false;

  /** A fresh random token, never a counter: a rolled-back change must not be mistaken for a later one. */
  private bump(): void {
    this.readRevision = undefined;
    this.sql('UPDATE kms_revision SET revision = ? WHERE id = 1').run(randomUUID());
  }

  /** The writer began a transaction: its units share one read of the revision until it ends. */
  shareRevision(): void {
    this.isRevisionShared = true;
    this.readRevision = undefined;
  }

  /** After a unit rolled back to its savepoint: what this transaction read may have been its own change. */
  forgetRevision(): void {
    this.readRevision = undefined;
  }

  async revision(): Promise<string> {
    const isShared = this.isRevisionShared && this.db.isTransaction;
    if (isShared && this.readRevision !== undefined) return this.readRevision;
    const revision = String((this.sql('SELECT revision FROM kms_revision WHERE id = 1').get() as Row).revision);
    if (isShared) this.readRevision = revision;
    return revision;
  }

  async listKeys(): Promise<KmsKeyRow[]> {
    return (this.sql('SELECT * FROM kms_keys ORDER BY key_id').all() as Row[]).map(toKey);
  }

  async listVersions(): Promise<KmsKeyVersionRow[]> {
    return (this.sql('SELECT * FROM kms_key_versions ORDER BY key_id, version').all() as Row[]).map(toVersion);
  }

  async listAliases(): Promise<KmsAliasRow[]> {
    return (this.sql('SELECT * FROM kms_aliases ORDER BY account_id, alias_name').all() as Row[]).map((row) => ({
      accountId: String(row.account_id),
      aliasName: String(row.alias_name),
      keyId: String(row.key_id),
      createdAtMs: Number(row.created_at),
      updatedAtMs: Number(row.updated_at),
    }));
  }

  async listInternalKeys(): Promise<InternalKeyRow[]> {
    return (this.sql('SELECT * FROM kms_internal_keys ORDER BY name').all() as Row[]).map((row) => ({
      name: String(row.name),
      wrappedMaterial: row.wrapped_material as Uint8Array,
      createdAtMs: Number(row.created_at),
    }));
  }

  async insertKey(key: KmsKeyRow): Promise<void> {
    this.sql(
      `INSERT INTO kms_keys (key_id, account_id, description, key_manager, state, created_at, deletion_at,
         pending_window_days, rotation_period_days, next_rotation_at, current_version, min_decrypt_version, policy, tags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(...keyValues(key));
    this.bump();
  }

  async updateKey(key: KmsKeyRow): Promise<void> {
    const [keyId, ...rest] = keyValues(key);
    this.sql(
      `UPDATE kms_keys SET account_id = ?, description = ?, key_manager = ?, state = ?, created_at = ?,
         deletion_at = ?, pending_window_days = ?, rotation_period_days = ?, next_rotation_at = ?,
         current_version = ?, min_decrypt_version = ?, policy = ?, tags = ? WHERE key_id = ?`,
    ).run(...rest, keyId!);
    this.bump();
  }

  async insertVersion(version: KmsKeyVersionRow): Promise<void> {
    this.sql(
      `INSERT INTO kms_key_versions (key_id, version, material_id, wrapped_material, rotation_type, created_at,
         destroyed_at, invocations) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      version.keyId,
      version.version,
      version.materialId,
      version.wrappedMaterial,
      version.rotationType,
      version.createdAtMs,
      version.destroyedAtMs,
      version.invocations,
    );
    this.bump();
  }

  async setVersionMaterial(
    keyId: string,
    version: number,
    wrappedMaterial: Uint8Array | null,
    destroyedAtMs: number | null,
  ): Promise<void> {
    this.sql('UPDATE kms_key_versions SET wrapped_material = ?, destroyed_at = ? WHERE key_id = ? AND version = ?').run(
      wrappedMaterial,
      destroyedAtMs,
      keyId,
      version,
    );
    this.bump();
  }

  async addUsage(keyId: string, version: number, invocations: number): Promise<void> {
    this.sql('UPDATE kms_key_versions SET invocations = invocations + ? WHERE key_id = ? AND version = ?').run(
      invocations,
      keyId,
      version,
    );
  }

  async putAlias(alias: KmsAliasRow): Promise<void> {
    this.sql(
      `INSERT INTO kms_aliases (account_id, alias_name, key_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (account_id, alias_name) DO UPDATE SET key_id = excluded.key_id, updated_at = excluded.updated_at`,
    ).run(alias.accountId, alias.aliasName, alias.keyId, alias.createdAtMs, alias.updatedAtMs);
    this.bump();
  }

  async deleteAlias(accountId: string, aliasName: string): Promise<boolean> {
    const deleted =
      this.sql('DELETE FROM kms_aliases WHERE account_id = ? AND alias_name = ?').run(accountId, aliasName).changes > 0;
    if (deleted) this.bump();
    return deleted;
  }

  async putInternalKey(key: InternalKeyRow): Promise<void> {
    this.sql(
      `INSERT INTO kms_internal_keys (name, wrapped_material, created_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET wrapped_material = excluded.wrapped_material`,
    ).run(key.name, key.wrappedMaterial, key.createdAtMs);
    this.bump();
  }
}

function keyValues(key: KmsKeyRow): SQLInputValue[] {
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

function nullable(value: SQLInputValue | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function toKey(row: Row): KmsKeyRow {
  return {
    keyId: String(row.key_id),
    accountId: String(row.account_id),
    description: String(row.description),
    keyManager: String(row.key_manager) as KmsKeyRow['keyManager'],
    state: String(row.state) as KmsKeyState,
    createdAtMs: Number(row.created_at),
    deletionAtMs: nullable(row.deletion_at),
    pendingWindowDays: nullable(row.pending_window_days),
    rotationPeriodDays: nullable(row.rotation_period_days),
    nextRotationAtMs: nullable(row.next_rotation_at),
    currentVersion: Number(row.current_version),
    minDecryptVersion: Number(row.min_decrypt_version),
    policy: String(row.policy),
    tags: JSON.parse(String(row.tags)) as Record<string, string>,
  };
}

function toVersion(row: Row): KmsKeyVersionRow {
  return {
    keyId: String(row.key_id),
    version: Number(row.version),
    materialId: String(row.material_id),
    wrappedMaterial: row.wrapped_material === null ? null : (row.wrapped_material as Uint8Array),
    rotationType: String(row.rotation_type) as KeyRotationType,
    createdAtMs: Number(row.created_at),
    destroyedAtMs: nullable(row.destroyed_at),
    invocations: Number(row.invocations),
  };
}
