import cluster from 'node:cluster';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { ApiServer } from '../api/index.ts';
import { type AuditConfig, AuditConfigError, AuditRuntime, loadAuditConfig, RetentionError } from '../audit/index.ts';
import { ComplianceService } from '../compliance/index.ts';
import { systemClock } from '../core/index.ts';
import { CardDataGuard, maskCardNumbers } from '../guard/index.ts';
import { IamService } from '../iam/index.ts';
import { KeyAdmin, KmsData } from '../keys/index.ts';
import { QueueService } from '../queues/index.ts';
import { defaultDetokenizeLimit, type RateLimit, TokenVault } from '../vault/index.ts';
import { complianceConfigOf, serverSettingsOf, startComplianceMonitor } from './compliance-monitor.ts';
import {
  CliError,
  type DataDirPaths,
  initializeDataDir,
  isInitialized,
  newNodeHint,
  type OpenedDataDir,
  openDataDir,
  pathsOf,
  readTlsMaterial,
} from './data-dir.ts';
import { defaultDataDir, defaultHost, defaultPort, defaultRegion } from './defaults.ts';
import { bootstrapText, endpointOf } from './init-command.ts';
import { KeyEventAudit } from './key-event-audit.ts';
import {
  type RootKeyChoice,
  type RootKeySecrets,
  rootKeyChoiceOf,
  rootKeyOptions,
  rootKeyUsage,
} from './root-key-options.ts';
import {
  checkFunctionHosting,
  type FunctionHosting,
  functionHostingOf,
  functionOptions,
  startFunctions,
} from './serve-functions.ts';
import { storeOptions } from './store-option.ts';
import { WriteTurns, workerSharing } from './write-turns.ts';

export const serveUsage = `pciq serve [--data-dir DIR] [--host HOST] [--port PORT] ${rootKeyUsage}
           [--tls-cert FILE --tls-key FILE] [--tls-client-ca FILE] [--endpoint-url URL] [--insecure-http]
           [--workers N] [--audit-config FILE] [--store URL] [--node NAME] [--detokenize-rate N]
           [--function-user USER] [--function-processes N] [--compliance-config FILE]
  Serves the SQS- and KMS-compatible API over HTTPS (default https://${defaultHost}:${defaultPort}), initializing DIR
  on first use. The root key provider is the one DIR was initialized with. --tls-client-ca requires every client
  to present a certificate issued by that CA (mutual TLS). --insecure-http serves plain HTTP on a loopback
  address only, outside PCI DSS scope. --workers N serves from N processes sharing the port and the data directory
  (default: one per core, up to 4). --audit-config FILE: the audit trail's settings (JSON: clock source,
  checkpoints, retention, review rules, alerts). --detokenize-rate N: detokenizations per second per principal
  (default ${defaultDetokenizeLimit.perSecond}, bursts of ten times as many). --store URL: several nodes serve from one
  PostgreSQL database (see below); --node NAME names this node in audit records (default: the host name; unique
  per node). Functions mapped to queues run in sandboxed processes, at most --function-processes at once
  (default: 4 per core, at least 8); --function-user runs them as another user.
  --compliance-config FILE: extra policy files, policies to remediate automatically or leave out, monitor on or
  off (JSON; see docs/compliance.md).`;

interface ServeConfig {
  paths: DataDirPaths;
  host: string;
  port: number;
  tls: { certFile: string; keyFile: string } | undefined;
  clientCaFile: string | undefined;
  rootKey: RootKeyChoice;
  insecureHttp: boolean;
  endpointUrl: string | undefined;
  /** Processes serving requests; 1 serves from this process. */
  workers: number;
  audit: AuditConfig;
  functions: FunctionHosting;
  node: string | undefined;
  detokenizeLimit: RateLimit;
  compliance: ReturnType<typeof complianceConfigOf>;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

function parseServeArgs(argv: string[]): ServeConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string', default: defaultDataDir },
      ...rootKeyOptions,
      host: { type: 'string', default: defaultHost },
      port: { type: 'string', default: String(defaultPort) },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-client-ca': { type: 'string' },
      'endpoint-url': { type: 'string' },
      'insecure-http': { type: 'boolean', default: false },
      workers: { type: 'string' },
      'audit-config': { type: 'string' },
      ...functionOptions,
      ...storeOptions,
      node: { type: 'string' },
      'detokenize-rate': { type: 'string' },
      'compliance-config': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(`--port must be a number from 0 to 65535, not ${values.port}`);
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key']))
    throw new CliError('--tls-cert and --tls-key go together');
  if (values['insecure-http'] && values['tls-client-ca'])
    throw new CliError('--tls-client-ca needs TLS; it cannot go with --insecure-http');
  if (values['insecure-http'] && !isLoopback(values.host)) {
    throw new CliError(
      `--insecure-http is refused on ${values.host}: plain HTTP is allowed on a loopback address only (--host 127.0.0.1)`,
    );
  }
  const workers = values.workers === undefined ? defaultWorkers() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new CliError(`--workers must be a number from 1 to 64, not ${values.workers}`);
  }
  const detokenizeRate =
    values['detokenize-rate'] === undefined ? defaultDetokenizeLimit.perSecond : Number(values['detokenize-rate']);
  if (!Number.isInteger(detokenizeRate) || detokenizeRate < 1 || detokenizeRate > 1_000_000) {
    throw new CliError(`--detokenize-rate must be a number from 1 to 1000000, not ${values['detokenize-rate']}`);
  }
  return {
    workers,
    detokenizeLimit: { perSecond: detokenizeRate, burst: detokenizeRate * 10 },
    audit: auditConfigOf(values['audit-config']),
    functions: functionHostingOf(values),
    compliance: complianceConfigOf(values['compliance-config']),
    paths: pathsOf(values['data-dir'], values['key-file'], values.store),
    node: values.node,
    host: values.host,
    port,
    tls:
      values['tls-cert'] && values['tls-key']
        ? { certFile: values['tls-cert'], keyFile: values['tls-key'] }
        : undefined,
    insecureHttp: values['insecure-http'],
    endpointUrl: values['endpoint-url'],
    clientCaFile: values['tls-client-ca'],
    rootKey: rootKeyChoiceOf(values),
  };
}

function auditConfigOf(path: string | undefined): AuditConfig {
  try {
    return loadAuditConfig(path, process.env);
  } catch (error) {
    if (error instanceof AuditConfigError) throw new CliError(`--audit-config: ${error.message}`);
    throw error;
  }
}

/** One serving process per core, up to four: past that the single SQLite writer is the limit. */
function defaultWorkers(): number {
  return Math.min(availableParallelism(), 4);
}

function readClientCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the client CA certificate ${file}: ${(error as Error).message}`);
  }
}

/** Set in the environment of the processes a primary forks. */
const workerRole = 'PCIQ_SERVE_WORKER';

type WorkerReport =
  | { pciqWorker: 'listening'; port: number }
  | { pciqWorker: 'failed'; message: string }
  | { pciqWorker: 'root-key-secrets' };

/** The primary's answer to a worker's 'root-key-secrets': what the primary took from its environment. */
type RootKeySecretsReply = { pciqRootKeySecrets: RootKeySecrets };

export async function serveCommand(argv: string[]): Promise<void> {
  const config = parseServeArgs(argv);
  checkFunctionHosting(config.paths);
  // Signals are taken from the start: a SIGTERM during start-up waits until pciq is ready, then drains,
  // instead of killing it half-initialized.
  let shutdown: (() => Promise<void>) | undefined;
  let stopRequested = false;
  const onSignal = () => {
    stopRequested = true;
    void shutdown?.();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const isWorker = cluster.isWorker && process.env[workerRole] === '1';
  if (!isWorker && !(await isInitialized(config.paths))) {
    const bootstrap = await initializeDataDir(config.paths, {
      region: defaultRegion,
      clock: systemClock,
      bringsOwnTls: config.tls !== undefined,
      extraHosts: [config.host],
      rootKey: config.rootKey,
    });
    process.stdout.write(
      bootstrapText(config.paths, bootstrap, config.endpointUrl ?? endpointOf(config.host, config.port || defaultPort)),
    );
  }
  if (isWorker) shutdown = await runWorkerReportingFailure(config);
  else if (config.workers > 1) shutdown = await runPrimary(config);
  else shutdown = await runSingle(config);
  if (stopRequested) await shutdown();
}

type Stop = () => Promise<void>;

/** One process: API and background work together. */
async function runSingle(config: ServeConfig): Promise<Stop> {
  const keyAudit = new KeyEventAudit(log);
  const opened = await openDataDir(config.paths, { rootKey: config.rootKey, clock: systemClock, events: keyAudit });
  const audit = await openAudit(config, opened, 'lead');
  keyAudit.attach(audit.trail);
  const api = await startApiOrClose(config, opened, audit, 'lead');
  api.queues.start();
  api.vault.start();
  opened.keys.start();
  const stopSweep = sweepExpiredSessions(opened);
  await audit.start({
    queues: api.queues,
    details: { endpoint: api.endpoint, tls: api.scheme === 'https', workers: 1 },
  });
  const stopFunctions = startFunctions({
    ...functionSettings(config),
    opened,
    audit,
    queues: api.queues,
    iam: api.iam,
    endpoint: endpointOf(config.host, api.port, api.scheme),
  });
  const monitor = await startComplianceMonitor({
    opened,
    audit,
    queues: api.queues,
    paths: config.paths,
    settings: serverSettingsOf({
      ...config,
      endpoint: api.endpoint,
      scheme: api.scheme as 'https' | 'http',
      workers: 1,
    }),
    compliance: config.compliance,
    log,
  });
  announce(config, api.scheme, api.port);
  return exitAfter(async () => {
    await monitor?.stop();
    await stopFunctions();
    await api.stop();
    api.queues.stop();
    api.vault.stop();
    stopSweep();
    opened.keys.stop();
    await opened.keys.flushUsage().catch(() => undefined);
    await keyAudit.settled();
    await audit.stop();
    await opened.store.close();
  });
}

/**
 * Starts the API; when it cannot (the port is taken, the TLS files are missing), closes the audit trail and
 * the store before the error is reported: a PostgreSQL store's open connections would otherwise keep the
 * failed process alive, neither serving nor exiting, and deaf to SIGTERM.
 */
async function startApiOrClose(
  config: ServeConfig,
  opened: OpenedDataDir,
  audit: AuditRuntime,
  role: 'lead' | 'worker',
) {
  try {
    return await startApi(config, opened, audit);
  } catch (error) {
    // The lead records the stop of what it started; a worker's trail is the lead's.
    if (role === 'lead') await audit.stop().catch(() => undefined);
    await opened.store.close().catch(() => undefined);
    throw error;
  }
}

/** IAM as a serving process uses it: changes commit with their request's record. */
function iamServiceFor(opened: OpenedDataDir, audit: AuditRuntime): IamService {
  return new IamService({
    store: audit.store,
    bookkeepingStore: opened.store,
    sealer: opened.keys,
    clock: systemClock,
    audit: audit.events,
    defaultAccountId: opened.accountId,
  });
}

/** Deletes the rows of expired STS and sign-in sessions now and then (expired ones are refused anyway). */
function sweepExpiredSessions(opened: OpenedDataDir): () => void {
  const timer = setInterval(() => {
    void opened.store.write((tx) => tx.iam.deleteExpiredSessions(systemClock.now())).catch(() => undefined);
  }, 600_000);
  timer.unref();
  return () => clearInterval(timer);
}

/** pciq's log is for people: card numbers that reach it anyway are masked (PCI DSS 3.4.1). */
function log(line: string): void {
  process.stderr.write(maskCardNumbers(line));
}

/** What the runner of functions needs from the configuration; handlers trust pciq's development CA unless TLS is the operator's. */
function functionSettings(config: ServeConfig) {
  return {
    hosting: config.functions,
    paths: config.paths,
    caFile: config.tls || config.insecureHttp ? undefined : config.paths.caFile,
    log,
  };
}

/**
 * The audit trail of this process. The lead (the only process, or the primary) records start and stop and
 * runs review, checkpoints and retention; a worker records its requests into the same chain.
 */
async function openAudit(config: ServeConfig, opened: OpenedDataDir, role: 'lead' | 'worker'): Promise<AuditRuntime> {
  const options = {
    store: opened.store,
    keyring: opened.keys.system,
    clock: systemClock,
    config: config.audit,
    archiveDir: config.paths.auditArchive,
    accountId: opened.accountId,
    log,
    ...(config.node ? { node: config.node } : {}),
  };
  try {
    return role === 'lead' ? await AuditRuntime.open(options) : await AuditRuntime.attach(options);
  } catch (error) {
    await opened.store.close();
    if (error instanceof RetentionError) throw new CliError(`--audit-config: ${error.message}`);
    throw error;
  }
}

/**
 * The primary of several serving processes: it forks the workers (which share the listening port and the
 * database file), hands out write turns and relays new-message signals between them, and runs the
 * background work (retention sweeps, move tasks, key rotation) once for all.
 */
async function runPrimary(config: ServeConfig): Promise<Stop> {
  const turns = new WriteTurns();
  const keyAudit = new KeyEventAudit(log);
  const opened = await openDataDir(config.paths, {
    rootKey: config.rootKey,
    clock: systemClock,
    sharing: turns.localSharing(),
    events: keyAudit,
  });
  const audit = await openAudit(config, opened, 'lead');
  keyAudit.attach(audit.trail);
  const background = new QueueService({
    store: audit.store,
    clock: systemClock,
    sealer: opened.keys,
    region: opened.region,
    endpoint: config.endpointUrl ?? endpointOf(config.host, config.port),
  });
  const vault = openVault(config, opened, audit);
  let stopping = false;
  let ready = false;
  const fork = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork({ [workerRole]: '1' });
      turns.attachWorker(worker.process);
      let failure = `a serving process exited during start-up`;
      worker.on('message', (message: WorkerReport) => {
        if (message?.pciqWorker === 'root-key-secrets') {
          worker.send({ pciqRootKeySecrets: config.rootKey.secrets } satisfies RootKeySecretsReply);
        }
        if (message?.pciqWorker === 'listening') resolve(message.port);
        if (message?.pciqWorker === 'failed') failure = message.message;
      });
      worker.once('exit', (code, signal) => {
        reject(new CliError(failure));
        // A worker lost in service is replaced; one that fails to start fails the start-up instead.
        if (stopping || !ready) return;
        process.stderr.write(
          `pciq: serving process ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another\n`,
        );
        void fork().catch(() => undefined);
      });
    });
  let ports: number[];
  try {
    ports = await Promise.all(Array.from({ length: config.workers }, fork));
  } catch (error) {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGKILL');
    await audit.stop().catch(() => undefined);
    await opened.store.close();
    throw error;
  }
  ready = true;
  background.start();
  vault.start();
  opened.keys.start();
  const stopSweep = sweepExpiredSessions(opened);
  const scheme = config.insecureHttp ? 'http' : 'https';
  const endpoint = config.endpointUrl ?? endpointOf(config.host, ports[0]!, scheme);
  await audit.start({
    queues: background,
    details: { endpoint, tls: scheme === 'https', workers: config.workers },
  });
  const monitor = await startComplianceMonitor({
    opened,
    audit,
    queues: background,
    paths: config.paths,
    settings: serverSettingsOf({ ...config, endpoint, scheme, workers: config.workers }),
    compliance: config.compliance,
    log,
  });
  const stopFunctions = startFunctions({
    ...functionSettings(config),
    opened,
    audit,
    queues: background,
    iam: iamServiceFor(opened, audit),
    endpoint: endpointOf(config.host, ports[0]!, scheme),
  });
  announce(config, config.insecureHttp ? 'http' : 'https', ports[0]!);
  return exitAfter(async () => {
    await stopFunctions();
    stopping = true;
    await monitor?.stop();
    const workers = Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined);
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.once('exit', () => resolve());
            worker.process.kill('SIGTERM');
          }),
      ),
    );
    background.stop();
    vault.stop();
    stopSweep();
    opened.keys.stop();
    await opened.keys.flushUsage().catch(() => undefined);
    await keyAudit.settled();
    await audit.stop();
    await opened.store.close();
  });
}

/** A worker's start-up failure is the primary's one line to print, not the worker's. */
async function runWorkerReportingFailure(config: ServeConfig): Promise<Stop> {
  try {
    return await runWorker(config);
  } catch (error) {
    const message = error instanceof CliError ? error.message : `unexpected failure: ${(error as Error)?.message}`;
    process.send?.({ pciqWorker: 'failed', message } satisfies WorkerReport, () => process.exit(1));
    return new Promise(() => undefined);
  }
}

/** A serving process under a primary: the API only; it leaves when the primary is gone. */
async function runWorker(config: ServeConfig): Promise<Stop> {
  process.once('disconnect', () => process.exit(1));
  const keyAudit = new KeyEventAudit(log);
  const opened = await openDataDir(config.paths, {
    rootKey: { ...config.rootKey, secrets: await rootKeySecretsFromPrimary() },
    clock: systemClock,
    sharing: workerSharing(),
    events: keyAudit,
  });
  const audit = await openAudit(config, opened, 'worker');
  keyAudit.attach(audit.trail);
  const api = await startApiOrClose(config, opened, audit, 'worker');
  // Usage counts live in each process; the primary's key work does not see them.
  const usage = setInterval(() => void opened.keys.flushUsage().catch(() => undefined), 60_000);
  usage.unref();
  process.send?.({ pciqWorker: 'listening', port: api.port } satisfies WorkerReport);
  return exitAfter(async () => {
    clearInterval(usage);
    await api.stop();
    await opened.keys.flushUsage().catch(() => undefined);
    await keyAudit.settled();
    await opened.store.close();
  });
}

/**
 * The root key's secrets (a key file's passphrase, an env-provided root key), which a worker cannot inherit:
 * the primary took them out of its environment before forking. They come over the private IPC channel.
 */
function rootKeySecretsFromPrimary(): Promise<RootKeySecrets> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (typeof message !== 'object' || message === null || !('pciqRootKeySecrets' in message)) return;
      process.off('message', onMessage);
      resolve((message as RootKeySecretsReply).pciqRootKeySecrets);
    };
    process.on('message', onMessage);
    process.send?.({ pciqWorker: 'root-key-secrets' } satisfies WorkerReport);
  });
}

function exitAfter(stop: () => Promise<void>): Stop {
  let stopping = false;
  return async () => {
    if (stopping) return;
    stopping = true;
    await stop();
    process.exit(0);
  };
}

function announce(config: ServeConfig, scheme: string, port: number): void {
  if (scheme === 'http') {
    process.stderr.write(
      'WARNING: pciq is serving plain HTTP (--insecure-http). Traffic is unencrypted: this endpoint is OUT OF PCI DSS SCOPE and must not carry cardholder data.\n',
    );
  }
  process.stdout.write(
    `pciq listening on ${scheme}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}\n`,
  );
}

/** The data directory's development certificate; a further node of a PostgreSQL store is told where it comes from. */
function developmentTls(config: ServeConfig): { cert: string; key: string } {
  try {
    return readTlsMaterial(config.paths.serverCert, config.paths.serverKey);
  } catch (error) {
    if (config.paths.store.kind !== 'postgres' || existsSync(config.paths.serverCert)) throw error;
    throw new CliError(`${(error as Error).message}; ${newNodeHint}`);
  }
}

/** The HTTPS endpoint with the queue and key services behind it. */
async function startApi(config: ServeConfig, opened: OpenedDataDir, audit: AuditRuntime) {
  const tls = config.insecureHttp
    ? undefined
    : {
        ...(config.tls ? readTlsMaterial(config.tls.certFile, config.tls.keyFile) : developmentTls(config)),
        ...(config.clientCaFile ? { clientCa: readClientCa(config.clientCaFile) } : {}),
      };
  const iam = iamServiceFor(opened, audit);
  await iam.directory.sync();
  const server = new ApiServer(tls);
  let address: { port: number };
  try {
    address = await server.listen(config.port, config.host);
  } catch (error) {
    await opened.store.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new CliError(
        `port ${config.port} on ${config.host} is already in use; stop the other process or pass --port`,
      );
    if (code === 'EACCES')
      throw new CliError(`not allowed to listen on ${config.host}:${config.port}; choose a port above 1023`);
    if (code === 'EADDRNOTAVAIL') throw new CliError(`${config.host} is not an address of this machine; pass --host`);
    throw error;
  }
  const scheme: 'https' | 'http' = tls ? 'https' : 'http';
  const endpoint = config.endpointUrl ?? endpointOf(config.host, address.port, scheme);
  const vault = openVault(config, opened, audit);
  const queues = new QueueService({
    store: audit.store,
    clock: systemClock,
    sealer: opened.keys,
    region: opened.region,
    endpoint,
    guard: new CardDataGuard(vault),
  });
  server.serve({
    app: {
      queues,
      keys: { admin: new KeyAdmin(opened.keys), data: new KmsData(opened.keys) },
      audit: audit.service,
      vault,
      iam,
      compliance: new ComplianceService(opened.store, systemClock),
    },
    audit: audit.auditor,
    clock: systemClock,
    region: opened.region,
    onInternalError: (requestId, error) => {
      log(`pciq: internal error in request ${requestId}: ${(error as Error)?.stack ?? String(error)}\n`);
    },
  });
  return {
    scheme,
    endpoint,
    port: address.port,
    queues,
    vault,
    iam,
    stop: async () => {
      await server.stop();
      queues.stop();
      await iam.directory.flush().catch(() => undefined);
    },
  };
}

/** The token vault, recording into the audit trail; its sweep of expired tokens runs in the lead process. */
function openVault(config: ServeConfig, opened: OpenedDataDir, audit: AuditRuntime): TokenVault {
  return new TokenVault({
    store: audit.store,
    sealer: opened.keys,
    clock: systemClock,
    region: opened.region,
    events: audit.events,
    detokenizeLimit: config.detokenizeLimit,
  });
}
