import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { aeadSeal } from './aead.ts';
import { additionalDataAt } from './envelope.ts';

/** One plaintext to seal, as text (sent to the worker as a string, which crosses threads cheaply), and its place. */
export interface SealItem {
  plaintext: string;
  encoding: 'utf8' | 'latin1';
  place: string;
}

/** Under which data key a job seals: its key, the envelope header, the additional data's fixed prefix. */
export interface SealUnder {
  key: KeyObject;
  header: Buffer;
  aadPrefix: Buffer;
}

export interface SealJobMessage {
  id: number;
  key: KeyObject;
  header: Uint8Array;
  aadPrefix: Uint8Array;
  items: readonly SealItem[];
}

export type SealReplyMessage = { id: number; packed: Uint8Array; lengths: number[] } | { id: number; error: string };

interface Settle {
  resolve(sealed: Buffer[]): void;
  reject(error: Error): void;
}

/** One caller's items, gathered in a turn of the event loop. */
interface Ask {
  items: readonly SealItem[];
  done: Settle;
}

/**
 * Below this many items a job is sealed on the calling thread: handing it to the worker and back costs more
 * than the seals.
 */
export const minItemsForWorker = 32;

/**
 * About how many items one job for the worker holds (about 0.7 ms of seals): small enough that the worker
 * seals the next job while the main thread stores the last one, large enough to pay for the hand-over.
 * Measured with single tokenizations, 256 in flight: 64 and 128 items alike, against one job a turn about
 * 1.4 times as many tokens a second; 32 about 1.2 times.
 */
const itemsPerJob = 64;

/**
 * AES-256-GCM seals of many items on a worker thread, so that bulk sealing (a batch of tokens) runs on another
 * core while the main thread goes on with requests and the store. Each seal costs Node a cipher context of its
 * own (several µs, most of a token's CPU), which no batching on one thread saves. One worker: it is made
 * on first use, keeps the process alive only while a job is out, and is made again if it dies.
 */
class SealingPool {
  private worker: Worker | undefined;
  private nextId = 0;
  /** Items asked for in this turn of the event loop, by data key: sealed together once the turn ends. */
  private gathered = new Map<SealUnder, Ask[]>();
  private readonly pending = new Map<number, Settle>();
  /** Items sealed on the worker since start: what shows that bulk sealing does leave the main thread. */
  sealedOnWorker = 0;

  /**
   * Seals `items` together with what other callers ask for under the same data key in this turn of the event
   * loop: many single-card tokenizations in flight then make one job for the worker, as one batch does.
   */
  sealGathered(under: SealUnder, items: readonly SealItem[]): Promise<Buffer[]> {
    return new Promise<Buffer[]>((resolve, reject) => {
      if (this.gathered.size === 0) setImmediate(() => this.sealTurn());
      let asks = this.gathered.get(under);
      if (!asks) {
        asks = [];
        this.gathered.set(under, asks);
      }
      asks.push({ items, done: { resolve, reject } });
    });
  }

  /**
   * Seals what this turn gathered, in jobs of about `itemsPerJob` items (whole asks each): the worker answers
   * job by job, so the first callers go on to their units of work while it seals for the next. (One job for
   * the whole turn made every caller wait for the last seal, and then the worker wait for all their commits.)
   */
  private sealTurn(): void {
    const turn = this.gathered;
    this.gathered = new Map();
    for (const [under, asks] of turn) for (const job of jobsOf(asks)) this.sealAsks(under, job);
  }

  private sealAsks(under: SealUnder, asks: readonly Ask[]): void {
    this.seal(
      under,
      asks.flatMap((ask) => ask.items),
    ).then(
      (sealed) => {
        let offset = 0;
        for (const ask of asks) {
          ask.done.resolve(sealed.slice(offset, offset + ask.items.length));
          offset += ask.items.length;
        }
      },
      (error: Error) => {
        for (const ask of asks) ask.done.reject(error);
      },
    );
  }

  seal(under: SealUnder, items: readonly SealItem[]): Promise<Buffer[]> {
    try {
      return items.length < minItemsForWorker
        ? Promise.resolve(sealItems(under, items))
        : this.sealOnWorker(under, items);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private sealOnWorker(under: SealUnder, items: readonly SealItem[]): Promise<Buffer[]> {
    const worker = this.started();
    const id = this.nextId++;
    const job: SealJobMessage = {
      id,
      key: under.key,
      // Copies that own their memory: a pooled Buffer's whole 8 KiB slab would be cloned with it.
      header: new Uint8Array(under.header),
      aadPrefix: new Uint8Array(under.aadPrefix),
      items,
    };
    return new Promise<Buffer[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage(job);
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./sealing-worker.ts', import.meta.url));
    worker.unref();
    worker.on('message', (reply: SealReplyMessage) => this.settle(reply));
    const fail = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const job of this.pending.values()) job.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the sealing worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private settle(reply: SealReplyMessage): void {
    const job = this.pending.get(reply.id);
    if (!job) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if ('error' in reply) {
      job.reject(new Error(`sealing failed: ${reply.error}`));
      return;
    }
    const sealed: Buffer[] = [];
    let offset = 0;
    for (const length of reply.lengths) {
      sealed.push(Buffer.from(reply.packed.buffer, reply.packed.byteOffset + offset, length));
      offset += length;
    }
    this.sealedOnWorker += sealed.length;
    job.resolve(sealed);
  }
}

/** Seals each item under one data key on the calling thread (the worker's, or the main one's for a small job). */
export function sealItems(under: SealUnder, items: readonly SealItem[]): Buffer[] {
  return items.map((item) =>
    aeadSeal(
      under.key,
      under.header,
      Buffer.from(item.plaintext, item.encoding),
      additionalDataAt(under.aadPrefix, item.place),
    ),
  );
}

export const sealingPool = new SealingPool();

/** A turn's asks in jobs of at least `itemsPerJob` items, whole asks each (the last job may hold fewer). */
function jobsOf(asks: readonly Ask[]): Ask[][] {
  const jobs: Ask[][] = [];
  let job: Ask[] = [];
  let items = 0;
  for (const ask of asks) {
    job.push(ask);
    items += ask.items.length;
    if (items >= itemsPerJob) {
      jobs.push(job);
      job = [];
      items = 0;
    }
  }
  if (job.length > 0) jobs.push(job);
  return jobs;
}

let hasWarnedOfSealingAhead = false;

/**
 * Said once: what was to be sealed ahead on the worker thread is still sealed, in its unit of work on the main
 * thread (slower, and inside the writer's turn), and an operator should know.
 */
export function warnSealingAheadFailed(error: Error): void {
  if (hasWarnedOfSealingAhead) return;
  hasWarnedOfSealingAhead = true;
  process.emitWarning(
    `pciq: sealing ahead on the worker thread failed (${error.message}); units of work seal instead`,
    {
      code: 'PCIQ_SEAL_AHEAD',
    },
  );
}
