import { fork } from 'node:child_process';
import { join } from 'node:path';
import { killChild, trackChild } from '../cleanup.ts';
import { type BullmqResult, peerResultOf } from './bullmq.ts';
import type { PgbossAssignment, PgbossOutcome } from './pgboss-messages.ts';

/** pg-boss on the same PostgreSQL database as pciq's nodes, measured like the BullMQ peer. */
export async function runPgbossPeer(assignment: PgbossAssignment, timeoutMs: number): Promise<BullmqResult> {
  const child = trackChild(fork(join(import.meta.dirname, 'pgboss-main.ts'), [], { stdio: 'inherit' }));
  try {
    const outcome = await new Promise<PgbossOutcome>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`took longer than ${timeoutMs / 1000} s`)), timeoutMs);
      child.once('message', (message: PgbossOutcome) => {
        clearTimeout(timer);
        resolve(message);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        setTimeout(() => reject(new Error(`exited (${signal ?? code}) before reporting`)), 200);
      });
      child.send(assignment);
    });
    if (outcome.type === 'failed') throw new Error(outcome.error);
    return peerResultOf(outcome.figures, assignment.messages);
  } finally {
    killChild(child);
  }
}
