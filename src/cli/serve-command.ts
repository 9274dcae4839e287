import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { ApiServer } from '../api/index.ts';
import { systemClock } from '../core/index.ts';
import { AccessKeyDirectory } from '../iam/index.ts';
import { KeyAdmin, KmsData } from '../keys/index.ts';
import { QueueService } from '../queues/index.ts';
import {
  CliError,
  type DataDirPaths,
  initializeDataDir,
  isInitialized,
  openDataDir,
  pathsOf,
  readTlsMaterial,
} from './data-dir.ts';
import { defaultDataDir, defaultHost, defaultPort, defaultRegion } from './defaults.ts';
import { bootstrapText, endpointOf } from './init-command.ts';
import { type RootKeyChoice, rootKeyChoiceOf, rootKeyOptions, rootKeyUsage } from './root-key-options.ts';

export const serveUsage = `pciq serve [--data-dir DIR] [--host HOST] [--port PORT] ${rootKeyUsage}
           [--tls-cert FILE --tls-key FILE] [--tls-client-ca FILE] [--endpoint-url URL] [--insecure-http]
  Serves the SQS- and KMS-compatible API over HTTPS (default https://${defaultHost}:${defaultPort}), initializing DIR
  on first use. The root key provider is the one DIR was initialized with. --tls-client-ca requires every client
  to present a certificate issued by that CA (mutual TLS). --insecure-http serves plain HTTP on a loopback
  address only, outside PCI DSS scope.`;

interface ServeConfig {
  paths: DataDirPaths;
  host: string;
  port: number;
  tls: { certFile: string; keyFile: string } | undefined;
  clientCaFile: string | undefined;
  rootKey: RootKeyChoice;
  insecureHttp: boolean;
  endpointUrl: string | undefined;
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
  return {
    paths: pathsOf(values['data-dir'], values['key-file']),
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

function readClientCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the client CA certificate ${file}: ${(error as Error).message}`);
  }
}

export async function serveCommand(argv: string[]): Promise<void> {
  const config = parseServeArgs(argv);
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
  if (!isInitialized(config.paths)) {
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
  const opened = await openDataDir(config.paths, { rootKey: config.rootKey, clock: systemClock });
  const tls = config.insecureHttp
    ? undefined
    : {
        ...(config.tls
          ? readTlsMaterial(config.tls.certFile, config.tls.keyFile)
          : readTlsMaterial(config.paths.serverCert, config.paths.serverKey)),
        ...(config.clientCaFile ? { clientCa: readClientCa(config.clientCaFile) } : {}),
      };
  const accessKeys = new AccessKeyDirectory(opened.store, opened.keys, systemClock);
  await accessKeys.load();
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
  const scheme = tls ? 'https' : 'http';
  const queues = new QueueService({
    store: opened.store,
    clock: systemClock,
    sealer: opened.keys,
    region: opened.region,
    endpoint: config.endpointUrl ?? endpointOf(config.host, address.port, scheme),
  });
  server.serve({
    app: { queues, keys: { admin: new KeyAdmin(opened.keys), data: new KmsData(opened.keys) } },
    accessKeys,
    clock: systemClock,
    region: opened.region,
    onInternalError: (requestId, error) => {
      process.stderr.write(
        `pciq: internal error in request ${requestId}: ${(error as Error)?.stack ?? String(error)}\n`,
      );
    },
  });
  queues.start();
  opened.keys.start();
  if (!tls) {
    process.stderr.write(
      'WARNING: pciq is serving plain HTTP (--insecure-http). Traffic is unencrypted: this endpoint is OUT OF PCI DSS SCOPE and must not carry cardholder data.\n',
    );
  }
  process.stdout.write(
    `pciq listening on ${scheme}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${address.port}\n`,
  );

  let stopping = false;
  shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    queues.stop();
    opened.keys.stop();
    await accessKeys.flush().catch(() => undefined);
    await opened.keys.flushUsage().catch(() => undefined);
    await opened.store.close();
    process.exit(0);
  };
  if (stopRequested) await shutdown();
}
