import type { KeySession, SealingKey } from '../keys/index.ts';
import type { VaultTokenRow } from '../storage/index.ts';

/** The account's AWS managed key for the vault, created with its first token. */
export const vaultKeyAlias = 'alias/aws/vault';

/** What a token row keeps about its card besides the PAN, sealed apart from it. */
export interface TokenMeta {
  token: string;
  brand: string;
  /** First six digits. */
  bin: string;
  last4: string;
  length: number;
  expiryMonth?: string;
}

/**
 * Where each ciphertext of a token belongs: bound into its additional authenticated data, so the PAN of one
 * token cannot be swapped into another's row, nor the metadata into the PAN's place.
 */
export function sealedPlaces(tokenRef: string): { pan: string; meta: string } {
  return { pan: `pan:${tokenRef}`, meta: `meta:${tokenRef}` };
}

/**
 * The card itself: the PAN, and its expiry month when known (PCI DSS: cardholder data stored with the PAN
 * is protected with it). A plain detokenization opens this ciphertext alone.
 */
export function sealCard(key: SealingKey, place: string, digits: string, expiryMonth: string | undefined): Buffer {
  return key.seal(Buffer.from(expiryMonth === undefined ? digits : `${digits} ${expiryMonth}`, 'utf8'), place);
}

export function openCard(
  session: KeySession,
  vaultArn: string,
  row: VaultTokenRow,
): { digits: string; expiryMonth?: string } {
  const [digits = '', expiryMonth] = session
    .open(row.sealedPan, vaultArn, sealedPlaces(row.tokenRef).pan)
    .toString('utf8')
    .split(' ');
  return expiryMonth === undefined ? { digits } : { digits, expiryMonth };
}

export function sealMeta(key: SealingKey, place: string, meta: TokenMeta): Buffer {
  const plain: Record<string, string | number> = {
    t: meta.token,
    b: meta.brand,
    n: meta.bin,
    l: meta.last4,
    c: meta.length,
  };
  if (meta.expiryMonth !== undefined) plain['x'] = meta.expiryMonth;
  return key.seal(Buffer.from(JSON.stringify(plain), 'utf8'), place);
}

export function openMeta(session: KeySession, vaultArn: string, row: VaultTokenRow): TokenMeta {
  const plain = JSON.parse(
    session.open(row.sealedMeta, vaultArn, sealedPlaces(row.tokenRef).meta).toString('utf8'),
  ) as {
    t: string;
    b: string;
    n: string;
    l: string;
    c: number;
    x?: string;
  };
  const meta: TokenMeta = { token: plain.t, brand: plain.b, bin: plain.n, last4: plain.l, length: plain.c };
  if (plain.x !== undefined) meta.expiryMonth = plain.x;
  return meta;
}
