import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { ReadTx, Store, WriteTx } from '../store.ts';
import { type PostgresTarget, parsePostgresUrl } from './connection.ts';
import { PgLeadership } from './leadership.ts';
import { migratePostgres } from './migrate.ts';
import { connect, Sql } from './sql.ts';
import { PgTransaction } from './transaction.ts';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/db?sslmode=verify-full&sslrootcert=ca.pem&pool_size=4` */
  url: string;
  /** Apply pending migrations on open (default true); `pciq doctor` opens without. */
  migrate?: boolean;
}

interface PendingWrite {
  work: (tx: WriteTx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Writer {
  sql: Sql;
  isBroken: boolean;
}

/**
 * A read connection. One that broke (the database restarted, a failover) is replaced by the next read that
 * picks it, so a node recovers as soon as the database is back; a read meanwhile fails with the reason.
 */
interface Reader {
  sql: Promise<Sql>;
  isBroken: boolean;
}

/**
 * The wake-up channel of the pciq store in `schema`: stores in other schemas of the same database (other
 * deployments, tests) never wake each other. PostgreSQL's channel names are at most 63 bytes.
 */
function channelOf(schema: string): string {
  const named = `pciq_receivable:${schema}`;
  return Buffer.byteLength(named) <= 63
    ? named
    : `pciq_receivable:${createHash('sha256').update(schema).digest('hex').slice(0, 32)}`;
}

/** Units in one physical transaction at most: past 64 savepoints PostgreSQL's snapshots get expensive. */
const maxUnitsPerCommit = 32;
const readConnections = 2;
const reconnectDelayMs = 500;

/**
 * The scale-out store: several stateless `pciq serve` nodes on one PostgreSQL database.
 *
 * Writes: a pool of connections (`pool_size`), each running one transaction at a time. Units of work that
 * queue up while every connection is busy share the next transaction (group commit), each in its own
 * savepoint, so one commit's fsync serves many requests; a commit is durable (synchronous_commit) before
 * `write` resolves. Reads run on pipelined connections in autocommit and see only committed data.
 * Long-poll wake-ups go to this node's listeners straight after commit, and to other nodes by a NOTIFY sent
 * once the commit is done, on this schema's own channel.
 */
export class PostgresStore implements Store {
  readonly target: PostgresTarget;
  private readonly writers: Writer[] = [];
  private readonly idle: Writer[] = [];
  private readonly readers: Reader[] = [];
  private nextReader = 0;
  private listenClient: pg.Client | undefined;
  private readonly ownBackends = new Set<number>();
  /** This schema's channel of receivable-queue wake-ups; the payload lists queue ids. */
  private channel = '';
  private readonly unannounced = new Set<number>();
  private isAnnouncing = false;
  private pending: PendingWrite[] = [];
  private dispatchScheduled = false;
  private inFlight = 0;
  private readonly listeners = new Set<(queueId: number) => void>();
  private readonly leaderships = new Set<PgLeadership>();
  private closed = false;

  private constructor(target: PostgresTarget) {
    this.target = target;
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(parsePostgresUrl(options.url));
    try {
      if (options.migrate !== false) {
        const admin = await connect(store.target.client, { pipeline: false });
        try {
          await migratePostgres(admin);
        } finally {
          await admin.end().catch(() => undefined);
        }
      }
      await store.connectAll();
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  /** Reads meta values without migrating or writing anything; undefined when there is no meta table yet. */
  static async peekMeta(url: string, keys: readonly string[]): Promise<Record<string, string> | undefined> {
    const client = await connect(parsePostgresUrl(url).client, { pipeline: false });
    try {
      const exists = await client.query("SELECT to_regclass('meta') IS NOT NULL AS present");
      if (!exists.rows[0]?.present) return undefined;
      const result = await client.query<{ key: string; value: string }>(
        'SELECT key, value FROM meta WHERE key = ANY ($1::text[])',
        [keys],
      );
      return Object.fromEntries(result.rows.map((row) => [row.key, row.value]));
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async connectAll(): Promise<void> {
    const writers = await Promise.all(Array.from({ length: this.target.poolSize }, () => this.openWriter()));
    this.writers.push(...writers);
    this.idle.push(...writers);
    for (let i = 0; i < readConnections; i++) this.readers.push(this.openReader());
    await Promise.all(this.readers.map((reader) => reader.sql));
    await this.listen();
  }

  private openReader(): Reader {
    const reader: Reader = { sql: connect(this.target.client).then((client) => new Sql(client)), isBroken: false };
    const broken = () => {
      reader.isBroken = true;
    };
    reader.sql.then((sql) => {
      sql.client.on('error', broken);
      sql.client.on('end', broken);
    }, broken);
    return reader;
  }

  private async openWriter(): Promise<Writer> {
    const client = await connect(this.target.client);
    // The contract: a write resolves once its commit is durable. A database whose default turns that off
    // is overridden for pciq's sessions (stronger settings such as remote_apply are kept).
    const setting = await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    if (['off', 'local'].includes(setting.rows[0]?.synchronous_commit ?? '')) {
      await client.query('SET synchronous_commit = on');
    }
    const pid = (client as unknown as { processID?: number }).processID;
    if (pid !== undefined) this.ownBackends.add(pid);
    const writer: Writer = { sql: new Sql(client), isBroken: false };
    const broken = () => {
      writer.isBroken = true;
      this.forgetBackend(pid);
    };
    client.on('error', broken);
    client.on('end', broken);
    return writer;
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = await connect(this.target.client, { pipeline: false });
    if (!this.channel)
      this.channel = channelOf((await client.query('SELECT current_schema() AS schema')).rows[0].schema);
    const pid = (client as unknown as { processID?: number }).processID;
    if (pid !== undefined) this.ownBackends.add(pid);
    client.on('notification', (message) => {
      if (message.channel !== this.channel || this.ownBackends.has(message.processId)) return;
      this.notify((message.payload ?? '').split(',').map(Number).filter(Number.isSafeInteger));
    });
    const reconnect = () => {
      this.forgetBackend(pid);
      if (this.closed || this.listenClient !== client) return;
      this.listenClient = undefined;
      setTimeout(() => void this.listen().catch(reconnect), reconnectDelayMs).unref();
    };
    client.on('error', reconnect);
    client.on('end', reconnect);
    await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
    this.listenClient = client;
  }

  /**
   * After a database restart, PostgreSQL hands out process ids afresh: a stale id of ours could be another
   * node's listener or writer now, whose notifications this node would then ignore.
   */
  private forgetBackend(pid: number | undefined): void {
    if (pid !== undefined) this.ownBackends.delete(pid);
  }

  async read<T>(work: (tx: ReadTx) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('store is closed');
    const index = this.nextReader++ % this.readers.length;
    let reader = this.readers[index]!;
    if (reader.isBroken) {
      void reader.sql.then((sql) => sql.client.end()).catch(() => undefined);
      reader = this.openReader();
      this.readers[index] = reader;
    }
    return work(
      new PgTransaction(await reader.sql, {
        isWrite: false,
        onSignal: () => {
          throw new Error('signalReceivable called in a read transaction');
        },
      }),
    );
  }

  write<T>(work: (tx: WriteTx) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.scheduleDispatch();
    });
  }

  onReceivable(listener: (queueId: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  lead(name: string, handlers: { onLead(): void; onLost(): void }): () => Promise<void> {
    const leadership = new PgLeadership(this.target.client, name, handlers);
    this.leaderships.add(leadership);
    leadership.start();
    return async () => {
      this.leaderships.delete(leadership);
      await leadership.stop();
    };
  }

  /**
   * Nothing PostgreSQL offers does it: dead row versions stay in table files until their space is reused,
   * and in WAL archives (docs/postgres.md, "Backup and restore").
   */
  async scrubDeleted(): Promise<void> {}

  async close(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 2));
    if (this.closed) return;
    this.closed = true;
    for (const leadership of this.leaderships) await leadership.stop();
    const readers = await Promise.all(this.readers.map((reader) => reader.sql.catch(() => undefined)));
    const clients = [
      ...this.writers.map((writer) => writer.sql.client),
      ...readers.flatMap((reader) => (reader ? [reader.client] : [])),
    ];
    if (this.listenClient) clients.push(this.listenClient);
    this.listenClient = undefined;
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }

  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    // Units that arrive in the same turn of the event loop go out together.
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.pending.length > 0 && this.idle.length > 0) {
      const writer = this.idle.pop()!;
      const batch = this.pending.splice(0, maxUnitsPerCommit);
      this.inFlight++;
      void this.runBatch(writer, batch).finally(() => {
        this.inFlight--;
        this.release(writer);
      });
    }
  }

  private release(writer: Writer): void {
    if (!writer.isBroken) {
      this.idle.push(writer);
      if (this.pending.length > 0) this.scheduleDispatch();
      return;
    }
    // A lost connection is replaced; until then the pool is one smaller.
    const replace = () => {
      if (this.closed) return;
      this.openWriter().then(
        (fresh) => {
          this.writers[this.writers.indexOf(writer)] = fresh;
          this.release(fresh);
        },
        (error: unknown) => {
          // With no connection left to write on, waiting writes would hang until the database is back (and a
          // draining node with them): they fail now with the reason, an error SQS clients retry.
          if (this.writers.every((each) => each.isBroken)) this.failPending(error);
          setTimeout(replace, reconnectDelayMs).unref();
        },
      );
    };
    replace();
  }

  private failPending(error: unknown): void {
    const waiting = this.pending;
    this.pending = [];
    for (const unit of waiting) unit.reject(error);
  }

  private async runBatch(writer: Writer, batch: PendingWrite[]): Promise<void> {
    const { sql } = writer;
    const isShared = batch.length > 1;
    const signalled = new Set<number>();
    let unitSignals: number[] = [];
    const tx = new PgTransaction(sql, { isWrite: true, onSignal: (queueId) => unitSignals.push(queueId) });
    const outcomes: Array<{ ok: boolean; value: unknown }> = [];
    try {
      sql.send('BEGIN');
      for (const unit of batch) {
        unitSignals = [];
        const mark = tx.unitMark();
        // Savepoints of one name nest, and ROLLBACK TO names the newest: no RELEASE is needed between units.
        if (isShared) sql.send('SAVEPOINT unit');
        try {
          const value = await unit.work(tx);
          for (const queueId of unitSignals) signalled.add(queueId);
          outcomes.push({ ok: true, value });
        } catch (error) {
          if (!isShared) throw error;
          tx.rollBackUnit(mark);
          await sql.query('ROLLBACK TO unit');
          outcomes.push({ ok: false, value: error });
        }
      }
      // The units' audit records and COMMIT go out together: one round trip for both.
      const [, commit] = await Promise.all([tx.audit.flushStaged(), sql.query('COMMIT')]);
      // COMMIT of a transaction that an earlier statement aborted answers ROLLBACK, not an error.
      if (commit.command !== 'COMMIT') throw new Error(`the transaction did not commit (${commit.command})`);
    } catch (error) {
      await sql.query('ROLLBACK').catch(() => undefined);
      for (const unit of batch) unit.reject(error);
      return;
    }
    batch.forEach((unit, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) unit.resolve(outcome.value);
      else unit.reject(outcome.value);
    });
    if (signalled.size > 0) {
      this.notify([...signalled]);
      this.announce(signalled);
    }
  }

  /**
   * Tells the other nodes, after the commit and outside the write transaction: a transaction that notifies
   * holds PostgreSQL's notification lock through its commit, which would serialize every write commit of
   * every node on it. Queues signalled while an announcement is on its way go out together in the next.
   */
  private announce(queueIds: Iterable<number>): void {
    for (const queueId of queueIds) this.unannounced.add(queueId);
    if (this.isAnnouncing) return;
    this.isAnnouncing = true;
    void (async () => {
      while (this.unannounced.size > 0 && this.listenClient) {
        const payload = [...this.unannounced].join(',');
        this.unannounced.clear();
        await this.listenClient.query('SELECT pg_notify($1, $2)', [this.channel, payload]).catch(() => undefined);
      }
      // Without a listening connection (reconnecting), other nodes' long polls wake at their next deadline.
      this.unannounced.clear();
      this.isAnnouncing = false;
    })();
  }

  private notify(queueIds: readonly number[]): void {
    for (const queueId of queueIds) for (const listener of this.listeners) listener(queueId);
  }
}
