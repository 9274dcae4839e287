import type { Writable } from 'node:stream';
import pg from 'pg';

export type Row = Record<string, unknown>;

const int8Oid = 20;
/** bigint columns hold milliseconds, seqs and counts, all within Number's safe range: read them as numbers. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === int8Oid && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/** Statement names by text, shared by every connection: each connection prepares a statement on first use. */
const statementNames = new Map<string, string>();

function nameOf(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `pciq_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Opens one connection, pipelined unless asked otherwise: statements that need no answer before the next go
 * out without a wait. Multi-statement text (migrations) and LISTEN need a plain connection.
 */
export async function connect(config: pg.ClientConfig, options: { pipeline?: boolean } = {}): Promise<pg.Client> {
  const client = new pg.Client({ ...config, types, pipeline: options.pipeline ?? true } as pg.ClientConfig);
  // An error event without a listener would crash the process; the owner learns of it from its next query.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/**
 * Hand-written statements on one connection, prepared once per connection. Counts the rows that inserts,
 * updates and deletes touched (the audit trail asks whether a unit of work changed anything).
 */
export class Sql {
  readonly client: pg.Client;
  changes = 0;
  private isCorked = false;

  constructor(client: pg.Client) {
    this.client = client;
  }

  async rows<T = Row>(text: string, values: unknown[] = []): Promise<T[]> {
    this.coalesce();
    const result = await this.client.query({ name: nameOf(text), text, values });
    if (result.command !== 'SELECT') this.changes += result.rowCount ?? 0;
    return result.rows as T[];
  }

  async one<T = Row>(text: string, values: unknown[] = []): Promise<T | undefined> {
    return (await this.rows<T>(text, values))[0];
  }

  /** Runs a write and returns how many rows it touched. */
  async run(text: string, values: unknown[] = []): Promise<number> {
    this.coalesce();
    const result = await this.client.query({ name: nameOf(text), text, values });
    this.changes += result.rowCount ?? 0;
    return result.rowCount ?? 0;
  }

  /** A statement without parameters (transaction control), answered. */
  query(text: string): Promise<pg.QueryResult> {
    this.coalesce();
    return this.client.query(text);
  }

  /**
   * Sends a statement without waiting for its answer (BEGIN, SAVEPOINT): the connection is pipelined, so
   * the next statement follows at once, and a failure shows in the statements after it.
   */
  send(text: string): void {
    this.query(text).catch(() => undefined);
  }

  /**
   * Statements issued in the same turn of the event loop leave in one write: the client writes each one
   * as it is issued, and on a busy host a system call per statement costs more than the statement itself.
   */
  private coalesce(): void {
    if (this.isCorked) return;
    // The client's socket (replaced by a TLS socket during connect, so looked up now).
    const socket = (this.client as unknown as { connection?: { stream?: Writable } }).connection?.stream;
    if (!socket) return;
    socket.cork();
    this.isCorked = true;
    process.nextTick(() => {
      this.isCorked = false;
      socket.uncork();
    });
  }
}

/** An advisory lock key of this schema: locks of pciq stores in different schemas of one database never meet. */
export const advisoryKey = `1885563249, hashtext(current_schema() || ':' || $1::text)`;
