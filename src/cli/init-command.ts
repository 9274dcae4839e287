import { parseArgs } from 'node:util';
import { systemClock } from '../core/index.ts';
import { type Bootstrap, type DataDirPaths, initializeDataDir, pathsOf } from './data-dir.ts';
import { defaultDataDir, defaultKeyFile, defaultPort, defaultRegion } from './defaults.ts';
import { rootKeyChoiceOf, rootKeyOptions, rootKeyUsage } from './root-key-options.ts';
import { storeOptions } from './store-option.ts';

export const initUsage = `pciq init [--data-dir DIR] [--region REGION] [--host HOST] [--port PORT] [--json]
           ${rootKeyUsage}
  Creates DIR (default ${defaultDataDir}), the root key (local: a key file outside DIR, default ${defaultKeyFile},
  mode 0600, sealed under a passphrase from --key-passphrase-file or PCIQ_KEY_PASSPHRASE if given; env: from
  PCIQ_MASTER_KEY; aws-kms: generated and wrapped by the AWS KMS key --aws-kms-key-id), a development CA and
  server certificate (DIR/tls/ca.pem), an account id and the bootstrap admin access key.`;

export async function initCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string', default: defaultDataDir },
      ...storeOptions,
      ...rootKeyOptions,
      region: { type: 'string', default: defaultRegion },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: String(defaultPort) },
      json: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const paths = pathsOf(values['data-dir'], values['key-file'], values.store);
  const bootstrap = await initializeDataDir(paths, {
    region: values.region,
    clock: systemClock,
    bringsOwnTls: false,
    extraHosts: [values.host],
    rootKey: rootKeyChoiceOf(values),
  });
  const endpoint = endpointOf(values.host, Number(values.port));
  if (values.json) process.stdout.write(`${JSON.stringify(bootstrapJson(paths, bootstrap, endpoint))}\n`);
  else process.stdout.write(bootstrapText(paths, bootstrap, endpoint));
}

/** The URL clients use: a wildcard bind address is not an address to connect to. */
export function endpointOf(host: string, port: number, scheme: 'https' | 'http' = 'https'): string {
  const connectHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `${scheme}://${connectHost.includes(':') ? `[${connectHost}]` : connectHost}:${port}`;
}

export function bootstrapJson(paths: DataDirPaths, bootstrap: Bootstrap, endpoint: string): Record<string, unknown> {
  return {
    endpoint,
    region: bootstrap.region,
    accountId: bootstrap.accountId,
    caFile: bootstrap.caFile,
    accessKeyId: bootstrap.credentials.accessKeyId,
    secretAccessKey: bootstrap.credentials.secretAccessKey,
    dataDir: paths.dataDir,
    keyFile: bootstrap.keyProvider === 'local' ? paths.keyFile : null,
    keyProvider: bootstrap.keyProvider,
  };
}

export function bootstrapText(paths: DataDirPaths, bootstrap: Bootstrap, endpoint: string): string {
  const { accessKeyId, secretAccessKey } = bootstrap.credentials;
  const ca = bootstrap.caFile ?? '(your own certificate)';
  return `pciq initialized ${paths.dataDir}
  endpoint           ${endpoint}
  region             ${bootstrap.region}
  account id         ${bootstrap.accountId}
  CA bundle          ${ca}
  root key           ${bootstrap.keyProvider === 'local' ? `${paths.keyFile}  (keep it apart from the data directory, and backed up)` : `held by the ${bootstrap.keyProvider} key provider`}
  access key id      ${accessKeyId}
  secret access key  ${secretAccessKey}

WARNING: the secret access key is shown only this once. Store it in a secrets manager now.

Point AWS clients at pciq:
  export AWS_ENDPOINT_URL=${endpoint} AWS_REGION=${bootstrap.region}
  export AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=<the secret above>
  export AWS_CA_BUNDLE=${ca} NODE_EXTRA_CA_CERTS=${ca}
`;
}
