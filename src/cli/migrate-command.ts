import { parseArgs } from 'node:util';
import {
  connectPostgres,
  describeConnectionFailure,
  migratePostgres,
  NewerSchemaError,
  parsePostgresUrl,
  SqliteStore,
} from '../storage/index.ts';
import { CliError } from './cli-error.ts';
import { pathsOf } from './data-dir.ts';
import { defaultDataDir } from './defaults.ts';
import { storeOptions } from './store-option.ts';

export const migrateUsage = `pciq migrate [--store URL | --data-dir DIR] [--json]
  Applies the store's pending schema migrations and prints each module's version. Nodes also migrate at start;
  on PostgreSQL an advisory lock lets one node (or this command) migrate at a time.`;

export async function migrateCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { 'data-dir': { type: 'string', default: defaultDataDir }, ...storeOptions, json: { type: 'boolean' } },
    strict: true,
    allowPositionals: false,
  });
  const paths = pathsOf(values['data-dir'], '', values.store);
  let modules: Array<{ module: string; applied: number; known: number }>;
  if (paths.store.kind === 'sqlite') {
    // Opening the SQLite store applies its migrations.
    try {
      await new SqliteStore({ path: paths.database }).close();
    } catch (error) {
      throw new CliError(`cannot migrate ${paths.database}: ${(error as Error).message}`);
    }
    modules = [];
  } else {
    const target = parsePostgresUrl(paths.store.url);
    let client: Awaited<ReturnType<typeof connectPostgres>>;
    try {
      client = await connectPostgres(target.client, { pipeline: false });
    } catch (error) {
      throw new CliError(
        `cannot reach ${target.display}: ${describeConnectionFailure(error, paths.store.url)}; run \`pciq doctor\``,
      );
    }
    try {
      modules = await migratePostgres(client);
    } catch (error) {
      if (error instanceof NewerSchemaError) throw new CliError(error.message);
      throw new CliError(`migration of ${target.display} failed: ${(error as Error).message}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ modules })}\n`);
  else {
    process.stdout.write('schema up to date\n');
    for (const m of modules) process.stdout.write(`  ${m.module.padEnd(10)} ${m.applied}\n`);
  }
}
