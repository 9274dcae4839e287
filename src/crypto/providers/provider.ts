/**
 * What a data directory remembers about its root key: which provider holds it and anything that provider
 * needs to find it again (for wrapping providers, the wrapped root). Never secret; stored in the directory.
 */
export interface RootKeyRecord {
  provider: string;
  [detail: string]: string;
}

/**
 * Where the root key-encrypting key comes from. Small on purpose, so Azure Key Vault, Google Cloud KMS or
 * HashiCorp Vault transit can follow: a provider either holds the root itself (a key file, an environment
 * variable) or wraps a root generated for the directory with a key that never leaves its service.
 * Providers are called at start-up and by `pciq keys rewrap-root` only, never inside a store transaction.
 */
export interface KeyProvider {
  readonly kind: string;
  /** Safe for messages and logs: a path, a variable name, a key ARN; never key material. */
  readonly description: string;
  /** A root key for a new data directory (or a new root for rewrap-root), and the record that finds it again. */
  create(): Promise<{ root: Buffer; record: RootKeyRecord }>;
  /** The root key of an existing data directory. */
  load(record: RootKeyRecord): Promise<Buffer>;
}

/** A root key that cannot be had: missing, unreadable, wrong passphrase, refused by a remote KMS. */
export class RootKeyUnavailableError extends Error {}
