import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Credentials } from './sigv4-signer.ts';

/** Where and as whom a client calls pciq, resolved the way the AWS CLI and SDKs resolve it. */
export interface ClientSettings {
  credentials: Credentials;
  region: string;
  /** Undefined when neither an option, the environment nor the profile names one. */
  endpoint: string | undefined;
  /** A CA bundle to trust (AWS_CA_BUNDLE or the profile's ca_bundle). */
  caFile: string | undefined;
}

export class ClientSettingsError extends Error {}

type Sections = Map<string, Map<string, string>>;

/** The INI files of the AWS CLI: `[section]` then `key = value`; `#` and `;` start comments. */
function readIni(path: string): Sections {
  const sections: Sections = new Map();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return sections;
  }
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const equals = line.indexOf('=');
    if (current && equals > 0) current.set(line.slice(0, equals).trim().toLowerCase(), line.slice(equals + 1).trim());
  }
  return sections;
}

/**
 * Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, or else from the profile
 * (`options.profile`, AWS_PROFILE or `default`) in the shared credentials and config files; region,
 * endpoint (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL or the profile's endpoint_url) and CA bundle the
 * same way. Static credentials only: for SSO or role assumption, export the temporary credentials first.
 */
export function resolveClientSettings(
  service: string,
  env: NodeJS.ProcessEnv,
  options: { profile?: string; region?: string; endpoint?: string } = {},
): ClientSettings {
  const home = env['HOME'] ?? homedir();
  const profileName = options.profile ?? env['AWS_PROFILE'] ?? 'default';
  const credentialsFile = readIni(env['AWS_SHARED_CREDENTIALS_FILE'] ?? join(home, '.aws', 'credentials'));
  const configFile = readIni(env['AWS_CONFIG_FILE'] ?? join(home, '.aws', 'config'));
  const profile = new Map([
    ...(configFile.get(profileName === 'default' ? 'default' : `profile ${profileName}`) ?? []),
    ...(credentialsFile.get(profileName) ?? []),
  ]);
  const fromEnv = options.profile === undefined && env['AWS_ACCESS_KEY_ID'] && env['AWS_SECRET_ACCESS_KEY'];
  const accessKeyId = fromEnv ? env['AWS_ACCESS_KEY_ID'] : profile.get('aws_access_key_id');
  const secretAccessKey = fromEnv ? env['AWS_SECRET_ACCESS_KEY'] : profile.get('aws_secret_access_key');
  const sessionToken = fromEnv ? env['AWS_SESSION_TOKEN'] : profile.get('aws_session_token');
  if (!accessKeyId || !secretAccessKey) {
    throw new ClientSettingsError(
      `no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile with static keys (AWS_PROFILE, now '${profileName}')`,
    );
  }
  const region = options.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? profile.get('region');
  if (!region) throw new ClientSettingsError('no region: set AWS_REGION or the profile’s region');
  const endpoint =
    options.endpoint ??
    env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] ??
    env['AWS_ENDPOINT_URL'] ??
    profile.get('endpoint_url');
  return {
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
    region,
    endpoint,
    caFile: env['AWS_CA_BUNDLE'] ?? profile.get('ca_bundle'),
  };
}
