import { auditMigrations } from './audit.ts';
import { complianceMigrations } from './compliance.ts';
import { functionMigrations } from './functions.ts';
import { iamMigrations } from './iam.ts';
import { keyMigrations } from './keys.ts';
import { queueMigrations } from './queues.ts';
import { vaultMigrations } from './vault.ts';

/**
 * Ordered migrations per module, each list append-only (a released migration is never edited). Modules
 * migrate independently, recorded in `schema_versions`, so tables of different modules evolve without
 * renumbering each other's migrations. Modules migrate in the order listed here.
 */
export const sqliteMigrations: ReadonlyArray<readonly [module: string, migrations: readonly string[]]> = [
  ['queues', queueMigrations],
  ['keys', keyMigrations],
  ['audit', auditMigrations],
  ['vault', vaultMigrations],
  ['functions', functionMigrations],
  ['iam', iamMigrations],
  ['compliance', complianceMigrations],
];
