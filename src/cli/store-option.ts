import { isPostgresUrl, parsePostgresUrl, StoreUrlError } from '../storage/index.ts';
import { CliError } from './cli-error.ts';

/** `--store`, taken by every command that opens the store. */
export const storeOptions = { store: { type: 'string' } } as const;

export const storeUsage = `--store URL (or PCIQ_STORE): a PostgreSQL database, postgres://user:password@host:5432/db
  [?sslmode=verify-full&sslrootcert=ca.pem&pool_size=4], shared by every node; without it the store is the
  SQLite file in the data directory. Every command that opens the store takes it.`;

/** Where the store is: the data directory's SQLite file, or a PostgreSQL database several nodes share. */
export type StoreLocation = { kind: 'sqlite' } | { kind: 'postgres'; url: string; display: string };

/** `--store`, else PCIQ_STORE, else SQLite; a URL pciq cannot use is refused here, before anything opens. */
export function storeLocationOf(option: string | undefined, env: NodeJS.ProcessEnv = process.env): StoreLocation {
  const value = option ?? env['PCIQ_STORE'];
  if (value === undefined || value === '' || value === 'sqlite') return { kind: 'sqlite' };
  if (!isPostgresUrl(value)) {
    throw new CliError(`--store must be a postgres:// URL (or sqlite, the default), not '${value.split(':')[0]}:…'`);
  }
  try {
    return { kind: 'postgres', url: value, display: parsePostgresUrl(value).display };
  } catch (error) {
    if (error instanceof StoreUrlError) throw new CliError(`--store: ${error.message}`);
    throw error;
  }
}
