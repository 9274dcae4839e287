import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import pg from 'pg';

/**
 * PostgreSQL for tests: the server `PCIQ_TEST_PG_URL` names (`.ci/run` starts the machine's PostgreSQL and
 * sets it). Each store under test gets a schema of its own, dropped afterwards, so test files run in
 * parallel on one database without seeing each other.
 */
export type TestPostgres = { url: string } | { skip: string };

let reachable: Promise<TestPostgres> | undefined;

export function testPostgres(): Promise<TestPostgres> {
  reachable ??= (async () => {
    const url = process.env['PCIQ_TEST_PG_URL'];
    if (!url) return { skip: 'PCIQ_TEST_PG_URL is not set: PostgreSQL tests skipped (bash .ci/run sets it)' };
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return { url };
    } catch (error) {
      return { skip: `PostgreSQL at PCIQ_TEST_PG_URL is unreachable (${(error as Error).message}): tests skipped` };
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return reachable;
}

/** Declares one skipped test carrying the reason, so a run without PostgreSQL says so in its summary. */
export function skipNotice(name: string, reason: string): void {
  it(name, { skip: reason }, () => undefined);
}

export interface TestSchema {
  /** The server URL with this schema as search_path. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, empty schema on the test server. */
export async function createTestSchema(baseUrl: string): Promise<TestSchema> {
  const name = `pciq_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
