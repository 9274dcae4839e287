import type pg from 'pg';
import { postgresMigrations } from './schema/index.ts';
import { advisoryKey } from './sql.ts';

export interface ModuleSchema {
  module: string;
  /** Migrations applied to the database. */
  applied: number;
  /** Migrations this pciq knows. */
  known: number;
}

/** Raised when the database holds a schema newer than this pciq knows. */
export class NewerSchemaError extends Error {}

/**
 * Applies pending migrations, each in its own transaction, under a session advisory lock: nodes starting
 * together (or `pciq migrate` next to a starting node) take turns, and the second finds nothing left to do.
 */
export async function migratePostgres(client: pg.Client): Promise<ModuleSchema[]> {
  await client.query(`SELECT pg_advisory_lock(${advisoryKey})`, ['migrate']);
  try {
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_versions (module text PRIMARY KEY, version integer NOT NULL)',
    );
    const before = await appliedVersions(client);
    for (const [module, migrations] of postgresMigrations) {
      const applied = before.get(module) ?? 0;
      if (applied > migrations.length) throw newerSchema(module, applied, migrations.length);
      for (let version = applied; version < migrations.length; version++) {
        await client.query('BEGIN');
        try {
          await client.query(migrations[version]!);
          await client.query(
            `INSERT INTO schema_versions (module, version) VALUES ($1, $2)
             ON CONFLICT (module) DO UPDATE SET version = excluded.version`,
            [module, version + 1],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
    }
    return schemaStatus(await appliedVersions(client));
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${advisoryKey})`, ['migrate']);
  }
}

/** What is applied and what this pciq knows, changing nothing (`pciq doctor`). */
export async function readSchemaStatus(client: pg.Client): Promise<ModuleSchema[]> {
  const exists = await client.query("SELECT to_regclass('schema_versions') IS NOT NULL AS present");
  return schemaStatus(exists.rows[0]?.present ? await appliedVersions(client) : new Map());
}

async function appliedVersions(client: pg.Client): Promise<Map<string, number>> {
  const result = await client.query<{ module: string; version: number }>('SELECT module, version FROM schema_versions');
  return new Map(result.rows.map((row) => [row.module, Number(row.version)]));
}

function schemaStatus(applied: Map<string, number>): ModuleSchema[] {
  return postgresMigrations.map(([module, migrations]) => ({
    module,
    applied: applied.get(module) ?? 0,
    known: migrations.length,
  }));
}

function newerSchema(module: string, applied: number, known: number): NewerSchemaError {
  return new NewerSchemaError(
    `the database was migrated by a newer pciq (${module} schema ${applied}, this one knows ${known}); upgrade pciq`,
  );
}
