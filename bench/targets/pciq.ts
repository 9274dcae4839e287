import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { removeTempDir, trackTempDir } from '../cleanup.ts';
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
 * pciq alerts on every stop of audit logging (PCI DSS 10.2.1.6), its own orderly shutdown included: that
 * alert is expected when the bench stops the server; any other stderr output is still reported.
 */
function withoutShutdownAlert(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !(line.startsWith('pciq alert: ') && line.includes('"rule":"audit-logging-stopped"')))
    .join('\n');
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
    // Node refuses --cpu-prof in NODE_OPTIONS, so profiling flags for the server come through their own variable.
    const nodeArgs = (process.env['BENCH_PCIQ_NODE_ARGS'] ?? '').split(/\s+/).filter(Boolean);
    const serveArgs = (process.env['BENCH_PCIQ_SERVE_ARGS'] ?? '').split(/\s+/).filter(Boolean);
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
    return {
      name: 'pciq',
      accountId: bootstrap.accountId,
      dataDirArgs: dirArgs,
      endpoint: {
        url,
        region: bootstrap.region,
        credentials: { accessKeyId: bootstrap.accessKeyId, secretAccessKey: bootstrap.secretAccessKey },
        caPem: readFileSync(bootstrap.caFile, 'utf8'),
      },
      pid: server.child.pid,
      stderr: () => withoutShutdownAlert(server.stderr),
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
