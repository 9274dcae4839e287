import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';

/** Raised for a store URL pciq cannot use; the message never includes the password. */
export class StoreUrlError extends Error {}

const sslModes = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof sslModes)[number];

/** What pciq reads from a `postgres://` URL: the client configuration plus pciq's own settings. */
export interface PostgresTarget {
  /** Everything `pg` needs, TLS included. */
  client: pg.ClientConfig;
  sslMode: SslMode;
  /** Write connections of this node (`pool_size`, default 4). */
  poolSize: number;
  /** The URL without its password, for messages. */
  display: string;
}

const defaultPoolSize = 4;
/**
 * Connections a serving process opens besides its write pool: 2 for reads, 1 listening for wake-ups, and 1
 * for each kind of background work it may lead (audit, compliance, functions). docs/postgres.md sizes them.
 */
export const connectionsBesidesPool = 6;
const pciqParameters = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'pool_size'];

export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/** The URL with its password replaced, safe for logs and errors. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '*****';
    return url.toString();
  } catch {
    return 'postgres://…';
  }
}

/**
 * Reads a libpq-style URL: `postgres://user:password@host:port/db?sslmode=verify-full&sslrootcert=ca.pem`.
 * TLS follows libpq's sslmode meanings exactly (node-postgres' own reading of `require` verifies, which
 * libpq's does not); `prefer` and `allow` are refused, since a connection that silently falls back to
 * plain text cannot carry a PCI DSS 4.2.1 promise.
 */
export function parsePostgresUrl(value: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StoreUrlError(
      `${redactUrl(value)} is not a valid URL; write postgres://user:password@host:5432/database`,
    );
  }
  if (!isPostgresUrl(value)) throw new StoreUrlError(`a store URL starts with postgres://, not ${url.protocol}//`);
  const display = redactUrl(value);
  const params = url.searchParams;
  const mode = (params.get('sslmode') ?? 'disable') as SslMode;
  if (!sslModes.includes(mode)) {
    throw new StoreUrlError(
      `sslmode=${params.get('sslmode')} is not supported in ${display}; use disable, require, verify-ca or verify-full`,
    );
  }
  const poolText = params.get('pool_size');
  const poolSize = poolText === null ? defaultPoolSize : Number(poolText);
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 100) {
    throw new StoreUrlError(`pool_size must be a number from 1 to 100, not ${poolText}`);
  }
  const ssl = tlsOptionsOf(mode, params);
  for (const name of pciqParameters) params.delete(name);
  return {
    client: { connectionString: url.toString(), ssl, application_name: 'pciq' },
    sslMode: mode,
    poolSize,
    display,
  };
}

function readPem(name: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new StoreUrlError(`cannot read ${name} ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}

function tlsOptionsOf(mode: SslMode, params: URLSearchParams): ConnectionOptions | false {
  if (mode === 'disable') return false;
  const options: ConnectionOptions = { minVersion: 'TLSv1.2' };
  const rootCert = params.get('sslrootcert');
  const cert = params.get('sslcert');
  const key = params.get('sslkey');
  if (cert) options.cert = readPem('sslcert', cert);
  if (key) options.key = readPem('sslkey', key);
  if (mode === 'require') {
    // libpq: encrypted, server not verified (unless a root certificate is given, which makes it verify-ca).
    if (!rootCert) return { ...options, rejectUnauthorized: false };
    return { ...options, ca: readPem('sslrootcert', rootCert), checkServerIdentity: () => undefined };
  }
  if (rootCert) options.ca = readPem('sslrootcert', rootCert);
  // verify-full: Node checks the certificate's names against the host, as libpq does.
  if (mode === 'verify-ca') options.checkServerIdentity = () => undefined;
  return options;
}
