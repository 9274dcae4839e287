import { spawn, spawnSync } from 'node:child_process';
import { pciqBin } from './pciq-process.ts';

/** Runs the `pciq` command in a child process and returns its status and output. */
export function pciq(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}) {
  return spawnSync(process.execPath, [pciqBin, ...args], {
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 30_000,
    env: options.env ?? process.env,
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

/** Runs a `pciq` command that prints JSON, failing with its stderr when it does not exit 0. */
export function pciqJson<T = Record<string, unknown>>(args: string[]): T {
  const result = pciq(args);
  if (result.status !== 0) throw new Error(`pciq ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Runs `pciq` without blocking this process (for tests that serve something the command talks to). */
export function pciqAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return runAsync(process.execPath, [pciqBin, ...args]);
}

/** Runs a command without blocking this process and collects its status and output. */
export function runAsync(
  command: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

export async function pciqJsonAsync<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const result = await pciqAsync(args);
  if (result.status !== 0) throw new Error(`pciq ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** The audit records of one event type, as `pciq audit search --json` prints them (`args`: the data directory's). */
export function auditSearchAsync<T = Record<string, unknown>>(eventType: string, args: string[]): Promise<T> {
  return pciqJsonAsync<T>(['audit', 'search', '--event-type', eventType, '--json', ...args]);
}
