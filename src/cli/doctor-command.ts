import { isIPv4, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { parseArgs } from 'node:util';
import {
  connectionsBesidesPool,
  connectPostgres,
  describeConnectionFailure,
  type PostgresTarget,
  parsePostgresUrl,
  readSchemaStatus,
} from '../storage/index.ts';
import { CliError } from './cli-error.ts';
import { storeLocationOf, storeOptions } from './store-option.ts';

export const doctorUsage = `pciq doctor [--store URL] [--max-skew-ms N] [--json]
  Checks a PostgreSQL store from this node: connectivity and round trip, TLS (protocol, cipher, whether the
  certificate and host name are verified; a warning when traffic crosses a network in clear), schema migrations, durability setting, connection headroom, and the clock skew between this node and the
  database (PCI DSS 10.6; default limit 1000 ms). Exits 1 if a check fails. Run it on every node.`;

type Status = 'ok' | 'warn' | 'fail';

interface Check {
  name: string;
  status: Status;
  detail: string;
  /** The facts behind the verdict, for --json. */
  facts?: Record<string, unknown>;
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
  const checks = await diagnose(location.url, target, maxSkewMs);
  if (values.json) process.stdout.write(`${JSON.stringify({ store: target.display, checks })}\n`);
  else {
    process.stdout.write(`pciq doctor: ${target.display}\n`);
    for (const check of checks) {
      process.stdout.write(`  ${check.status.toUpperCase().padEnd(4)}  ${check.name.padEnd(12)} ${check.detail}\n`);
    }
  }
  if (checks.some((check) => check.status === 'fail')) process.exitCode = 1;
}

async function diagnose(url: string, target: PostgresTarget, maxSkewMs: number): Promise<Check[]> {
  const checks: Check[] = [];
  const started = performance.now();
  let client: Awaited<ReturnType<typeof connectPostgres>>;
  try {
    client = await connectPostgres(target.client, { pipeline: false });
  } catch (error) {
    checks.push({
      name: 'connection',
      status: 'fail',
      detail: `cannot connect: ${describeConnectionFailure(error, url)}`,
    });
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

/** The socket node-postgres talks over: a TLSSocket once the server agreed to TLS. */
function socketOf(client: Client): Socket {
  return (client as unknown as { connection: { stream: Socket } }).connection.stream;
}

function isLoopback(address: string | undefined): boolean {
  // No remote address: a Unix-domain socket, which never leaves this host.
  if (address === undefined) return true;
  if (isIPv4(address)) return address.startsWith('127.');
  return address === '::1' || address.startsWith('::ffff:127.');
}

/**
 * Whether this node's connection is encrypted (as the server sees it, pg_stat_ssl) and what was verified
 * (as the client's TLS socket knows it). PCI DSS 4.2.1: strong cryptography wherever traffic crosses a
 * network; a database on this host (loopback, Unix socket) is exempt from the warning.
 */
async function tlsCheck(client: Client, target: PostgresTarget): Promise<Check> {
  const row = (
    await client.query<{ ssl: boolean; version: string | null; cipher: string | null }>(
      'SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    )
  ).rows[0];
  const socket = socketOf(client);
  const peer = socket.remoteAddress;
  const loopback = isLoopback(peer);
  const where = peer ?? 'a Unix socket';
  if (!row?.ssl) {
    const facts = { encrypted: false, peer: where, loopback };
    if (loopback) {
      return {
        name: 'tls',
        status: 'ok',
        detail: `not encrypted (sslmode=${target.sslMode}); the database is on this host (${where}), so nothing crosses a network`,
        facts,
      };
    }
    return {
      name: 'tls',
      status: 'warn',
      detail: `not encrypted: cardholder-data traffic to ${where} crosses the network in clear (PCI DSS 4.2.1); use sslmode=verify-full with sslrootcert`,
      facts,
    };
  }
  const tls = socket as TLSSocket;
  const certificateVerified = tls.authorized;
  const hostNameVerified = certificateVerified && target.sslMode === 'verify-full';
  const daysLeft = Math.floor((Date.parse(tls.getPeerCertificate().valid_to) - Date.now()) / 86_400_000);
  const facts = {
    encrypted: true,
    protocol: row.version,
    cipher: row.cipher,
    certificateVerified,
    hostNameVerified,
    certificateDaysLeft: daysLeft,
    peer: where,
    loopback,
  };
  const how = `${row.version} ${row.cipher}, sslmode=${target.sslMode}`;
  if (!certificateVerified) {
    return {
      name: 'tls',
      status: 'warn',
      detail: `${how}: encrypted, but the server's certificate is not verified, so anyone in between can pose as the database; use sslmode=verify-full with sslrootcert`,
      facts,
    };
  }
  if (!hostNameVerified) {
    return {
      name: 'tls',
      status: 'warn',
      detail: `${how}: the certificate is verified but not the host name, so any server with a certificate from this CA can pose as the database; use sslmode=verify-full`,
      facts,
    };
  }
  return {
    name: 'tls',
    status: daysLeft < 30 ? 'warn' : 'ok',
    detail: `${how} (certificate and host name verified; the certificate expires in ${daysLeft} days${daysLeft < 30 ? ': renew it' : ''})`,
    facts,
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
