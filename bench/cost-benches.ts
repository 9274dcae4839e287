import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { trackChild } from './cleanup.ts';

/**
 * Benchmarks of what one protection costs, each a program of its own that measures pciq with the
 * protection on and off in the same run and prints both and their ratio. `npm run bench` runs them after
 * the round trips; each can also be run alone (`node bench/<script>`), with more rounds for a closer figure.
 */
export interface CostBench {
  name: string;
  script: string;
  /** Shorter than the script's own defaults, so that the whole `npm run bench` stays within minutes. */
  args: readonly string[];
}

export const costBenches: readonly CostBench[] = [
  { name: 'encryption', script: 'encryption.ts', args: ['--round-trips', '1500'] },
  { name: 'audit', script: 'audit.ts', args: ['--pairs', '8', '--window', '1.5'] },
  { name: 'functions', script: 'functions.ts', args: ['--messages', '3000', '--single', '300'] },
  {
    name: 'vault',
    script: 'vault.ts',
    args: ['--rounds', '2', '--pairs', '8', '--window', '1.5', '--ops', '30000', '--round-trips', '500'],
  },
];

/** Runs one cost bench, passing its output through; rejects with its stderr if it fails. */
export function runCostBench(bench: CostBench): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = trackChild(
      spawn(process.execPath, [join(import.meta.dirname, bench.script), ...bench.args], {
        stdio: ['ignore', 'inherit', 'pipe'],
      }),
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`bench/${bench.script} exited with ${signal ?? code}: ${stderr.trim()}`));
    });
  });
}
