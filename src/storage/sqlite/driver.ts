import { chmodSync, closeSync, existsSync, fdatasync, openSync, statSync } from 'node:fs';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { ReadTx, Store, WriteTx } from '../store.ts';
import { sqliteMigrations } from './schema/index.ts';
import { SqliteTransaction } from './transaction.ts';

export interface SqliteStoreOptions {
  /** File path of the database; ':memory:' is refused because the read connection must see the writer's commits. */
  path: string;
  /** When several processes write the same database file (`pciq serve --workers`). */
  sharing?: WriterSharing;
}

/**
 * How processes sharing one database file take turns writing and tell each other about new messages.
 * SQLite allows one writer at a time; left to itself a second writer sleeps and retries (busy timeout),
 * which wrecks latency. Handing the turn around explicitly keeps writers waiting only as long as needed.
 */
export interface WriterSharing {
  /** Resolves when this process may write; until `release`, no other sharing process does. */
  acquire(): Promise<void>;
  release(): void;
  /** Tells the other processes that these queues have receivable messages (after they are durable). */
  publish(queueIds: readonly number[]): void;
  /** Receives what the other processes publish. */
  subscribe(listener: (queueId: number) => void): void;
}

interface PendingWrite {
  work: (tx: WriteTx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The embedded store on `node:sqlite`, WAL mode: a commit is on disk before `write` resolves, so an
 * acknowledged message survives `kill -9` and power loss.
 *
 * Durability is synchronous=FULL's, with the fsync off the event loop: SQLite runs with synchronous=NORMAL
 * (it fsyncs the WAL only at checkpoints) and the driver itself `fdatasync`s the WAL on the thread pool after
 * every commit, resolving the commit's units only when that returns. The event loop keeps parsing, sealing
 * and committing the next batch while the disk works.
 *
 * Group commit: units of work that arrive in the same turn of the event loop share one physical
 * transaction (and one fsync), each inside its own savepoint so one failing unit rolls back alone. This is
 * what lets a single writer keep up with many concurrent clients without weakening durability.
 * Reads use a second, read-only connection and see only committed data.
 */
/** How long a scrub of deleted content waits for the writer to be idle. */
const scrubIdleWaitMs = 2_000;

export class SqliteStore implements Store {
  private readonly writer: DatabaseSync;
  private readonly reader: DatabaseSync;
  private readonly writeTx: SqliteTransaction;
  private readonly statements: Record<'begin' | 'commit' | 'savepoint' | 'release' | 'rollbackTo', StatementSync>;
  private readonly readTx: SqliteTransaction;
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private flushing = false;
  private signalled = new Set<number>();
  private unitSignals: number[] = [];
  private readonly listeners = new Set<(queueId: number) => void>();
  private closed = false;
  private readonly walPath: string;
  private walFd: number | undefined;
  private syncsInFlight = 0;
  /** Set when an fsync failed: durability can no longer be promised, so every later write is refused. */
  private failure: unknown;
  private readonly sharing: WriterSharing | undefined;

  constructor(options: SqliteStoreOptions) {
    if (options.path === ':memory:') throw new Error('SqliteStore needs a file path');
    const isNew = !existsSync(options.path);
    this.walPath = `${options.path}-wal`;
    this.sharing = options.sharing;
    this.sharing?.subscribe((queueId) => this.notify([queueId]));
    this.writer = new DatabaseSync(options.path);
    if (isNew) chmodSync(options.path, 0o600);
    this.writer.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      PRAGMA busy_timeout = 5000;
      PRAGMA foreign_keys = OFF;
      PRAGMA temp_store = MEMORY;
      PRAGMA secure_delete = FAST;
    `);
    migrate(this.writer);
    this.reader = new DatabaseSync(options.path, { readOnly: true });
    this.reader.exec('PRAGMA busy_timeout = 5000;');
    this.writeTx = new SqliteTransaction(this.writer, (queueId) => this.unitSignals.push(queueId));
    // Prepared once: a group commit runs these for every batch and every unit.
    this.statements = {
      begin: this.writer.prepare('BEGIN IMMEDIATE'),
      commit: this.writer.prepare('COMMIT'),
      savepoint: this.writer.prepare('SAVEPOINT unit'),
      release: this.writer.prepare('RELEASE unit'),
      rollbackTo: this.writer.prepare('ROLLBACK TO unit'),
    };
    this.readTx = new SqliteTransaction(this.reader, () => {
      throw new Error('signalReceivable called in a read transaction');
    });
  }

  /**
   * Reads meta values without changing anything on disk: no migration, no WAL or shared-memory file created
   * (start-up checks the root key before it opens the database for writing). Undefined when there is no
   * database or no meta table yet.
   */
  static peekMeta(path: string, keys: readonly string[]): Record<string, string> | undefined {
    if (!existsSync(path)) return undefined;
    const wal = `${path}-wal`;
    // Without a WAL file the database file is complete and opened immutable (no locks, no files created);
    // after a crash its WAL may hold recent commits, read through the normal read-only path.
    const hasWal = existsSync(wal) && statSync(wal).size > 0;
    const db = hasWal
      ? new DatabaseSync(path, { readOnly: true })
      : new DatabaseSync(`file:${path.replace(/[%?#]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)}?immutable=1`, {
          readOnly: true,
        });
    try {
      const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
      if (!table) return undefined;
      const out: Record<string, string> = {};
      const statement = db.prepare('SELECT value FROM meta WHERE key = ?');
      for (const key of keys) {
        const row = statement.get(key) as { value: string } | undefined;
        if (row) out[key] = String(row.value);
      }
      return out;
    } finally {
      db.close();
    }
  }

  read<T>(work: (tx: ReadTx) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return work(this.readTx);
  }

  write<T>(work: (tx: WriteTx) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    if (this.failure) return Promise.reject(new Error('the store failed to sync to disk; restart pciq'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.scheduleFlush();
    });
  }

  onReceivable(listener: (queueId: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  lead(_name: string, handlers: { onLead(): void; onLost(): void }): () => Promise<void> {
    // The process that opens the file for background work is the only one doing it (`pciq serve`'s primary).
    handlers.onLead();
    return async () => undefined;
  }

  /**
   * Deleted content is zeroed within its page as it is deleted (secure_delete=FAST, at no extra I/O); what
   * remains is the write-ahead log, which still holds every page image written before. A TRUNCATE checkpoint
   * copies the current pages into the database and empties the log. It needs this process's writer idle and
   * every reader (of any process) on the newest snapshot; it waits for them at most a moment, and the
   * automatic checkpoints overwrite the log later anyway.
   */
  async scrubDeleted(): Promise<void> {
    // A writer that never idles (steady load) must not hold up the deletion that asked: past a moment, the
    // automatic checkpoints are left to it.
    const giveUpAtMs = Date.now() + scrubIdleWaitMs;
    while (this.pending.length > 0 || this.flushing || this.syncsInFlight > 0) {
      if (Date.now() > giveUpAtMs) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.closed) return;
    this.writer.exec('PRAGMA busy_timeout = 250;');
    try {
      this.writer.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get();
    } finally {
      this.writer.exec('PRAGMA busy_timeout = 5000;');
    }
  }

  async close(): Promise<void> {
    while (this.pending.length > 0 || this.flushing || this.syncsInFlight > 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.closed) return;
    this.closed = true;
    if (this.walFd !== undefined) closeSync(this.walFd);
    this.reader.close();
    this.writer.close();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushing) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.flushing = true;
    const outcomes: Array<{ ok: boolean; value: unknown }> = [];
    // Units that arrive while this process waits for its turn join the batch: more work per commit.
    if (this.sharing) {
      await this.sharing.acquire();
      batch.push(...this.pending);
      this.pending = [];
    }
    try {
      this.statements.begin.run();
      this.writeTx.keys.shareRevision();
      for (const unit of batch) outcomes.push(await this.runUnit(unit));
      this.statements.commit.run();
    } catch (error) {
      if (this.writer.isTransaction) this.writer.exec('ROLLBACK');
      this.sharing?.release();
      this.signalled.clear();
      for (const unit of batch) unit.reject(error);
      this.finishFlush();
      return;
    }
    this.sharing?.release();
    const signalled = [...this.signalled];
    this.signalled.clear();
    // The next batch may commit while this one's WAL frames reach the disk.
    this.finishFlush();
    try {
      await this.syncWal();
    } catch (error) {
      this.failure = error;
      process.emitWarning(`pciq store: fsync of the write-ahead log failed: ${(error as Error).message}`, {
        code: 'PCIQ_FSYNC',
      });
      for (const unit of batch) unit.reject(error);
      return;
    }
    batch.forEach((unit, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) unit.resolve(outcome.value);
      else unit.reject(outcome.value);
    });
    // Wake-ups only once the messages are durable: nobody receives what a crash could still take back.
    this.notify(signalled);
    if (signalled.length > 0) this.sharing?.publish(signalled);
  }

  private notify(queueIds: readonly number[]): void {
    for (const queueId of queueIds) for (const listener of this.listeners) listener(queueId);
  }

  private syncWal(): Promise<void> {
    if (this.walFd === undefined) {
      if (!existsSync(this.walPath)) return Promise.resolve();
      this.walFd = openSync(this.walPath, 'r+');
    }
    const fd = this.walFd;
    this.syncsInFlight++;
    return new Promise((resolve, reject) =>
      fdatasync(fd, (error) => {
        this.syncsInFlight--;
        if (error) reject(error);
        else resolve();
      }),
    );
  }

  private async runUnit(unit: PendingWrite): Promise<{ ok: boolean; value: unknown }> {
    this.unitSignals = [];
    this.statements.savepoint.run();
    try {
      const value = await unit.work(this.writeTx);
      this.statements.release.run();
      for (const queueId of this.unitSignals) this.signalled.add(queueId);
      return { ok: true, value };
    } catch (error) {
      this.statements.rollbackTo.run();
      this.statements.release.run();
      this.writeTx.keys.forgetRevision();
      return { ok: false, value: error };
    }
  }

  private finishFlush(): void {
    this.flushing = false;
    if (this.pending.length > 0) this.scheduleFlush();
  }
}

function migrate(db: DatabaseSync): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_versions (module TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID',
  );
  const current = db.prepare('SELECT version FROM schema_versions WHERE module = ?');
  const record = db.prepare(
    'INSERT INTO schema_versions (module, version) VALUES (?, ?) ON CONFLICT (module) DO UPDATE SET version = excluded.version',
  );
  for (const [module, migrations] of sqliteMigrations) {
    const row = current.get(module) as { version: number } | undefined;
    const applied = row ? Number(row.version) : 0;
    if (applied > migrations.length) {
      throw new Error(
        `the data directory was written by a newer pciq (${module} schema ${applied}, this one knows ${migrations.length}); upgrade pciq`,
      );
    }
    for (let version = applied; version < migrations.length; version++) {
      db.exec('BEGIN IMMEDIATE');
      try {
        db.exec(migrations[version]!);
        record.run(module, version + 1);
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    }
  }
}
