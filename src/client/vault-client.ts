import { Agent } from 'node:https';
import type { Redaction, TokenFormat } from '../vault/index.ts';
import { post } from './post.ts';
import { type Credentials, SigV4Signer } from './sigv4-signer.ts';

export interface VaultClientOptions {
  /** e.g. https://127.0.0.1:9324 */
  endpoint: string;
  region: string;
  credentials: Credentials;
  /** PEM of a CA to trust besides the system's (pciq's development CA). */
  ca?: string | Buffer;
}

export interface TokenizeInput {
  /** The card number, with or without spaces or dashes. */
  pan: string;
  format?: TokenFormat;
  /** Convergent tokenization: the same PAN in this scope gets the same token. */
  scope?: string;
  ttlSeconds?: number;
  /** MM/YY */
  expiryMonth?: string;
  reason?: string;
}

/** What `tokenizeBatch` takes: the options of `tokenize`, applying to every card of the call. */
export interface TokenizeBatchInput extends Omit<TokenizeInput, 'pan'> {
  /** Card numbers, with or without spaces or dashes. */
  pans: string[];
}

export interface TokenizeOutput {
  token: string;
  format: TokenFormat;
  brand: string;
  last4: string;
  reused: boolean;
  expiresAt?: Date;
}

export interface DetokenizeOutput {
  value: string;
  redaction: Redaction;
  brand: string;
  last4?: string;
  expiryMonth?: string;
}

function tokenizeOptionsOf(input: Omit<TokenizeInput, 'pan'>): Record<string, unknown> {
  return {
    Format: input.format,
    Scope: input.scope,
    TtlSeconds: input.ttlSeconds,
    ExpiryMonth: input.expiryMonth,
    Reason: input.reason,
  };
}

function tokenizeOutputOf(output: Record<string, unknown>): TokenizeOutput {
  const result: TokenizeOutput = {
    token: String(output['Token']),
    format: output['Format'] as TokenFormat,
    brand: String(output['Brand']),
    last4: String(output['Last4']),
    reused: output['Reused'] === true,
  };
  if (typeof output['ExpiresAt'] === 'number') result.expiresAt = new Date(output['ExpiresAt'] * 1000);
  return result;
}

/** An error answered by the vault API, with the code AWS SDKs would name it by. */
export class VaultServiceError extends Error {
  readonly code: string;
  readonly status: number;
  readonly requestId: string | undefined;

  constructor(code: string, message: string, status: number, requestId: string | undefined) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status;
    this.requestId = requestId;
  }
}

/**
 * A typed client of pciq's token vault API (AWS JSON 1.1, `X-Amz-Target: PciqVault.<Action>`, SigV4
 * service `vault`) over HTTPS with keep-alive.
 *
 * ```ts
 * const vault = new VaultClient({ endpoint, region, credentials, ca });
 * const { token } = await vault.tokenize({ pan: '4111 1111 1111 1111', reason: 'checkout' });
 * const { value } = await vault.detokenize({ token, redaction: 'masked', reason: 'support ticket 42' });
 * ```
 */
export class VaultClient {
  private readonly url: URL;
  private readonly signer: SigV4Signer;
  private readonly agent: Agent;

  constructor(options: VaultClientOptions) {
    this.url = new URL(options.endpoint);
    if (this.url.protocol !== 'https:') throw new TypeError('the vault API is served over HTTPS only');
    this.signer = new SigV4Signer(options.credentials, options.region, 'vault');
    this.agent = new Agent({ keepAlive: true, ...(options.ca ? { ca: options.ca } : {}) });
  }

  async tokenize(input: TokenizeInput): Promise<TokenizeOutput> {
    const { pan, ...options } = input;
    return tokenizeOutputOf(await this.call('Tokenize', { Pan: pan, ...tokenizeOptionsOf(options) }));
  }

  /**
   * Tokens for many card numbers in one call (at most 1,000), in their order: one request, one unit of work
   * and one audit record for the lot. All or nothing: an entry that is not a card number fails the call
   * with a ValidationException naming its position.
   */
  async tokenizeBatch(input: TokenizeBatchInput): Promise<TokenizeOutput[]> {
    const { pans, ...options } = input;
    const output = await this.call('Tokenize', { Pans: pans, ...tokenizeOptionsOf(options) });
    return (output['Tokens'] as Array<Record<string, unknown>>).map(tokenizeOutputOf);
  }

  async detokenize(input: { token: string; redaction?: Redaction; reason?: string }): Promise<DetokenizeOutput> {
    const output = await this.call('Detokenize', {
      Token: input.token,
      Redaction: input.redaction,
      Reason: input.reason,
    });
    const result: DetokenizeOutput = {
      value: String(output['Value']),
      redaction: output['Redaction'] as Redaction,
      brand: String(output['Brand']),
    };
    if (typeof output['Last4'] === 'string') result.last4 = output['Last4'];
    if (typeof output['ExpiryMonth'] === 'string') result.expiryMonth = output['ExpiryMonth'];
    return result;
  }

  async deleteToken(input: { token: string; reason?: string }): Promise<void> {
    await this.call('DeleteToken', { Token: input.token, Reason: input.reason });
  }

  close(): void {
    this.agent.destroy();
  }

  private async call(action: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const body = JSON.stringify(input);
    const path = this.url.pathname || '/';
    const headers = this.signer.sign({
      host: this.url.host,
      path,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `PciqVault.${action}`,
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
    });
    const answer = await post(
      true,
      { hostname: this.url.hostname, port: this.url.port || 443, path, headers, agent: this.agent },
      body,
    );
    let parsed: Record<string, unknown>;
    try {
      parsed = answer.text === '' ? {} : (JSON.parse(answer.text) as Record<string, unknown>);
    } catch {
      parsed = { message: `unreadable answer (HTTP ${answer.status})` };
    }
    if (answer.status >= 200 && answer.status < 300) return parsed;
    throw new VaultServiceError(
      String(parsed['__type'] ?? 'UnknownError').replace(/^.*#/, ''),
      String(parsed['message'] ?? `HTTP ${answer.status}`),
      answer.status,
      answer.requestId,
    );
  }
}
