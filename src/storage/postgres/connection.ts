import { readFileSync } from 'node:fs';
import { type ConnectionOptions, getCACertificates } from 'node:tls';
import type pg from 'pg';
import { isUntrustedChain } from '../../core/index.ts';

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
 * libpq waits for ever by default; a node should not: a database host that drops packets (a firewall, a
 * failed-over address) would hold every request and every reconnection for the system's TCP timeout, minutes.
 */
const defaultConnectTimeoutSec = 10;
/**
 * Connections a serving process opens besides its write pool: 2 for reads, 1 listening for wake-ups, and 1
 * for each kind of background work it may lead (audit, compliance, functions). docs/postgres.md sizes them.
 */
export const connectionsBesidesPool = 6;
const pciqParameters = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'pool_size', 'connect_timeout'];
// node-postgres reads these from the URL over the TLS options pciq derives from sslmode (`ssl=0` would turn
// a verify-full connection into a plain one), so they are refused rather than passed on.
const overridingParameters = ['ssl', 'uselibpqcompat', 'sslnegotiation'];

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
  const overriding = overridingParameters.find((name) => params.has(name));
  if (overriding) {
    throw new StoreUrlError(
      `${overriding}= is not supported in ${display}: pciq sets TLS from sslmode (with sslrootcert, sslcert, sslkey) only`,
    );
  }
  if (mode === 'verify-ca' && !params.has('sslrootcert')) {
    throw new StoreUrlError(
      'sslmode=verify-ca needs sslrootcert=FILE: without it any certificate a public CA issued to anyone would do; give your CA, or use verify-full',
    );
  }
  if (params.get('sslrootcert') === 'system' && mode !== 'verify-full') {
    throw new StoreUrlError(
      `sslrootcert=system needs sslmode=verify-full (as in libpq): any certificate a public CA issued would do otherwise`,
    );
  }
  const poolText = params.get('pool_size');
  const poolSize = poolText === null ? defaultPoolSize : Number(poolText);
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 100) {
    throw new StoreUrlError(`pool_size must be a number from 1 to 100, not ${poolText}`);
  }
  const connectTimeoutSec = connectTimeoutOf(params.get('connect_timeout'));
  const ssl = tlsOptionsOf(mode, params);
  for (const name of pciqParameters) params.delete(name);
  return {
    client: {
      connectionString: url.toString(),
      ssl,
      application_name: 'pciq',
      connectionTimeoutMillis: connectTimeoutSec * 1000,
      // As libpq's keepalives=1, with a first probe after 30 s idle rather than the system's 2 hours: an idle
      // connection (the listener of wake-ups, a spare writer) to a database that vanished is found dead.
      keepAlive: true,
      keepAliveInitialDelayMillis: 30_000,
    },
    sslMode: mode,
    poolSize,
    display,
  };
}

/** `connect_timeout` as libpq reads it: whole seconds, 0 for no limit, and at least 2 (libpq's floor). */
function connectTimeoutOf(text: string | null): number {
  if (text === null) return defaultConnectTimeoutSec;
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
    throw new StoreUrlError(`connect_timeout must be whole seconds from 0 (no limit) to 3600, not ${text}`);
  }
  return seconds === 0 ? 0 : Math.max(2, seconds);
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
  // Without sslrootcert, Node's bundled Mozilla CA list; `system`, the operating system's trust store.
  if (rootCert === 'system') options.ca = getCACertificates('system');
  else if (rootCert) options.ca = readPem('sslrootcert', rootCert);
  // verify-full: Node checks the certificate's names against the host, as libpq does.
  if (mode === 'verify-ca') options.checkServerIdentity = () => undefined;
  return options;
}

/**
 * Why connecting to the store at `url` failed, in one line that says what to do; never contains the URL's
 * password. Reads only the URL (no certificate files), so it can explain any failure.
 */
export function describeConnectionFailure(error: unknown, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return (error as Error).message ?? String(error);
  }
  const text = explainFailure(error as NodeJS.ErrnoException, {
    sslMode: parsed.searchParams.get('sslmode') ?? 'disable',
    sslRootCert: parsed.searchParams.get('sslrootcert'),
    hostPort: parsed.host,
  });
  const encoded = parsed.password;
  if (!encoded) return text;
  let decoded = encoded;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    // A malformed escape: the password is used as written.
  }
  return text.replaceAll(encoded, '*****').replaceAll(decoded, '*****');
}

function explainFailure(
  error: NodeJS.ErrnoException,
  target: { sslMode: string; sslRootCert: string | null; hostPort: string },
): string {
  const { code, message } = error;
  // node-postgres' words when connectionTimeoutMillis passes before the database answers.
  if (message === 'timeout expired' || message === 'Connection terminated due to connection timeout') {
    return `the database at ${target.hostPort} did not answer in time (connect_timeout in the URL, default ${defaultConnectTimeoutSec} s): check that host and port are right and that this node can reach them (a firewall that drops packets looks like this)`;
  }
  if (isUntrustedChain(code)) {
    const trusted =
      target.sslRootCert === null
        ? 'a CA Node.js trusts (the URL gives no sslrootcert)'
        : target.sslRootCert === 'system'
          ? "a CA in this system's trust store (sslrootcert=system)"
          : `the CA in sslrootcert=${target.sslRootCert}`;
    return `the database's TLS certificate was not issued by ${trusted} (${code}): set sslrootcert to the file of the CA that issued it (for a managed database, the provider's CA bundle)`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `the database's TLS certificate does not name the host in the URL (${message}): connect by a name the certificate lists, or have it reissued for this one`;
  }
  if (code === 'CERT_HAS_EXPIRED')
    return `the database's TLS certificate has expired (${code}): renew it on the server`;
  if (code === 'CERT_NOT_YET_VALID') {
    return `the database's TLS certificate is not valid yet (${code}): check the clocks of this node and of the database server`;
  }
  if (message === 'The server does not support SSL connections') {
    return `the database does not accept TLS (ssl = off in its postgresql.conf) but sslmode=${target.sslMode} asks for it: turn TLS on in the server (PCI DSS 4.2.1); sslmode=disable is only for a database on this host`;
  }
  if (code === '28000' && /requires a valid client certificate/.test(message)) {
    return `${message}: give the certificate and key this node authenticates with as sslcert and sslkey`;
  }
  if (code === '28000' && /no encryption/.test(message)) {
    return `${message}: the server accepts this client over TLS only; add sslmode=verify-full and sslrootcert to the URL`;
  }
  return message ?? String(error);
}
