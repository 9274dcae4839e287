import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { removeTempDir, trackTempDir } from '../cleanup.ts';
import type { Endpoint } from '../clients/queue-client.ts';
import { benchServeEnvArgs, withoutExpectedAlerts } from './pciq.ts';
import { ServerProcess } from './server-process.ts';
import type { Target } from './target.ts';

const pciqBin = join(import.meta.dirname, '..', '..', 'bin', 'pciq.js');
export const pciqPostgresNodes = 3;

/** The PostgreSQL database of the scale-out runs and the pg-boss peer: BENCH_PG_URL, else PCIQ_TEST_PG_URL. */
export function benchPostgresUrl(): string | undefined {
  return process.env['BENCH_PG_URL'] || process.env['PCIQ_TEST_PG_URL'] || undefined;
}

/**
 * Three `pciq serve` nodes (one process each) on one fresh schema of the bench database, as shipped: HTTPS,
 * SigV4, sealed bodies, the audit trail on. Runs use the first 1, 2 or 3 of them. The schema and the data
 * directory go when the target stops.
 */
export async function startPciqPostgres(): Promise<Target> {
  const baseUrl = benchPostgresUrl();
  if (!baseUrl) throw new Error('no PostgreSQL: set BENCH_PG_URL (or PCIQ_TEST_PG_URL)');
  const schema = `pciq_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 3_000 });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const dir = trackTempDir(mkdtempSync(join(tmpdir(), 'pciq-bench-pg-')));
  const dirArgs = [
    '--data-dir',
    join(dir, 'data'),
    '--key-file',
    join(dir, 'keys', 'master.key'),
    '--store',
    url.toString(),
  ];
  const servers: ServerProcess[] = [];
  const dropSchema = async () => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  };
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [pciqBin, 'init', ...dirArgs, '--json']);
    const bootstrap = JSON.parse(stdout) as {
      region: string;
      caFile: string;
      accessKeyId: string;
      secretAccessKey: string;
    };
    const endpoints: Endpoint[] = [];
    const { nodeArgs, serveArgs } = benchServeEnvArgs();
    for (let node = 0; node < pciqPostgresNodes; node++) {
      const server = new ServerProcess([
        ...nodeArgs,
        pciqBin,
        'serve',
        ...dirArgs,
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--workers',
        '1',
        '--node',
        `bench-${node + 1}`,
        ...serveArgs,
      ]);
      servers.push(server);
      endpoints.push({
        url: await server.listeningUrl(),
        region: bootstrap.region,
        credentials: { accessKeyId: bootstrap.accessKeyId, secretAccessKey: bootstrap.secretAccessKey },
        caPem: readFileSync(bootstrap.caFile, 'utf8'),
      });
    }
    return {
      name: 'pciq-pg',
      endpoint: endpoints[0]!,
      endpoints,
      pid: servers[0]!.child.pid,
      pids: servers.map((server) => server.child.pid),
      stderr: () => withoutExpectedAlerts(servers.map((server) => server.stderr).join('\n')),
      async stop() {
        const codes = await Promise.all(servers.map((server) => server.stop()));
        removeTempDir(dir);
        await dropSchema();
        if (codes.some((code) => code !== 0)) throw new Error(`a pciq node exited with ${codes.join(', ')} on SIGTERM`);
      },
    };
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    removeTempDir(dir);
    await dropSchema().catch(() => undefined);
    throw error;
  }
}
