import { aeadKeyBytes } from '../aead.ts';
import { type KeyProvider, type RootKeyRecord, RootKeyUnavailableError } from './provider.ts';

export const masterKeyVariable = 'PCIQ_MASTER_KEY';

/**
 * `env`: the root key in an environment variable, base64, for containers whose orchestrator injects
 * secrets. The variable is removed from the environment once read, so child processes do not inherit it.
 */
export class EnvKeyProvider implements KeyProvider {
  readonly kind = 'env';
  readonly description: string;
  private readonly variable: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: { variable?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.variable = options.variable ?? masterKeyVariable;
    this.env = options.env ?? process.env;
    this.description = `environment variable ${this.variable}`;
  }

  async create(): Promise<{ root: Buffer; record: RootKeyRecord }> {
    return { root: await this.load(), record: { provider: this.kind } };
  }

  async load(): Promise<Buffer> {
    const text = this.env[this.variable]?.trim();
    if (!text) throw new RootKeyUnavailableError(`${this.variable} is not set; it must hold a base64 256-bit key`);
    const key = Buffer.from(text, 'base64');
    if (key.length !== aeadKeyBytes || key.toString('base64') !== text) {
      throw new RootKeyUnavailableError(`${this.variable} does not hold a base64 256-bit key`);
    }
    delete this.env[this.variable];
    return key;
  }
}
