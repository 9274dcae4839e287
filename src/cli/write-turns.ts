import type { ChildProcess } from 'node:child_process';
import type { WriterSharing } from '../storage/index.ts';

/** Messages between `pciq serve` processes about the shared database. */
export type TurnMessage =
  | { pciq: 'acquire' }
  | { pciq: 'granted' }
  | { pciq: 'release' }
  | { pciq: 'publish'; queues: number[] }
  | { pciq: 'signal'; queues: number[] };

export function isTurnMessage(message: unknown): message is TurnMessage {
  return typeof message === 'object' && message !== null && 'pciq' in message;
}

interface Participant {
  grant(): void;
  signal(queues: number[]): void;
}

/**
 * The primary's arbiter of write turns on the shared SQLite file: one writer at a time, first come first
 * served, and new-message signals relayed to every other process (the embedded counterpart of PostgreSQL's
 * LISTEN/NOTIFY). A worker that dies holding the turn gives it back: SQLite has already released its locks.
 */
export class WriteTurns {
  private holder: Participant | undefined;
  private readonly waiting: Participant[] = [];
  private readonly participants = new Set<Participant>();

  private request(participant: Participant): void {
    if (this.holder === undefined) {
      this.holder = participant;
      participant.grant();
    } else this.waiting.push(participant);
  }

  private release(participant: Participant): void {
    if (this.holder !== participant) return;
    this.holder = this.waiting.shift();
    this.holder?.grant();
  }

  private publish(from: Participant, queues: number[]): void {
    for (const participant of this.participants) if (participant !== from) participant.signal(queues);
  }

  private leave(participant: Participant): void {
    this.participants.delete(participant);
    const index = this.waiting.indexOf(participant);
    if (index !== -1) this.waiting.splice(index, 1);
    this.release(participant);
  }

  /** Serves a worker process over its IPC channel until it exits. */
  attachWorker(child: ChildProcess): void {
    const participant: Participant = {
      grant: () => child.connected && child.send({ pciq: 'granted' } satisfies TurnMessage),
      signal: (queues) => child.connected && child.send({ pciq: 'signal', queues } satisfies TurnMessage),
    };
    this.participants.add(participant);
    child.on('message', (message: unknown) => {
      if (!isTurnMessage(message)) return;
      if (message.pciq === 'acquire') this.request(participant);
      else if (message.pciq === 'release') this.release(participant);
      else if (message.pciq === 'publish') this.publish(participant, message.queues);
    });
    child.once('exit', () => this.leave(participant));
  }

  /** The primary's own store takes part in the same turns. */
  localSharing(): WriterSharing {
    const listeners: Array<(queueId: number) => void> = [];
    let granted: (() => void) | undefined;
    const participant: Participant = {
      grant: () => granted?.(),
      signal: (queues) => {
        for (const queueId of queues) for (const listener of listeners) listener(queueId);
      },
    };
    this.participants.add(participant);
    return {
      acquire: () =>
        new Promise<void>((resolve) => {
          granted = resolve;
          this.request(participant);
        }),
      release: () => this.release(participant),
      publish: (queues) => this.publish(participant, [...queues]),
      subscribe: (listener) => listeners.push(listener),
    };
  }
}

/** A worker's side of the write turns, over its IPC channel to the primary. */
export function workerSharing(): WriterSharing {
  const listeners: Array<(queueId: number) => void> = [];
  const grants: Array<() => void> = [];
  process.on('message', (message: unknown) => {
    if (!isTurnMessage(message)) return;
    if (message.pciq === 'granted') grants.shift()?.();
    else if (message.pciq === 'signal') {
      for (const queueId of message.queues) for (const listener of listeners) listener(queueId);
    }
  });
  const send = (message: TurnMessage) => process.send?.(message);
  return {
    acquire: () =>
      new Promise<void>((resolve) => {
        grants.push(resolve);
        send({ pciq: 'acquire' });
      }),
    release: () => send({ pciq: 'release' }),
    publish: (queues) => send({ pciq: 'publish', queues: [...queues] }),
    subscribe: (listener) => listeners.push(listener),
  };
}
