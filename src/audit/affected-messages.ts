import type { DeleteOutcome, MessageRow, WriteTx } from '../storage/index.ts';
import type { AffectedData } from './record.ts';

/**
 * Which messages a unit of work changed, learnt from the storage calls it makes: ids of messages inserted,
 * and of rows read and then marked received, made visible or deleted (those calls name only the row's
 * position, so the rows read earlier in the unit give their ids). Only ids pciq generated are kept.
 */
export class AffectedMessages {
  private readonly rowsBySeq = new Map<number, MessageRow>();
  private readonly ids = new Set<string>();
  private removedCount = 0;

  remember(rows: readonly MessageRow[] | MessageRow | undefined): void {
    if (!rows) return;
    if (!Array.isArray(rows)) this.rowsBySeq.set((rows as MessageRow).seq, rows as MessageRow);
    else for (const row of rows) this.rowsBySeq.set(row.seq, row);
  }

  touched(queueId: number, seq: number): void {
    const row = this.rowsBySeq.get(seq);
    if (row?.queueId === queueId) this.ids.add(row.messageId);
  }

  /** A message the unit inserted, claimed or deleted, named by the storage call itself. */
  named(messageId: string): void {
    this.ids.add(messageId);
  }

  purged(count: number): void {
    this.removedCount += count;
  }

  toData(): AffectedData | null {
    if (this.ids.size === 0 && this.removedCount === 0) return null;
    const data: AffectedData = {};
    if (this.ids.size > 0) data.messageIds = [...this.ids];
    if (this.removedCount > 0 || this.ids.size > 20) data.count = this.ids.size + this.removedCount;
    return data;
  }
}

type Watcher = (affected: AffectedMessages, args: unknown[], result: unknown) => unknown;

const watchers: Record<string, Watcher> = {
  insertMessage: (affected, [message], result) => {
    affected.named((message as MessageRow).messageId);
    return result;
  },
  insertMessages: (affected, [messages], result) => {
    for (const message of messages as MessageRow[]) affected.named(message.messageId);
    return result;
  },
  getMessage: (affected, _args, result) =>
    (result as Promise<MessageRow | undefined>).then((row) => {
      affected.remember(row);
      return row;
    }),
  claimReceivable: (affected, _args, result) =>
    (result as Promise<MessageRow[]>).then((rows) => {
      for (const row of rows) affected.named(row.messageId);
      return rows;
    }),
  claimMessages: (affected, _args, result) =>
    (result as Promise<MessageRow[]>).then((rows) => {
      for (const row of rows) affected.named(row.messageId);
      return rows;
    }),
  deleteReceived: (affected, _args, result) =>
    (result as Promise<DeleteOutcome>).then((deleted) => {
      if (deleted.outcome === 'deleted') affected.named(deleted.messageId);
      return deleted;
    }),
  deleteReceivedBatch: (affected, _args, result) =>
    (result as Promise<DeleteOutcome[]>).then((outcomes) => {
      for (const deleted of outcomes) if (deleted.outcome === 'deleted') affected.named(deleted.messageId);
      return outcomes;
    }),
  selectMovable: (affected, _args, result) =>
    (result as Promise<MessageRow[]>).then((rows) => {
      affected.remember(rows);
      return rows;
    }),
  setVisibleAt: (affected, [queueId, seq], result) => {
    affected.touched(queueId as number, seq as number);
    return result;
  },
  deleteMessage: (affected, [queueId, seq], result) => {
    affected.touched(queueId as number, seq as number);
    return result;
  },
  purgeMessages: (affected, _args, result) =>
    (result as Promise<number>).then((count) => {
      affected.purged(count);
      return count;
    }),
};

/** Methods of the shared transaction object, bound once rather than on every access. */
const boundMethods = new WeakMap<object, Map<PropertyKey, unknown>>();

function boundMethodOf(target: object, property: PropertyKey, method: (...args: unknown[]) => unknown): unknown {
  let methods = boundMethods.get(target);
  if (!methods) {
    methods = new Map();
    boundMethods.set(target, methods);
  }
  let bound = methods.get(property);
  if (!bound) {
    bound = method.bind(target);
    methods.set(property, bound);
  }
  return bound;
}

/** Where a unit's view of the transaction keeps what it belongs to (see `unitTagOf`). */
const unitTag = Symbol('audit unit');

/**
 * `tx` as seen by a unit of work: reports the messages it changes to `affected`, and carries `tag` (the
 * request the unit runs for, and what it recorded), so code handed the view can tell whose unit it is.
 */
export function watchMessageWrites<T>(tx: WriteTx, affected: AffectedMessages, tag: T): WriteTx {
  return new Proxy(tx, {
    get(target, property) {
      if (property === unitTag) return tag;
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      const watcher = typeof property === 'string' ? watchers[property] : undefined;
      if (!watcher) return boundMethodOf(target, property, method);
      return (...args: unknown[]) => watcher(affected, args, method.apply(target, args));
    },
  });
}

export function unitTagOf<T>(tx: WriteTx): T | undefined {
  return (tx as unknown as Record<symbol, T | undefined>)[unitTag];
}
