import type pg from 'pg';
import { advisoryKey, connect } from './sql.ts';

const pollIntervalMs = 1_000;

/**
 * Leads one kind of background work among the nodes sharing a database: a session advisory lock held on a
 * connection of its own. A node that dies (even by kill -9) ends its session, PostgreSQL releases the lock,
 * and another node's next try takes over.
 */
export class PgLeadership {
  private readonly config: pg.ClientConfig;
  private readonly name: string;
  private readonly handlers: { onLead(): void; onLost(): void };
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private isLeading = false;
  private isStopped = false;

  constructor(config: pg.ClientConfig, name: string, handlers: { onLead(): void; onLost(): void }) {
    this.config = config;
    this.name = name;
    this.handlers = handlers;
  }

  start(): void {
    void this.attempt();
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    // Ending the session releases the lock.
    await client?.end().catch(() => undefined);
  }

  private async attempt(): Promise<void> {
    if (this.isStopped) return;
    try {
      if (!this.client) {
        const client = await connect(this.config, { pipeline: false });
        client.on('error', () => this.lose(client));
        client.on('end', () => this.lose(client));
        if (this.isStopped) {
          await client.end();
          return;
        }
        this.client = client;
      }
      const result = await this.client.query<{ acquired: boolean }>(
        `SELECT pg_try_advisory_lock(${advisoryKey}) AS acquired`,
        [this.name],
      );
      if (result.rows[0]?.acquired && !this.isStopped) {
        this.isLeading = true;
        this.handlers.onLead();
        return;
      }
    } catch {
      // Unreachable database: try again later.
    }
    if (!this.isStopped) this.timer = setTimeout(() => void this.attempt(), pollIntervalMs);
  }

  private lose(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    if (this.isLeading) {
      this.isLeading = false;
      if (!this.isStopped) this.handlers.onLost();
    }
    if (!this.isStopped) this.timer = setTimeout(() => void this.attempt(), pollIntervalMs);
  }
}
