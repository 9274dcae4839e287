import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { makeTempDir } from './temp-dir.ts';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const pciqBin = join(repoRoot, 'bin', 'pciq.js');

export interface Bootstrap {
  endpoint: string;
  region: string;
  accountId: string;
  caFile: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** This process's environment plus the AWS settings with which a child calls `endpoint` as the bootstrap administrator. */
export function awsEnvironmentOf(bootstrap: Bootstrap, endpoint: string) {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: bootstrap.accessKeyId,
    AWS_SECRET_ACCESS_KEY: bootstrap.secretAccessKey,
    AWS_REGION: bootstrap.region,
    AWS_ENDPOINT_URL: endpoint,
    AWS_CA_BUNDLE: bootstrap.caFile,
  };
}

/**
 * Runs `pciq init --json` in a fresh temp dir; with `store`, the account goes into that PostgreSQL database
 * and `storeArgs` carries the option for every later command.
 */
export function initDataDir(options: { store?: string | undefined } = {}): {
  bootstrap: Bootstrap;
  dataDir: string;
  keyFile: string;
  storeArgs: string[];
  remove: () => void;
} {
  const dir = makeTempDir('pciq-e2e-');
  const dataDir = join(dir.path, 'data');
  const keyFile = join(dir.path, 'keys', 'master.key');
  const storeArgs = options.store ? ['--store', options.store] : [];
  const out = execFileSync(
    process.execPath,
    [pciqBin, 'init', '--data-dir', dataDir, '--key-file', keyFile, ...storeArgs, '--json'],
    {
      encoding: 'utf8',
    },
  );
  return { bootstrap: JSON.parse(out) as Bootstrap, dataDir, keyFile, storeArgs, remove: dir.remove };
}

/** A real `pciq serve` child process on an ephemeral port. */
export class PciqServer {
  readonly process: ChildProcess;
  readonly endpoint: Promise<string>;
  /** Resolves with the exit code (null when a signal ended it) whenever the process ends. */
  readonly exited: Promise<number | null>;
  stdout = '';
  stderr = '';

  /** `wrapper`: a command that runs the server's command line given after it (`sh -c 'ulimit …; exec "$0" "$@"'`). */
  constructor(args: {
    dataDir: string;
    keyFile: string;
    extra?: string[];
    env?: NodeJS.ProcessEnv;
    wrapper?: string[];
  }) {
    const command = [
      process.execPath,
      pciqBin,
      'serve',
      '--data-dir',
      args.dataDir,
      '--key-file',
      args.keyFile,
      '--port',
      '0',
      ...(args.extra ?? []),
    ];
    const [executable, ...rest] = [...(args.wrapper ?? []), ...command];
    this.process = spawn(executable!, rest, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...args.env },
    });
    this.process.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.process.once('exit', (code) => resolve(code)));
    this.endpoint = new Promise((resolve, reject) => {
      this.process.stdout?.on('data', (chunk: Buffer) => {
        this.stdout += chunk.toString();
        const match = /listening on (https?:\/\/\S+)/.exec(this.stdout);
        if (match) resolve(match[1]!);
      });
      this.process.on('exit', (code) => reject(new Error(`pciq serve exited with ${code}: ${this.stderr}`)));
    });
  }

  /** Sends SIGTERM and resolves with the exit code. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.process.exitCode !== null || this.process.signalCode !== null)
      return Promise.resolve(this.process.exitCode);
    return new Promise((resolve) => {
      this.process.once('exit', (code) => resolve(code));
      this.process.kill(signal);
    });
  }
}
