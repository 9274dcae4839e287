import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { post } from '../client/post.ts';
import { CliError } from './cli-error.ts';
import { Prompter } from './prompt.ts';

export const signInUsage = `pciq sign-in (--user NAME | --root) [--account ID] [--endpoint-url URL] [--ca-bundle FILE]
             [--duration-seconds 900..43200] [--password-file FILE] [--code CODE] [--json]
  Signs a person in to a running pciq with password and MFA code (asked for at the terminal unless given) and
  prints session credentials as shell exports (or JSON). They end after 15 minutes without a request. A password
  that must be changed first is asked for anew. Endpoint and CA bundle default to AWS_ENDPOINT_URL and
  AWS_CA_BUNDLE.`;

const options = {
  user: { type: 'string' },
  root: { type: 'boolean', default: false },
  account: { type: 'string' },
  'endpoint-url': { type: 'string' },
  'ca-bundle': { type: 'string' },
  'duration-seconds': { type: 'string' },
  'password-file': { type: 'string' },
  code: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

interface SignInAnswer {
  status: number;
  body: Record<string, unknown>;
}

async function callSignIn(
  endpoint: URL,
  ca: Buffer | undefined,
  input: Record<string, unknown>,
): Promise<SignInAnswer> {
  const body = JSON.stringify(input);
  const answer = await post(
    endpoint.protocol === 'https:',
    {
      hostname: endpoint.hostname,
      port: endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80),
      path: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'PciqSignIn.SignIn',
        'content-length': String(Buffer.byteLength(body)),
      },
      ...(ca ? { ca } : {}),
    },
    body,
  ).catch((error: unknown) => {
    throw new CliError(`cannot reach ${endpoint.origin}: ${(error as Error).message}`);
  });
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(answer.text || '{}') as Record<string, unknown>;
  } catch {
    throw new CliError(`${endpoint.origin} did not answer as pciq does (HTTP ${answer.status})`);
  }
  return { status: answer.status, body: parsed };
}

export async function signInCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  if ((values.user === undefined) === !values.root) throw new CliError('name the person: --user NAME, or --root');
  const endpointText = values['endpoint-url'] ?? process.env['AWS_ENDPOINT_URL'];
  if (!endpointText) throw new CliError('no endpoint: pass --endpoint-url https://HOST:PORT or set AWS_ENDPOINT_URL');
  let endpoint: URL;
  try {
    endpoint = new URL(endpointText);
  } catch {
    throw new CliError(`--endpoint-url must be a URL such as https://127.0.0.1:9324, not '${endpointText}'`);
  }
  const caFile = values['ca-bundle'] ?? process.env['AWS_CA_BUNDLE'];
  let ca: Buffer | undefined;
  if (caFile) {
    try {
      ca = readFileSync(caFile);
    } catch {
      throw new CliError(`cannot read the CA bundle ${caFile}`);
    }
  }
  const prompter = new Prompter();
  try {
    let password: string | undefined;
    if (values['password-file'] !== undefined) {
      try {
        password = readFileSync(values['password-file'], 'utf8').replace(/\r?\n$/, '');
      } catch {
        throw new CliError(`cannot read the password file ${values['password-file']}`);
      }
    } else password = await prompter.ask('Password: ', { secret: true });
    const code = values.code ?? (await prompter.ask('MFA code: '));
    if (!password || !code) throw new CliError('a password and an MFA code are needed to sign in');
    const input: Record<string, unknown> = {
      Password: password,
      TokenCode: code,
      ...(values.user !== undefined ? { UserName: values.user } : {}),
      ...(values.account !== undefined ? { AccountId: values.account } : {}),
      ...(values['duration-seconds'] !== undefined ? { DurationSeconds: Number(values['duration-seconds']) } : {}),
    };
    let answer = await callSignIn(endpoint, ca, input);
    if (answer.status === 403 && answer.body['__type'] === 'PasswordResetRequiredException') {
      process.stderr.write('The password must be changed before the first sign-in (PCI DSS 8.3.5).\n');
      const newPassword = await prompter.ask('New password: ', { secret: true });
      const again = await prompter.ask('New password again: ', { secret: true });
      if (!newPassword || newPassword !== again) throw new CliError('the new passwords are missing or differ');
      const nextCode = await prompter.ask('Next MFA code (a code is good once): ');
      if (!nextCode) throw new CliError('a new MFA code is needed to sign in');
      answer = await callSignIn(endpoint, ca, { ...input, NewPassword: newPassword, TokenCode: nextCode });
    }
    if (answer.status !== 200) {
      throw new CliError(
        `${String(answer.body['__type'] ?? `HTTP ${answer.status}`)}: ${String(answer.body['message'] ?? '')}`,
      );
    }
    const credentials = answer.body['Credentials'] as Record<string, string | number>;
    const expiration = new Date(Number(credentials['Expiration']) * 1000).toISOString();
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ ...answer.body, Credentials: { ...credentials, Expiration: expiration } })}\n`,
      );
      return;
    }
    process.stdout.write(
      `export AWS_ACCESS_KEY_ID=${credentials['AccessKeyId']}\n` +
        `export AWS_SECRET_ACCESS_KEY=${credentials['SecretAccessKey']}\n` +
        `export AWS_SESSION_TOKEN=${credentials['SessionToken']}\n` +
        `# ${String(answer.body['PrincipalArn'])} until ${expiration}, ended after ${Number(answer.body['IdleTimeoutSeconds']) / 60} minutes without a request\n`,
    );
  } finally {
    prompter.close();
  }
}
