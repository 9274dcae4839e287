import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { type Clock, newAccountId } from '../core/index.ts';
import { createMasterKeyFile, isInside, KeyFileError, Keyring, readMasterKeyFile } from '../crypto/index.ts';
import { createDevelopmentTls } from '../crypto/x509/index.ts';
import { type AccessKeyCredentials, createAccessKey } from '../iam/index.ts';
import { SqliteStore } from '../storage/index.ts';

/** A problem the operator must fix; the CLI prints the message as one line and exits non-zero. */
export class CliError extends Error {}

export interface DataDirPaths {
  dataDir: string;
  keyFile: string;
  database: string;
  caFile: string;
  serverCert: string;
  serverKey: string;
}

export function pathsOf(dataDir: string, keyFile: string): DataDirPaths {
  const dir = resolve(dataDir);
  return {
    dataDir: dir,
    keyFile: resolve(keyFile),
    database: join(dir, 'pciq.db'),
    caFile: join(dir, 'tls', 'ca.pem'),
    serverCert: join(dir, 'tls', 'server.pem'),
    serverKey: join(dir, 'tls', 'server-key.pem'),
  };
}

export interface Bootstrap {
  accountId: string;
  region: string;
  credentials: AccessKeyCredentials;
  /** Null when the operator brought their own certificate. */
  caFile: string | null;
}

export function isInitialized(paths: DataDirPaths): boolean {
  return existsSync(paths.database);
}

/** Readable explanation of a file-system failure, for one-line CLI errors. */
function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a path component is not a directory';
  return (error as Error).message;
}

function openKeyring(paths: DataDirPaths): Keyring {
  try {
    return new Keyring(readMasterKeyFile(paths.keyFile));
  } catch (error) {
    if (error instanceof KeyFileError) throw new CliError(error.message);
    throw error;
  }
}

/** A keyed hash of a constant: shows whether a key file belongs to a data directory, reveals nothing of the key. */
function keyCheckOf(keyring: Keyring): string {
  return keyring.keyedHash('key-check', 'pciq data directory');
}

function openStore(paths: DataDirPaths): SqliteStore {
  try {
    return new SqliteStore({ path: paths.database });
  } catch (error) {
    throw new CliError(`cannot open the data directory ${paths.dataDir}: ${describe(error)}`);
  }
}

/**
 * Creates a data directory: the database, the root key file (outside the directory, PCI DSS 3.6.1), TLS
 * material unless brought, an account id and the bootstrap administrator's access key.
 */
export async function initializeDataDir(
  paths: DataDirPaths,
  options: { region: string; clock: Clock; bringsOwnTls: boolean; extraHosts: string[] },
): Promise<Bootstrap> {
  if (isInside(paths.dataDir, paths.keyFile)) {
    throw new CliError(
      `the key file ${paths.keyFile} is inside the data directory; keep keys apart from the data they protect (--key-file)`,
    );
  }
  if (isInitialized(paths))
    throw new CliError(`${paths.dataDir} is already initialized; its credentials were printed when it was created`);
  try {
    mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
    chmodSync(paths.dataDir, 0o700);
  } catch (error) {
    throw new CliError(`cannot create the data directory ${paths.dataDir}: ${describe(error)}`);
  }
  if (!existsSync(paths.keyFile)) {
    try {
      createMasterKeyFile(paths.keyFile);
    } catch (error) {
      throw new CliError(
        error instanceof KeyFileError ? error.message : `cannot create the key file: ${describe(error)}`,
      );
    }
  }
  const keyring = openKeyring(paths);
  const caFile = options.bringsOwnTls ? null : writeDevelopmentTls(paths, options.clock, options.extraHosts);
  const store = openStore(paths);
  try {
    return await store.write(async (tx) => {
      const accountId = newAccountId();
      const now = options.clock.now();
      await tx.setMeta('account_id', accountId);
      await tx.setMeta('region', options.region);
      await tx.setMeta('key_check', keyCheckOf(keyring));
      await tx.setMeta('created_at', new Date(now).toISOString());
      const credentials = await createAccessKey(tx, keyring, `arn:aws:iam::${accountId}:user/admin`, now);
      return { accountId, region: options.region, credentials, caFile };
    });
  } finally {
    await store.close();
  }
}

/**
 * A development CA and a server certificate for this machine's names. The CA's private key is not kept:
 * it signs the one server certificate and is discarded, so the CA that clients trust can sign nothing else.
 */
function writeDevelopmentTls(paths: DataDirPaths, clock: Clock, extraHosts: string[]): string {
  const names = new Set([
    'localhost',
    ...extraHosts.filter((host) => /^[A-Za-z0-9.-]+$/.test(host) && !/^[\d.]+$/.test(host)),
  ]);
  const host = hostname();
  if (/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(host) && host.length <= 253) names.add(host.toLowerCase());
  const ips = new Set(['127.0.0.1', '::1', ...extraHosts.filter((h) => /^[\d.]+$/.test(h) || h.includes(':'))]);
  ips.delete('0.0.0.0');
  ips.delete('::');
  const material = createDevelopmentTls({ dnsNames: [...names], ipAddresses: [...ips], now: new Date(clock.now()) });
  mkdirSync(join(paths.dataDir, 'tls'), { recursive: true, mode: 0o700 });
  writeFileSync(paths.caFile, material.caCertPem, { mode: 0o644 });
  writeFileSync(paths.serverCert, material.serverCertPem, { mode: 0o644 });
  writeFileSync(paths.serverKey, material.serverKeyPem, { mode: 0o600 });
  return paths.caFile;
}

export interface OpenedDataDir {
  store: SqliteStore;
  keyring: Keyring;
  accountId: string;
  region: string;
}

/** Opens an initialized data directory, refusing a key file that does not belong to it. */
export async function openDataDir(paths: DataDirPaths): Promise<OpenedDataDir> {
  if (isInside(paths.dataDir, paths.keyFile)) {
    throw new CliError(
      `the key file ${paths.keyFile} is inside the data directory; keep keys apart from the data they protect`,
    );
  }
  try {
    statSync(paths.dataDir);
  } catch (error) {
    throw new CliError(`cannot read the data directory ${paths.dataDir}: ${describe(error)}`);
  }
  const keyring = openKeyring(paths);
  const store = openStore(paths);
  const meta = await store.read(async (tx) => ({
    accountId: await tx.getMeta('account_id'),
    region: await tx.getMeta('region'),
    keyCheck: await tx.getMeta('key_check'),
  }));
  if (!meta.accountId || !meta.region) {
    await store.close();
    throw new CliError(`${paths.dataDir} is not a complete pciq data directory (no account); initialize a new one`);
  }
  if (meta.keyCheck !== keyCheckOf(keyring)) {
    await store.close();
    throw new CliError(`the key file ${paths.keyFile} is not the key of ${paths.dataDir}; pass the right --key-file`);
  }
  return { store, keyring, accountId: meta.accountId, region: meta.region };
}

/** Reads PEM files the operator brought (or the development ones). */
export function readTlsMaterial(certFile: string, keyFile: string): { cert: string; key: string } {
  try {
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  } catch (error) {
    throw new CliError(`cannot read the TLS certificate or key (${certFile}, ${keyFile}): ${describe(error)}`);
  }
}
