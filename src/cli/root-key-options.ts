import {
  AwsKmsKeyProvider,
  EnvKeyProvider,
  type KeyFileError,
  type KeyProvider,
  LocalKeyProvider,
  masterKeyVariable,
  readPassphraseFile,
} from '../crypto/index.ts';
import { CliError } from './cli-error.ts';
import { defaultKeyFile } from './defaults.ts';

export const passphraseVariable = 'PCIQ_KEY_PASSPHRASE';
const providerKinds = ['local', 'env', 'aws-kms'] as const;
type ProviderKind = (typeof providerKinds)[number];

/** The options every command that needs the root key takes (init, serve, keys). */
export const rootKeyOptions = {
  'key-provider': { type: 'string' },
  'key-file': { type: 'string', default: defaultKeyFile },
  'key-passphrase-file': { type: 'string' },
  'aws-kms-key-id': { type: 'string' },
} as const;

export const rootKeyUsage = `[--key-provider local|env|aws-kms] [--key-file FILE] [--key-passphrase-file FILE] [--aws-kms-key-id ID]`;

export interface RootKeyChoice {
  provider: ProviderKind | undefined;
  keyFile: string;
  passphraseFile: string | undefined;
  awsKmsKeyId: string | undefined;
  /** The root key's secrets that came in environment variables, taken out of the environment. */
  secrets: RootKeySecrets;
}

/** A passphrase of the key file (local provider) or the root key itself (env provider), as given. */
export type RootKeySecrets = Partial<Record<typeof passphraseVariable | typeof masterKeyVariable, string>>;

/**
 * Takes the root key's secrets out of the environment once, when the command line is read: no child
 * process inherits them (function sandboxes, serving workers), and every step of the command that needs the
 * root key reads them from the choice — initializing a data directory and then opening it, and `pciq serve`'s
 * workers, which get them from the primary over their IPC channel.
 */
function takeSecrets(env: NodeJS.ProcessEnv): RootKeySecrets {
  const secrets: RootKeySecrets = {};
  for (const variable of [passphraseVariable, masterKeyVariable] as const) {
    const value = env[variable];
    delete env[variable];
    if (value !== undefined && value !== '') secrets[variable] = value;
  }
  return secrets;
}

export function rootKeyChoiceOf(
  values: {
    'key-provider'?: string | undefined;
    'key-file': string;
    'key-passphrase-file'?: string | undefined;
    'aws-kms-key-id'?: string | undefined;
  },
  env: NodeJS.ProcessEnv = process.env,
): RootKeyChoice {
  const provider = values['key-provider'];
  if (provider !== undefined && !(providerKinds as readonly string[]).includes(provider)) {
    throw new CliError(`--key-provider must be one of ${providerKinds.join(', ')}, not ${provider}`);
  }
  return {
    provider: provider as ProviderKind | undefined,
    keyFile: values['key-file'],
    passphraseFile: values['key-passphrase-file'],
    awsKmsKeyId: values['aws-kms-key-id'],
    secrets: takeSecrets(env),
  };
}

/** The passphrase from --key-passphrase-file or PCIQ_KEY_PASSPHRASE. */
function passphraseOf(choice: RootKeyChoice): string | undefined {
  if (choice.passphraseFile !== undefined) {
    try {
      return readPassphraseFile(choice.passphraseFile);
    } catch (error) {
      throw new CliError((error as KeyFileError).message);
    }
  }
  return choice.secrets[passphraseVariable];
}

/**
 * The provider that holds the root key: the one a data directory recorded (`recorded`), which an explicit
 * --key-provider must agree with, or the one asked for when there is no directory yet (default local).
 */
export function providerFor(choice: RootKeyChoice, recorded: string | undefined): KeyProvider {
  if (recorded !== undefined && choice.provider !== undefined && recorded !== choice.provider) {
    throw new CliError(
      `this data directory's root key is held by the ${recorded} key provider, not ${choice.provider}`,
    );
  }
  const kind = (recorded ?? choice.provider ?? 'local') as ProviderKind;
  switch (kind) {
    case 'local': {
      const passphrase = passphraseOf(choice);
      return new LocalKeyProvider({ path: choice.keyFile, ...(passphrase !== undefined ? { passphrase } : {}) });
    }
    case 'env':
      // A copy: the provider forgets what it read, and the choice may open the root key again.
      return new EnvKeyProvider({ env: { ...choice.secrets } });
    case 'aws-kms':
      return new AwsKmsKeyProvider(choice.awsKmsKeyId !== undefined ? { keyId: choice.awsKmsKeyId } : {});
    default:
      throw new CliError(`this data directory's root key is held by an unknown key provider (${String(kind)})`);
  }
}
