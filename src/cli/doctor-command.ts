import { parseArgs } from 'node:util';
import {
  connectionsBesidesPool,
  connectPostgres,
  type PostgresTarget,
  parsePostgresUrl,
  readSchemaStatus,
} from '../storage/index.ts';
import { CliError } from './cli-error.ts';
import { storeLocationOf, storeOptions } from './store-option.ts';

export const doctorUsage = `pciq doctor [--store URL] [--max-skew-ms N] [--json]
  Checks a PostgreSQL store from this node: connectivity and round trip, TLS (protocol, cipher, sslmode),
  schema migrations, durability setting, connection headroom, and the clock skew between this node and the
  database (PCI DSS 10.6; default limit 1000 ms). Exits 1 if a check fails. Run it on every node.`;

type Status = 'ok' | 'warn' | 'fail';

interface Check {
  name: string;
  status: Status;
  detail: string;
}

export async function doctorCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { ...storeOptions, 'max-skew-ms': { type: 'string', default: '1000' }, json: { type: 'boolean' } },
    strict: true,
    allowPositionals: false,
  });
  const location = storeLocationOf(values.store);
  if (location.kind !== 'postgres') {
    throw new CliError('pciq doctor checks a PostgreSQL store: pass --store postgres://… or set PCIQ_STORE');
  }
  const maxSkewMs = Number(values['max-skew-ms']);
  if (!Number.isInteger(maxSkewMs) || maxSkewMs <= 0)
    throw new CliError(`--max-skew-ms must be a positive whole number, not ${values['max-skew-ms']}`);
  const target = parsePostgresUrl(location.url);
  const checks = await diagnose(target, maxSkewMs);
  if (values.json) process.stdout.write(`${JSON.stringify({ store: target.display, checks })}\n`);
  else {
    process.stdout.write(`pciq doctor: ${target.display}\n`);
    for (const check of checks) {
      process.stdout.write(`  ${check.status.toUpperCase().padEnd(4)}  ${check.name.padEnd(12)} ${check.detail}\n`);
    }
  }
  if (checks.some((check) => check.status === 'fail')) process.exitCode = 1;
}

async function diagnose(target: PostgresTarget, maxSkewMs: number): Promise<Check[]> {
  const checks: Check[] = [];
  const started = performance.now();
  let client: Awaited<ReturnType<typeof connectPostgres>>;
  try {
    client = await connectPostgres({ ...target.client, connectionTimeoutMillis: 5_000 }, { pipeline: false });
  } catch (error) {
    checks.push({ name: 'connection', status: 'fail', detail: `cannot connect: ${(error as Error).message}` });
    return checks;
  }
  try {
    const connectMs = performance.now() - started;
    const version = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v;
    checks.push({
      name: 'connection',
      status: 'ok',
      detail: `PostgreSQL ${version}, connected in ${connectMs.toFixed(0)} ms`,
    });
    checks.push(await tlsCheck(client, target));
    checks.push(await schemaCheck(client));
    checks.push(await clockCheck(client, maxSkewMs));
    checks.push(await durabilityCheck(client));
    checks.push(await headroomCheck(client, target));
  } catch (error) {
    checks.push({ name: 'query', status: 'fail', detail: (error as Error).message });
  } finally {
    await client.end().catch(() => undefined);
  }
  return checks;
}

type Client = Awaited<ReturnType<typeof connectPostgres>>;

async function tlsCheck(client: Client, target: PostgresTarget): Promise<Check> {
  const row = (
    await client.query<{ ssl: boolean; version: string | null; cipher: string | null }>(
      'SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    )
  ).rows[0];
  if (!row?.ssl) {
    return {
      name: 'tls',
      status: 'warn',
      detail: 'not encrypted (sslmode=disable): use sslmode=verify-full wherever the database is not on this host',
    };
  }
  const verified = target.sslMode === 'verify-full';
  return {
    name: 'tls',
    status: verified ? 'ok' : 'warn',
    detail: `${row.version} ${row.cipher}, sslmode=${target.sslMode}${verified ? ' (server name and certificate verified)' : ': the server is not fully verified; use verify-full'}`,
  };
}

async function schemaCheck(client: Client): Promise<Check> {
  const modules = await readSchemaStatus(client);
  const newer = modules.filter((m) => m.applied > m.known);
  const pending = modules.filter((m) => m.applied < m.known);
  const list = modules.map((m) => `${m.module} ${m.applied}/${m.known}`).join(', ');
  if (newer.length > 0)
    return { name: 'migrations', status: 'fail', detail: `newer than this pciq (${list}): upgrade` };
  if (pending.length > 0)
    return { name: 'migrations', status: 'warn', detail: `pending (${list}): run \`pciq migrate\` or start a node` };
  return { name: 'migrations', status: 'ok', detail: `up to date (${list})` };
}

async function clockCheck(client: Client, maxSkewMs: number): Promise<Check> {
  // The database's clock read halfway through the round trip, as NTP does.
  const sent = Date.now();
  const row = (
    await client.query<{ ms: string }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms')
  ).rows[0];
  const received = Date.now();
  const skewMs = Math.round(Number(row?.ms) - (sent + received) / 2);
  const detail = `this node's clock is ${Math.abs(skewMs)} ms ${skewMs > 0 ? 'behind' : 'ahead of'} the database's (round trip ${received - sent} ms)`;
  return { name: 'clock', status: Math.abs(skewMs) > maxSkewMs ? 'fail' : 'ok', detail };
}

async function durabilityCheck(client: Client): Promise<Check> {
  const value = (await client.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s")).rows[0]?.s;
  const fsync = (await client.query<{ f: string }>("SELECT current_setting('fsync') AS f")).rows[0]?.f;
  if (fsync !== 'on')
    return { name: 'durability', status: 'fail', detail: 'fsync is off: acknowledged messages can be lost' };
  return {
    name: 'durability',
    status: 'ok',
    detail: `fsync on, synchronous_commit=${value}${value === 'off' || value === 'local' ? ' (pciq raises it to on for its sessions)' : ''}`,
  };
}

async function headroomCheck(client: Client, target: PostgresTarget): Promise<Check> {
  const row = (
    await client.query<{ max: number; used: number; reserved: number }>(
      `SELECT current_setting('max_connections')::int AS max, (SELECT count(*) FROM pg_stat_activity)::int AS used,
         current_setting('superuser_reserved_connections')::int AS reserved`,
    )
  ).rows[0]!;
  const perProcess = target.poolSize + connectionsBesidesPool;
  const free = row.max - row.reserved - row.used;
  return {
    name: 'connections',
    status: free < perProcess ? 'warn' : 'ok',
    detail: `${row.used} of ${row.max} in use; each pciq serving process opens up to ${perProcess} (pool_size=${target.poolSize})`,
  };
}
