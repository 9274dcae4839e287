import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  ClientSettingsError,
  resolveClientSettings,
  type TokenizeInput,
  VaultClient,
  VaultServiceError,
} from '../client/index.ts';
import { isUntrustedChain } from '../core/index.ts';
import { maskCardNumbers } from '../guard/index.ts';
import {
  isTokenFormat,
  maxTokenizeBatch,
  normalizePan,
  type Redaction,
  redactions,
  tokenFormats,
} from '../vault/index.ts';
import { CliError } from './cli-error.ts';

export const tokensUsage = `pciq tokens tokenize [--format FORMAT] [--scope NAME] [--ttl-seconds N] [--expiry MM/YY] [--reason TEXT]
pciq tokens detokenize TOKEN... [--redaction masked|plain|redacted] [--reason TEXT]
pciq tokens delete TOKEN... [--reason TEXT]
           common: [--endpoint-url URL] [--region REGION] [--profile NAME] [--ca-bundle FILE] [--json]
  Calls the token vault of a running pciq with the usual AWS settings: credentials (AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, or a profile's static keys: AWS_PROFILE or --profile), region
  (AWS_REGION), endpoint (AWS_ENDPOINT_URL_VAULT or AWS_ENDPOINT_URL) and CA bundle (AWS_CA_BUNDLE; pciq's
  development CA is DATA_DIR/tls/ca.pem). tokenize reads card numbers from standard input, one
  per line, never from the command line (which shell history and ps would keep). FORMAT: ${tokenFormats.join(', ')}.
  detokenize shows masked values (first six, last four) unless --redaction plain is asked for.`;

const options = {
  'endpoint-url': { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  'ca-bundle': { type: 'string' },
  json: { type: 'boolean', default: false },
  format: { type: 'string' },
  scope: { type: 'string' },
  'ttl-seconds': { type: 'string' },
  expiry: { type: 'string' },
  reason: { type: 'string' },
  redaction: { type: 'string', default: 'masked' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

/** The client, and the endpoint it calls (for error messages: the one resolved, wherever it came from). */
function clientOf(values: Values): { client: VaultClient; endpoint: string } {
  let settings: ReturnType<typeof resolveClientSettings>;
  try {
    settings = resolveClientSettings('vault', process.env, {
      ...(values.profile !== undefined ? { profile: values.profile } : {}),
      ...(values.region !== undefined ? { region: values.region } : {}),
      ...(values['endpoint-url'] !== undefined ? { endpoint: values['endpoint-url'] } : {}),
    });
  } catch (error) {
    if (error instanceof ClientSettingsError) throw new CliError(error.message);
    throw error;
  }
  if (!settings.endpoint)
    throw new CliError('no endpoint: pass --endpoint-url https://HOST:PORT or set AWS_ENDPOINT_URL');
  const caFile = values['ca-bundle'] ?? settings.caFile;
  let ca: Buffer | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile);
    } catch (error) {
      throw new CliError(`cannot read the CA bundle ${caFile}: ${(error as Error).message}`);
    }
  }
  try {
    const client = new VaultClient({
      endpoint: settings.endpoint,
      region: settings.region,
      credentials: settings.credentials,
      ...(ca ? { ca } : {}),
    });
    return { client, endpoint: settings.endpoint };
  } catch (error) {
    // The endpoint may come from the environment or the profile as well as from --endpoint-url: name it.
    throw new CliError(`endpoint ${settings.endpoint}: ${(error as Error).message}`);
  }
}

/** A failed call as one line: the service's code and message, or why it could not be reached and what to do. */
function callFailed(error: unknown, endpoint: string): CliError {
  if (error instanceof VaultServiceError) return new CliError(`${error.code}: ${maskCardNumbers(error.message)}`);
  const code = (error as NodeJS.ErrnoException).code;
  // The server answered but its certificate is not trusted: "is pciq serve running?" would send people looking
  // in the wrong place.
  if (isUntrustedChain(code)) {
    return new CliError(
      `the TLS certificate of ${endpoint} is not issued by a CA this command trusts (${code}): pass --ca-bundle FILE or set AWS_CA_BUNDLE (pciq's development CA is DATA_DIR/tls/ca.pem)`,
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new CliError(
      `the TLS certificate of ${endpoint} does not name its host (${code}): use a host name the certificate lists`,
    );
  }
  return new CliError(
    `cannot reach the vault at ${endpoint} (${code ?? (error as Error).message}); is pciq serve running there?`,
  );
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function tokenizeInputOf(values: Values): Omit<TokenizeInput, 'pan'> {
  const input: Omit<TokenizeInput, 'pan'> = {};
  if (values.format !== undefined) {
    if (!isTokenFormat(values.format)) throw new CliError(`--format must be one of ${tokenFormats.join(', ')}`);
    input.format = values.format;
  }
  if (values.scope !== undefined) input.scope = values.scope;
  if (values['ttl-seconds'] !== undefined) {
    // The upper bound is the vault's to check (and to name): ten years.
    if (!/^[1-9]\d*$/.test(values['ttl-seconds']))
      throw new CliError('--ttl-seconds must be a whole number of seconds, 1 or more');
    input.ttlSeconds = Number(values['ttl-seconds']);
  }
  if (values.expiry !== undefined) input.expiryMonth = values.expiry;
  if (values.reason !== undefined) input.reason = values.reason;
  return input;
}

async function tokenize(client: VaultClient, values: Values, endpoint: string): Promise<void> {
  const input = tokenizeInputOf(values);
  const pans: string[] = [];
  const lineOf: number[] = [];
  for (const [index, line] of (await readStdin()).split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    // Checked here so that the error names the line (never its digits) before anything is tokenized.
    if (!normalizePan(line))
      throw new CliError(`line ${index + 1}: not a card number of 13 to 19 digits that passes the Luhn check`);
    pans.push(line.trim());
    lineOf.push(index + 1);
  }
  if (pans.length === 0) throw new CliError('no card numbers on standard input (one per line)');
  const results: Array<{ token: string; brand: string; last4: string; reused: boolean }> = [];
  let failure: CliError | undefined;
  // One call per thousand cards: each call is one unit of work and one audit record in the vault.
  for (let start = 0; start < pans.length; start += maxTokenizeBatch) {
    try {
      const batch = await client.tokenizeBatch({ ...input, pans: pans.slice(start, start + maxTokenizeBatch) });
      for (const r of batch) results.push({ token: r.token, brand: r.brand, last4: r.last4, reused: r.reused });
    } catch (error) {
      const reason = callFailed(error, endpoint).message;
      failure = new CliError(
        start === 0 ? reason : `the cards from line ${lineOf[start]} on were not tokenized: ${reason}`,
      );
      break;
    }
  }
  // Tokens issued before a failure are printed all the same: they exist in the vault now.
  if (results.length > 0) {
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ tokens: results })}\n`
        : `${results.map((r) => `${r.token}  ${r.brand}  ending ${r.last4}${r.reused ? '  (existing)' : ''}`).join('\n')}\n`,
    );
  }
  if (failure) throw failure;
}

/**
 * The failure of the call for the `index`th of `count` tokens. Tokens are named by position: one given by
 * mistake may be a card number, which must not reach the terminal's scrollback or a log.
 */
function tokenFailed(error: unknown, endpoint: string, index: number, count: number): CliError {
  const reason = callFailed(error, endpoint).message;
  if (count === 1) return new CliError(reason);
  const done = index === 0 ? '' : `; the ${index} before it ${index === 1 ? 'was' : 'were'} done (see above)`;
  return new CliError(`token ${index + 1} of ${count}: ${reason.replace(/\.$/, '')}${done}`);
}

/** Calls `call` for each token in order, stopping at the first failure, which it returns (see `tokenFailed`). */
async function forEachToken(
  tokens: readonly string[],
  endpoint: string,
  call: (token: string) => Promise<void>,
): Promise<CliError | undefined> {
  for (const [index, token] of tokens.entries()) {
    try {
      await call(token);
    } catch (error) {
      return tokenFailed(error, endpoint, index, tokens.length);
    }
  }
  return undefined;
}

async function detokenize(client: VaultClient, tokens: string[], values: Values, endpoint: string) {
  if (!(redactions as readonly string[]).includes(values.redaction))
    throw new CliError(`--redaction must be one of ${redactions.join(', ')}`);
  const redaction = values.redaction as Redaction;
  const results: Array<{ token: string; value: string; brand: string }> = [];
  const failure = await forEachToken(tokens, endpoint, async (token) => {
    const result = await client.detokenize({
      token,
      redaction,
      ...(values.reason !== undefined ? { reason: values.reason } : {}),
    });
    results.push({ token, value: result.value, brand: result.brand });
  });
  // What was detokenized before a failure is shown: the vault has recorded it as revealed to this caller.
  if (results.length > 0) {
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ values: results })}\n`
        : `${results.map((r) => `${r.token}  ${r.brand}  ${r.value}`).join('\n')}\n`,
    );
  }
  if (failure) throw failure;
}

async function remove(client: VaultClient, tokens: string[], values: Values, endpoint: string) {
  let deleted = 0;
  const failure = await forEachToken(tokens, endpoint, async (token) => {
    await client.deleteToken({ token, ...(values.reason !== undefined ? { reason: values.reason } : {}) });
    deleted++;
  });
  if (deleted > 0 || !failure)
    process.stdout.write(values.json ? `${JSON.stringify({ deleted })}\n` : `deleted ${deleted}\n`);
  if (failure) throw failure;
}

export async function tokensCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'tokenize' && sub !== 'detokenize' && sub !== 'delete')
    throw new CliError(`unknown tokens command '${String(sub ?? '')}'; use tokenize, detokenize or delete`);
  const { values, positionals } = parseArgs({ args: rest, options, strict: true, allowPositionals: true });
  if (sub === 'tokenize' && positionals.length > 0) {
    throw new CliError(
      'tokenize reads card numbers from standard input only, never from arguments (shell history and ps keep those)',
    );
  }
  if (sub !== 'tokenize' && positionals.length === 0) throw new CliError(`${sub} needs at least one TOKEN`);
  const { client, endpoint } = clientOf(values);
  try {
    if (sub === 'tokenize') await tokenize(client, values, endpoint);
    else if (sub === 'detokenize') await detokenize(client, positionals, values, endpoint);
    else await remove(client, positionals, values, endpoint);
  } finally {
    client.close();
  }
}
