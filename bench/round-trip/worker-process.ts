import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { killChild, trackChild } from '../cleanup.ts';
import type { RoundTripTally } from './tally.ts';
import type { CoordinatorMessage, WorkerAssignment, WorkerMessage } from './worker-messages.ts';

const workerMain = join(import.meta.dirname, 'worker-main.ts');

export interface WorkerReport {
  tally: RoundTripTally;
  cpuMicros: number;
}

/** The coordinator's handle on one forked client process. */
export class WorkerProcess {
  private readonly child: ChildProcess;
  private readonly readiness = Promise.withResolvers<void>();
  private readonly report = Promise.withResolvers<WorkerReport>();

  constructor(assignment: WorkerAssignment) {
    // 'advanced' serialization moves the tallies' arrays as structured clones instead of JSON.
    this.child = trackChild(fork(workerMain, [], { serialization: 'advanced', stdio: 'inherit' }));
    const name = `client process ${assignment.workerIndex}`;
    // Both are awaited later, possibly after they fail: mark them handled now.
    this.readiness.promise.catch(() => {});
    this.report.promise.catch(() => {});
    this.child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') this.readiness.resolve();
      else if (message.type === 'done') this.report.resolve({ tally: message.tally, cpuMicros: message.cpuMicros });
      else this.fail(new Error(`${name} failed: ${message.error}`));
    });
    // Messages still in the pipe may arrive after 'exit': give a failure report the chance to be read first.
    this.child.once('exit', (code, signal) => {
      setTimeout(() => this.fail(new Error(`${name} exited (${signal ?? code}) before reporting`)), 200);
    });
    this.send({ type: 'assign', assignment });
  }

  /** Resolves once the process has warmed up and waits for 'go'. */
  get ready(): Promise<void> {
    return this.readiness.promise;
  }

  get done(): Promise<WorkerReport> {
    return this.report.promise;
  }

  go(): void {
    this.send({ type: 'go' });
  }

  /** Disconnecting lets the process exit on its own (and flush a --cpu-prof); a stuck one is killed. */
  stop(): void {
    if (this.child.connected) this.child.disconnect();
    setTimeout(() => killChild(this.child), 2_000).unref();
  }

  private send(message: CoordinatorMessage): void {
    this.child.send(message);
  }

  private fail(error: Error): void {
    this.readiness.reject(error);
    this.report.reject(error);
  }
}
