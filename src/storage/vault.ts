/**
 * The tokenization vault's part of the storage contract (`tx.vault`). A token row holds the card number
 * and the token's metadata sealed apart from each other (two ciphertexts under the vault's key, so showing
 * a masked value never opens the PAN), and in clear only what is not card data: the keyed hash of the token
 * it is found by, the keyed fingerprint of a convergent token (PCI DSS 3.5.1.1: hashes of PANs are keyed),
 * who created it and when it expires. Token values themselves are never a column.
 */
export interface VaultTokenRow {
  accountId: string;
  /** Keyed hash of the token: how a token is looked up without storing it. */
  tokenRef: string;
  /** The token format, e.g. `opaque`, `fp6` (see src/vault/token-format.ts). */
  format: string;
  /** The PAN, sealed under the vault's key. */
  sealedPan: Uint8Array;
  /** The token's metadata (the token itself, brand, BIN, last four, length, expiry month), sealed apart. */
  sealedMeta: Uint8Array;
  /** The convergence scope; '' for a token that is random every time. */
  scope: string;
  /** Keyed hash of scope and PAN, for convergent tokens only; null otherwise. */
  fingerprint: string | null;
  /** Principal ARN of the creator. */
  createdBy: string;
  createdAtMs: number;
  /** Null when the token does not expire. */
  expiresAtMs: number | null;
}

/** Which of a token's two ciphertexts a read wants: the PAN's or the metadata's. */
export type SealedTokenPart = 'pan' | 'meta';

/** One ciphertext of a token and what decides whether it may still be opened. */
export interface SealedTokenValue {
  sealed: Uint8Array;
  expiresAtMs: number | null;
}

export interface VaultReadTx {
  getToken(accountId: string, tokenRef: string): Promise<VaultTokenRow | undefined>;
  /**
   * One ciphertext of each token in `tokenRefs`, in their order (undefined for a token that does not exist),
   * all from one snapshot: what detokenizations read. The other ciphertext stays in storage, so a masked
   * read never even loads a PAN's.
   */
  getSealedTokens(
    accountId: string,
    tokenRefs: readonly string[],
    part: SealedTokenPart,
  ): Promise<Array<SealedTokenValue | undefined>>;
  /** The convergent token of `fingerprint` in `scope`, if any, expired or not. */
  findConvergent(accountId: string, scope: string, fingerprint: string): Promise<VaultTokenRow | undefined>;
  /** Tokens of every account in storage order after `cursor` ('' for the start), at most `limit`. */
  scanTokens(cursor: string, limit: number): Promise<Array<VaultTokenRow & { cursor: string }>>;
}

export interface VaultWriteTx extends VaultReadTx {
  /**
   * Inserts new tokens (one call for however many a tokenization issues); a reference in use fails the call.
   * A convergent row whose scope already has a token for its fingerprint (another node's, committed meanwhile)
   * is not inserted: the references of such rows are returned, for the caller to take the existing tokens.
   */
  insertTokens(rows: readonly VaultTokenRow[]): Promise<string[]>;
  /** Deletes a token: its sealed PAN goes with it. Returns whether it existed. */
  deleteToken(accountId: string, tokenRef: string): Promise<boolean>;
  /** Deletes tokens whose expiry is at or before `nowMs`, at most `limit`; returns how many. */
  deleteExpiredTokens(nowMs: number, limit: number): Promise<number>;
  /** Replaces a token's ciphertexts (re-encryption under a newer key version), nothing else. */
  replaceTokenSeals(
    accountId: string,
    tokenRef: string,
    seals: { sealedPan?: Uint8Array; sealedMeta?: Uint8Array },
  ): Promise<void>;
}
