import { auditMigrations } from './audit.ts';
import { complianceMigrations } from './compliance.ts';
import { functionMigrations } from './functions.ts';
import { iamMigrations } from './iam.ts';
import { keyMigrations } from './keys.ts';
import { queueMigrations } from './queues.ts';
import { vaultMigrations } from './vault.ts';

/**
 * Ordered migrations per module, each list append-only (a released migration is never edited), recorded in
 * `schema_versions` as on SQLite. A module that adds tables adds its list here and its namespace to
 * `PgTransaction` (see docs/postgres.md, "Adding a module's tables"). Modules migrate in the order listed.
 */
export const postgresMigrations: ReadonlyArray<readonly [module: string, migrations: readonly string[]]> = [
  ['queues', queueMigrations],
  ['keys', keyMigrations],
  ['audit', auditMigrations],
  ['vault', vaultMigrations],
  ['functions', functionMigrations],
  ['iam', iamMigrations],
  ['compliance', complianceMigrations],
];
