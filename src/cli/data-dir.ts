import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { type Clock, newAccountId } from '../core/index.ts';
import { isInside, type KeyProvider, RootKey, type RootKeyRecord, RootKeyUnavailableError } from '../crypto/index.ts';
import { createDevelopmentTls } from '../crypto/x509/index.ts';
import { sealedFunctionDataSource } from '../functions/index.ts';
import {
  type AccessKeyCredentials,
  administratorAccessArn,
  type IamService,
  sealedAccessKeysSource,
  sealedMfaSeedsSource,
  sealedSessionsSource,
} from '../iam/index.ts';
import { type KeyEventListener, KeyService, rootMeta } from '../keys/index.ts';
import { sealedMessagesSource } from '../queues/index.ts';
import {
  describeConnectionFailure,
  PostgresStore,
  SqliteStore,
  type Store,
  type WriterSharing,
} from '../storage/index.ts';
import { sealedTokensSource } from '../vault/index.ts';
import { CliError } from './cli-error.ts';
import { KeyEventAudit } from './key-event-audit.ts';
import { LocalIam } from './local-iam.ts';
import { providerFor, type RootKeyChoice } from './root-key-options.ts';
import { type StoreLocation, storeLocationOf } from './store-option.ts';

export { CliError };

export interface DataDirPaths {
  dataDir: string;
  keyFile: string;
  database: string;
  caFile: string;
  serverCert: string;
  serverKey: string;
  /** Present in the data directory of a node of a PostgreSQL store: names the store (without its password). */
  storeMarker: string;
  /** Compressed, signed archive segments of the audit trail (PCI DSS 10.5.1); ship them to WORM storage. */
  auditArchive: string;
  /** The SQLite file above, or a PostgreSQL database (`--store`, PCIQ_STORE). */
  store: StoreLocation;
}

/** `store` is the `--store` option; PCIQ_STORE applies when it is absent. */
export function pathsOf(dataDir: string, keyFile: string, store?: string): DataDirPaths {
  const dir = resolve(dataDir);
  return {
    store: storeLocationOf(store),
    dataDir: dir,
    keyFile: resolve(keyFile),
    database: join(dir, 'pciq.db'),
    caFile: join(dir, 'tls', 'ca.pem'),
    serverCert: join(dir, 'tls', 'server.pem'),
    serverKey: join(dir, 'tls', 'server-key.pem'),
    storeMarker: join(dir, 'store.json'),
    auditArchive: join(dir, 'audit-archive'),
  };
}

export interface Bootstrap {
  accountId: string;
  region: string;
  credentials: AccessKeyCredentials;
  /** Null when the operator brought their own certificate. */
  caFile: string | null;
  keyProvider: string;
}

/** Whether the store holds an account: the SQLite file exists, or the PostgreSQL database has one. */
export async function isInitialized(paths: DataDirPaths): Promise<boolean> {
  refuseForgottenStore(paths);
  if (paths.store.kind === 'sqlite') return existsSync(paths.database);
  return (await peekStoreMeta(paths, ['account_id']))?.['account_id'] !== undefined;
}

/**
 * A data directory that serves a PostgreSQL store, used without `--store` (a unit file that lost
 * PCIQ_STORE): refused, where it would otherwise be taken for a new SQLite data directory, given a new
 * account and administrator, and its TLS certificate replaced by one that clients do not trust.
 */
function refuseForgottenStore(paths: DataDirPaths): void {
  if (paths.store.kind !== 'sqlite' || existsSync(paths.database) || !existsSync(paths.storeMarker)) return;
  let store = 'a PostgreSQL store';
  try {
    store = (JSON.parse(readFileSync(paths.storeMarker, 'utf8')) as { store: string }).store;
  } catch {
    // An unreadable marker still marks the directory.
  }
  throw new CliError(`${paths.dataDir} is a node's data directory of ${store}: pass --store URL or set PCIQ_STORE`);
}

/**
 * What a new node of a PostgreSQL store needs on its own disk: only `pciq init` creates the development
 * certificate (its CA's key is discarded), so the other nodes take a copy of it or the operator's own.
 */
export const newNodeHint =
  'on a further node of a PostgreSQL store, copy the data directory of the node that ran `pciq init` (its tls/ holds the certificate clients trust), or create it and pass --tls-cert/--tls-key';

/** Marks a data directory as a node's of the PostgreSQL store it was opened with (the URL without password). */
function rememberStore(paths: DataDirPaths): void {
  if (paths.store.kind !== 'postgres' || existsSync(paths.storeMarker)) return;
  try {
    writeFileSync(paths.storeMarker, `${JSON.stringify({ store: paths.store.display })}\n`, { mode: 0o600 });
  } catch {
    // A read-only data directory only goes without the safety net.
  }
}

/** What the store is, for messages: the data directory, or the database URL without its password. */
export function storeName(paths: DataDirPaths): string {
  return paths.store.kind === 'sqlite' ? paths.dataDir : paths.store.display;
}

async function peekStoreMeta(paths: DataDirPaths, keys: readonly string[]) {
  if (paths.store.kind === 'sqlite') {
    try {
      return SqliteStore.peekMeta(paths.database, keys);
    } catch (error) {
      throw new CliError(`cannot read ${paths.dataDir}: ${describe(error)}`);
    }
  }
  const url = paths.store.url;
  try {
    return await PostgresStore.peekMeta(url, keys);
  } catch (error) {
    throw new CliError(`cannot read the store ${paths.store.display}: ${describeConnectionFailure(error, url)}`);
  }
}

/** Readable explanation of a file-system failure, for one-line CLI errors. */
function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a path component is not a directory';
  return (error as Error).message;
}

/** Loads (or creates) the root key through its provider; failures become one clear line. */
async function obtainRoot(
  provider: KeyProvider,
  how: { record: RootKeyRecord } | 'create',
): Promise<{ root: RootKey; record: RootKeyRecord }> {
  try {
    const made =
      how === 'create' ? await provider.create() : { root: await provider.load(how.record), record: how.record };
    const root = new RootKey(made.root);
    made.root.fill(0);
    return { root, record: made.record };
  } catch (error) {
    if (error instanceof RootKeyUnavailableError || error instanceof CliError) throw new CliError(error.message);
    throw error;
  }
}

/** Refuses a local root key file inside the data directory: keys are kept apart from what they protect (3.6.1). */
export function refuseKeyInside(paths: Pick<DataDirPaths, 'dataDir' | 'keyFile'>, provider: KeyProvider): void {
  if (provider.kind === 'local' && isInside(paths.dataDir, paths.keyFile)) {
    throw new CliError(
      `the key file ${paths.keyFile} is inside the data directory; keep keys apart from the data they protect (--key-file)`,
    );
  }
}

async function openStore(paths: DataDirPaths, sharing?: WriterSharing): Promise<Store> {
  if (paths.store.kind === 'postgres') {
    try {
      return await PostgresStore.open({ url: paths.store.url });
    } catch (error) {
      const reason = describeConnectionFailure(error, paths.store.url);
      throw new CliError(`cannot open the store ${paths.store.display}: ${reason}; run \`pciq doctor\``);
    }
  }
  try {
    return new SqliteStore({ path: paths.database, ...(sharing ? { sharing } : {}) });
  } catch (error) {
    throw new CliError(`cannot open the data directory ${paths.dataDir}: ${describe(error)}`);
  }
}

/** The bootstrap administrator `pciq init` creates, allowed everything through AdministratorAccess. */
export const bootstrapAdminName = 'admin';

/**
 * Creates a data directory: the database, the root key file (outside the directory, PCI DSS 3.6.1), TLS
 * material unless brought, an account id, and the bootstrap administrator: the IAM user `admin` with the
 * AWS managed policy AdministratorAccess and an access key for automation. `enrolAdmin` runs while the
 * directory is open, to give the administrator a password and an MFA device (`pciq init`). Every change is
 * recorded in the audit trail as done by the local user who ran the command.
 */
export async function initializeDataDir<T = undefined>(
  paths: DataDirPaths,
  options: {
    region: string;
    clock: Clock;
    bringsOwnTls: boolean;
    extraHosts: string[];
    rootKey: RootKeyChoice;
    enrolAdmin?: (iam: IamService, accountId: string) => Promise<T>;
  },
): Promise<Bootstrap & { enrolment: T | undefined }> {
  const provider = providerFor(options.rootKey, undefined);
  refuseKeyInside(paths, provider);
  if (await isInitialized(paths))
    throw new CliError(`${storeName(paths)} is already initialized; its credentials were printed when it was created`);
  try {
    mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
    chmodSync(paths.dataDir, 0o700);
  } catch (error) {
    throw new CliError(`cannot create the data directory ${paths.dataDir}: ${describe(error)}`);
  }
  rememberStore(paths);
  const { root, record } = await obtainRoot(provider, 'create');
  const caFile = options.bringsOwnTls ? null : writeDevelopmentTls(paths, options.clock, options.extraHosts);
  const store = await openStore(paths);
  const keyAudit = new KeyEventAudit((line) => process.stderr.write(line));
  try {
    const accountId = newAccountId();
    await store.write(async (tx) => {
      // Two nodes initializing one empty database at once: the second finds the first's account and stops.
      if ((await tx.getMeta('account_id')) !== undefined) {
        throw new CliError(
          `${storeName(paths)} is already initialized; its credentials were printed when it was created`,
        );
      }
      await tx.setMeta('account_id', accountId);
      await tx.setMeta('region', options.region);
      await tx.setMeta(rootMeta.checkValue, root.checkValue);
      await tx.setMeta(rootMeta.record, JSON.stringify(record));
      await tx.setMeta('created_at', new Date(options.clock.now()).toISOString());
    });
    const keys = await KeyService.open({ store, root, clock: options.clock, region: options.region, events: keyAudit });
    const local = await LocalIam.open({ store, keys, accountId, archiveDir: paths.auditArchive });
    keyAudit.attach(local.trail);
    const { iam } = local;
    await iam.createUser(accountId, { userName: bootstrapAdminName });
    await iam.attachPolicy(accountId, {
      kind: 'user',
      entityName: bootstrapAdminName,
      policyArn: administratorAccessArn,
    });
    const key = await iam.createAccessKey(accountId, bootstrapAdminName);
    const credentials = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
    const enrolment = options.enrolAdmin ? await options.enrolAdmin(iam, accountId) : undefined;
    await keyAudit.settled();
    await local.seal();
    return { accountId, region: options.region, credentials, caFile, keyProvider: provider.kind, enrolment };
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
  store: Store;
  keys: KeyService;
  accountId: string;
  region: string;
  keyProvider: KeyProvider;
}

/**
 * Opens an initialized data directory. The root key is obtained and checked against the directory's key
 * check value before the database is opened for writing: a missing, wrong or unreadable key (or a wrong
 * passphrase) is refused with one line and leaves the directory exactly as it was.
 */
export async function openDataDir(
  paths: DataDirPaths,
  options: { rootKey: RootKeyChoice; clock: Clock; events?: KeyEventListener; sharing?: WriterSharing },
): Promise<OpenedDataDir> {
  try {
    statSync(paths.dataDir);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new CliError(
      missing && paths.store.kind === 'postgres'
        ? `the data directory ${paths.dataDir} does not exist; ${newNodeHint}`
        : `cannot read the data directory ${paths.dataDir}: ${describe(error)}`,
    );
  }
  refuseForgottenStore(paths);
  const meta = await peekStoreMeta(paths, ['account_id', 'region', rootMeta.checkValue, rootMeta.record]);
  const accountId = meta?.['account_id'];
  const region = meta?.['region'];
  if (!meta || !accountId || !region) {
    throw new CliError(
      paths.store.kind === 'sqlite'
        ? `${paths.dataDir} is not a complete pciq data directory (no account); initialize a new one`
        : `${paths.store.display} holds no pciq account; run \`pciq init --store …\` once`,
    );
  }
  const record = JSON.parse(meta[rootMeta.record] ?? '{"provider":"local"}') as RootKeyRecord;
  const provider = providerFor(options.rootKey, record.provider);
  refuseKeyInside(paths, provider);
  const { root } = await obtainRoot(provider, { record });
  if (meta[rootMeta.checkValue] !== root.checkValue) {
    root.destroy();
    throw new CliError(
      provider.kind === 'local'
        ? `the key file ${paths.keyFile} is not the key of ${storeName(paths)}; pass the right --key-file`
        : `the root key from ${provider.description} is not the key of ${storeName(paths)}`,
    );
  }
  const store = await openStore(paths, options.sharing);
  try {
    const keys = await KeyService.open({
      store,
      root,
      clock: options.clock,
      region,
      ...(options.events ? { events: options.events } : {}),
    });
    keys.registerSource(sealedMessagesSource(region));
    keys.registerSource(sealedAccessKeysSource());
    keys.registerSource(sealedFunctionDataSource(region));
    keys.registerSource(sealedTokensSource(region));
    keys.registerSource(sealedMfaSeedsSource(accountId));
    keys.registerSource(sealedSessionsSource(accountId));
    rememberStore(paths);
    return { store, keys, accountId, region, keyProvider: provider };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** Reads PEM files the operator brought (or the development ones). */
export function readTlsMaterial(certFile: string, keyFile: string): { cert: string; key: string } {
  try {
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  } catch (error) {
    throw new CliError(`cannot read the TLS certificate or key (${certFile}, ${keyFile}): ${describe(error)}`);
  }
}
