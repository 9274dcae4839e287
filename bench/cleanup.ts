import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

/** Kills `child` if the bench exits, fails or is interrupted before the child has ended. */
export function trackChild<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Removes `path` (recursively) when the bench exits, however it exits. */
export function trackTempDir(path: string): string {
  tempDirs.add(path);
  return path;
}

export function removeTempDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
  tempDirs.delete(path);
}

export function killChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}

/**
 * The last line of defence: whatever happened, no server or client process outlives the bench and no temp
 * directory (which holds a root key and a database) is left behind. 'exit' handlers must be synchronous.
 */
export function installCleanup(): void {
  process.on('exit', () => {
    for (const child of children) killChild(child);
    for (const path of tempDirs) rmSync(path, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping\n`);
      process.exit(130);
    });
  }
}
