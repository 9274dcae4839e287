import { type ChildProcess, spawn } from 'node:child_process';
import { killChild, trackChild } from '../cleanup.ts';

const startTimeoutMs = 30_000;
const stopTimeoutMs = 10_000;

/** A server child process that announces `listening on <url>` on stdout once it accepts connections. */
export class ServerProcess {
  readonly child: ChildProcess;
  private stderrText = '';

  constructor(args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = trackChild(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env }));
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrText += chunk.toString();
    });
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** Resolves with the announced URL; rejects if the process exits or stays silent too long. */
  listeningUrl(): Promise<string> {
    return new Promise((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => {
        killChild(this.child);
        reject(new Error(`no 'listening on' line within ${startTimeoutMs / 1000} s; stderr: ${this.stderrText}`));
      }, startTimeoutMs);
      this.child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /listening on (https?:\/\/\S+)/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      this.child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`exited (${signal ?? code}) before listening; stderr: ${this.stderrText.trim()}`));
      });
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited in time. Resolves with the exit code (null if killed). */
  stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => {
      const timer = setTimeout(() => killChild(this.child), stopTimeoutMs);
      this.child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
      this.child.kill('SIGTERM');
    });
  }
}
