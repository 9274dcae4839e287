import { existsSync } from 'node:fs';
import { KeyFileError, readKeyFile, writeKeyFile } from '../key-file.ts';
import { RootKey } from '../root-key.ts';
import { type KeyProvider, type RootKeyRecord, RootKeyUnavailableError } from './provider.ts';

/** `local`: the root key in a key file kept outside the data directory, optionally under a passphrase. */
export class LocalKeyProvider implements KeyProvider {
  readonly kind = 'local';
  readonly description: string;
  private readonly path: string;
  private readonly passphrase: string | undefined;
  private readonly scryptCost: number | undefined;

  constructor(options: { path: string; passphrase?: string; scryptCost?: number }) {
    this.path = options.path;
    this.passphrase = options.passphrase;
    this.scryptCost = options.scryptCost;
    this.description = `key file ${options.path}`;
  }

  async create(): Promise<{ root: Buffer; record: RootKeyRecord }> {
    // An operator may provision the key file before the directory; it is used as it is.
    if (existsSync(this.path)) return { root: await this.load(), record: { provider: this.kind } };
    const root = RootKey.generateSecret();
    try {
      writeKeyFile(this.path, root, this.passphrase, this.scryptCost);
    } catch (error) {
      throw asUnavailable(error);
    }
    return { root, record: { provider: this.kind } };
  }

  async load(): Promise<Buffer> {
    try {
      return readKeyFile(this.path, this.passphrase);
    } catch (error) {
      throw asUnavailable(error);
    }
  }
}

function asUnavailable(error: unknown): Error {
  return error instanceof KeyFileError ? new RootKeyUnavailableError(error.message) : (error as Error);
}
