import { fork } from 'node:child_process';
import { join } from 'node:path';
import { killChild, trackChild } from '../cleanup.ts';
import type { BullmqAssignment, BullmqFigures, BullmqOutcome } from './bullmq-messages.ts';

export interface BullmqResult {
  produceRate: number;
  consumeRate: number;
  /** N / (produce time + consume time): the figure a full send→receive→delete round trip compares with. */
  combinedRate: number;
  /** The whole machine's busy cores over both phases: what the peer, its server and all else used. */
  machineCores: number | undefined;
}

/** Rates of `messages` produced and consumed in the phases `figures` timed. */
export function peerResultOf(figures: BullmqFigures, messages: number): BullmqResult {
  const { produceSeconds, consumeSeconds, machineBusySeconds } = figures;
  const seconds = produceSeconds + consumeSeconds;
  return {
    produceRate: messages / produceSeconds,
    consumeRate: messages / consumeSeconds,
    combinedRate: messages / seconds,
    machineCores: machineBusySeconds === undefined ? undefined : machineBusySeconds / seconds,
  };
}

export type BullmqPeerOutcome = { type: 'measured'; result: BullmqResult } | { type: 'skipped'; reason: string };

export async function runBullmqPeer(assignment: BullmqAssignment, timeoutMs: number): Promise<BullmqPeerOutcome> {
  const child = trackChild(fork(join(import.meta.dirname, 'bullmq-main.ts'), [], { stdio: 'inherit' }));
  try {
    const outcome = await new Promise<BullmqOutcome>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`took longer than ${timeoutMs / 1000} s`)), timeoutMs);
      child.once('message', (message: BullmqOutcome) => {
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
    if (outcome.type === 'skipped') return outcome;
    return { type: 'measured', result: peerResultOf(outcome.figures, assignment.messages) };
  } finally {
    killChild(child);
  }
}
