import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { removeTempDir, trackTempDir } from '../cleanup.ts';
import type { Endpoint } from '../clients/queue-client.ts';
import { createPolicyHeavyPrincipal } from '../iam-principal.ts';
import { ServerProcess } from './server-process.ts';
import type { Target } from './target.ts';

const pciqBin = join(import.meta.dirname, '..', '..', 'bin', 'pciq.js');

interface Bootstrap {
  accountId: string;
  region: string;
  caFile: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * pciq alerts on every stop of audit logging (PCI DSS 10.2.1.6), its own orderly shutdown included, and on
 * every change to identities and policies (10.2.1.2), the bench's own principal included; its compliance
 * monitor reports what a throwaway bench setup has by design (the development CA, the key file in a temp
 * directory beside the data, queues without a customer key or dead-letter queue, a clock whose sync pciq
 * cannot confirm). Those lines are expected; any other stderr output is still reported.
 */
const expectedAlerts = ['"rule":"audit-logging-stopped"', '"rule":"privilege-change"'];

function isExpected(line: string): boolean {
  if (line.startsWith('pciq alert: ')) return expectedAlerts.some((rule) => line.includes(rule));
  return line.startsWith('pciq: compliance ');
}

export function withoutExpectedAlerts(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !isExpected(line))
    .join('\n');
}

/**
 * Node.js flags (BENCH_PCIQ_NODE_ARGS: Node refuses --cpu-prof in NODE_OPTIONS, so profiling flags come
 * through their own variable) and extra `pciq serve` options (BENCH_PCIQ_SERVE_ARGS) for every pciq server.
 */
export function benchServeEnvArgs(): { nodeArgs: string[]; serveArgs: string[] } {
  const split = (value: string | undefined) => (value ?? '').split(/\s+/).filter(Boolean);
  return {
    nodeArgs: split(process.env['BENCH_PCIQ_NODE_ARGS']),
    serveArgs: split(process.env['BENCH_PCIQ_SERVE_ARGS']),
  };
}

/** pciq as a target, with what local commands (`pciq functions …`) need to work on its data directory. */
export interface PciqTarget extends Target {
  accountId: string;
  /** `--data-dir DIR --key-file FILE` of the target's data directory. */
  dataDirArgs: string[];
}

/**
 * pciq as shipped: `pciq init` then `pciq serve` in a fresh temp directory, every default on (HTTPS with the
 * development CA, SigV4, synchronous=FULL commits, sealed bodies). The directory goes when the target stops.
 */
export async function startPciq(extraServeArgs: readonly string[] = []): Promise<PciqTarget> {
  const dir = trackTempDir(mkdtempSync(join(tmpdir(), 'pciq-bench-')));
  const dirArgs = ['--data-dir', join(dir, 'data'), '--key-file', join(dir, 'keys', 'master.key')];
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [pciqBin, 'init', ...dirArgs, '--json']);
    const bootstrap = JSON.parse(stdout) as Bootstrap;
    const { nodeArgs, serveArgs } = benchServeEnvArgs();
    const server = new ServerProcess([
      ...nodeArgs,
      pciqBin,
      'serve',
      ...dirArgs,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      ...serveArgs,
      ...extraServeArgs,
    ]);
    const url = await server.listeningUrl();
    const endpoint = {
      url,
      region: bootstrap.region,
      credentials: { accessKeyId: bootstrap.accessKeyId, secretAccessKey: bootstrap.secretAccessKey },
      caPem: readFileSync(bootstrap.caFile, 'utf8'),
    };
    let policyHeavyEndpoint: Endpoint;
    try {
      policyHeavyEndpoint = await createPolicyHeavyPrincipal(endpoint, bootstrap.accountId);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return {
      name: 'pciq',
      accountId: bootstrap.accountId,
      dataDirArgs: dirArgs,
      endpoint,
      policyHeavyEndpoint,
      pid: server.child.pid,
      stderr: () => withoutExpectedAlerts(server.stderr),
      async stop() {
        const code = await server.stop();
        removeTempDir(dir);
        if (code !== 0) throw new Error(`pciq serve exited with ${code} on SIGTERM; stderr: ${server.stderr.trim()}`);
      },
    };
  } catch (error) {
    removeTempDir(dir);
    throw error;
  }
}
