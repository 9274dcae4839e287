import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isPciqError, systemClock } from '../core/index.ts';
import { type IamService, renderQrCode } from '../iam/index.ts';
import { CliError } from './cli-error.ts';
import { type Bootstrap, bootstrapAdminName, type DataDirPaths, initializeDataDir, pathsOf } from './data-dir.ts';
import { defaultDataDir, defaultKeyFile, defaultPort, defaultRegion } from './defaults.ts';
import { deviceNameOf, enrolMfaAtTerminal } from './mfa-enrolment.ts';
import { Prompter } from './prompt.ts';
import { rootKeyChoiceOf, rootKeyOptions, rootKeyUsage } from './root-key-options.ts';
import { storeOptions } from './store-option.ts';

export const initUsage = `pciq init [--data-dir DIR] [--region REGION] [--host HOST] [--port PORT] [--json]
           [--admin-password-file FILE | --interactive] ${rootKeyUsage}
  Creates DIR (default ${defaultDataDir}), the root key (local: a key file outside DIR, default ${defaultKeyFile},
  mode 0600, sealed under a passphrase from --key-passphrase-file or PCIQ_KEY_PASSPHRASE if given; env: from
  PCIQ_MASTER_KEY; aws-kms: generated and wrapped by the AWS KMS key --aws-kms-key-id), a development CA and
  server certificate (DIR/tls/ca.pem), an account id, and the IAM user admin (AdministratorAccess) with an
  access key for automation. At a terminal (or with --interactive) it asks for the admin's password and enrols
  an MFA device (QR code, two codes, recovery codes); with --admin-password-file it sets the password and creates
  the device, to be enabled with \`pciq iam enable-mfa admin --serial-number SN --code1 C --code2 C\`.`;

/** The administrator's sign-in as `pciq init` set it up. */
interface AdminLogin {
  userName: string;
  mfaSerialNumber: string;
  /** Only when the device still has to be enabled (non-interactive): the secret to enrol, shown once. */
  pendingMfa?: { base32Seed: string; otpauthUri: string };
}

function readPasswordFile(file: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch {
    throw new CliError(`cannot read the password file ${file}`);
  }
}

/**
 * The person who administers pciq gets a password they choose and an MFA device (PCI DSS 8.3, 8.4.2):
 * at the terminal, enrolled on the spot; from a password file, the device is created for enabling later.
 */
function adminEnrolment(values: { 'admin-password-file'?: string | undefined; interactive: boolean; json: boolean }) {
  const owner = { userName: bootstrapAdminName };
  if (values['admin-password-file'] !== undefined) {
    const password = readPasswordFile(values['admin-password-file']);
    return async (iam: IamService, accountId: string): Promise<AdminLogin> => {
      await iam.createLoginProfile(accountId, { owner, password, chosenByOwner: true });
      const device = await iam.createVirtualMfaDevice(accountId, { name: deviceNameOf(owner) });
      return {
        userName: bootstrapAdminName,
        mfaSerialNumber: device.serialNumber,
        pendingMfa: { base32Seed: device.base32Seed, otpauthUri: device.otpauthUri },
      };
    };
  }
  const isTerminal = Boolean(process.stdin.isTTY) && !values.json;
  if (!values.interactive && !isTerminal) return undefined;
  return async (iam: IamService, accountId: string): Promise<AdminLogin> => {
    const prompter = new Prompter();
    try {
      process.stderr.write(
        `Choose the password the administrator '${bootstrapAdminName}' signs in with (at least 12 characters, letters and digits).\n`,
      );
      for (let attempt = 1; ; attempt++) {
        const password = await prompter.ask('Password: ', { secret: true });
        const again = await prompter.ask('Password again: ', { secret: true });
        if (password === undefined || again === undefined)
          throw new CliError('no password given; run pciq iam set-password admin later');
        if (password !== again) {
          process.stderr.write('The two passwords differ.\n');
          continue;
        }
        try {
          await iam.createLoginProfile(accountId, { owner, password, chosenByOwner: true });
          break;
        } catch (error) {
          if (attempt >= 3 || !isPciqError(error) || error.code !== 'PasswordPolicyViolation') throw error;
          process.stderr.write(`${(error as Error).message}\n`);
        }
      }
      const { serialNumber } = await enrolMfaAtTerminal(iam, accountId, owner, prompter, (text) =>
        process.stderr.write(text),
      );
      return { userName: bootstrapAdminName, mfaSerialNumber: serialNumber };
    } finally {
      prompter.close();
    }
  };
}

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
      'admin-password-file': { type: 'string' },
      interactive: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const paths = pathsOf(values['data-dir'], values['key-file'], values.store);
  const enrolAdmin = adminEnrolment(values);
  const bootstrap = await initializeDataDir(paths, {
    region: values.region,
    clock: systemClock,
    bringsOwnTls: false,
    extraHosts: [values.host],
    rootKey: rootKeyChoiceOf(values),
    ...(enrolAdmin ? { enrolAdmin } : {}),
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

export function bootstrapJson(
  paths: DataDirPaths,
  bootstrap: Bootstrap & { enrolment?: AdminLogin | undefined },
  endpoint: string,
): Record<string, unknown> {
  return {
    adminLogin: bootstrap.enrolment
      ? {
          ...bootstrap.enrolment,
          ...(bootstrap.enrolment.pendingMfa
            ? {
                finish: `pciq iam enable-mfa ${bootstrapAdminName} --serial-number ${bootstrap.enrolment.mfaSerialNumber} --code1 CODE --code2 NEXT_CODE`,
              }
            : {}),
        }
      : null,
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

/** How the administrator signs in, or how to set that up. */
function adminLoginText(login: AdminLogin | undefined): string {
  if (!login) {
    return `\nThe administrator '${bootstrapAdminName}' has no password yet: people sign in with a password and MFA
(PCI DSS 8.4.2). Set them up with: pciq iam set-password ${bootstrapAdminName} --own && pciq iam enable-mfa ${bootstrapAdminName}\n`;
  }
  if (!login.pendingMfa)
    return `\nThe administrator '${login.userName}' signs in with the password and MFA device just set up.\n`;
  return `\nEnrol the administrator's MFA device ${login.mfaSerialNumber}: scan this QR code with an authenticator app,
or enter the key ${login.pendingMfa.base32Seed}; then run
  pciq iam enable-mfa ${login.userName} --serial-number ${login.mfaSerialNumber} --code1 CODE --code2 NEXT_CODE

${renderQrCode(login.pendingMfa.otpauthUri)}`;
}

export function bootstrapText(
  paths: DataDirPaths,
  bootstrap: Bootstrap & { enrolment?: AdminLogin | undefined },
  endpoint: string,
): string {
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
  export AWS_ENDPOINT_URL=${endpoint} AWS_REGION=${bootstrap.region} AWS_DEFAULT_REGION=${bootstrap.region}
  export AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=<the secret above>
  export AWS_CA_BUNDLE=${ca} NODE_EXTRA_CA_CERTS=${ca}
${adminLoginText(bootstrap.enrolment)}`;
}
