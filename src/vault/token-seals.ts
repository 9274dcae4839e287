import type { KeySession, SealingKey } from '../keys/index.ts';

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
  return key.seal(Buffer.from(cardPlaintext(digits, expiryMonth), 'utf8'), place);
}

export function cardPlaintext(digits: string, expiryMonth: string | undefined): string {
  return expiryMonth === undefined ? digits : `${digits} ${expiryMonth}`;
}

export function openCard(
  session: KeySession,
  vaultArn: string,
  tokenRef: string,
  sealedPan: Uint8Array,
): { digits: string; expiryMonth?: string } {
  const [digits = '', expiryMonth] = session
    .open(sealedPan, vaultArn, sealedPlaces(tokenRef).pan)
    .toString('utf8')
    .split(' ');
  return expiryMonth === undefined ? { digits } : { digits, expiryMonth };
}

/**
 * The metadata's plaintext: its fields joined by spaces, as the card's are (none can hold a space: the token,
 * the brand, the first six and last four digits, the length, the expiry month MM/YY). Half the size of the
 * JSON it replaced, which matters in a row written per token; metadata sealed as JSON before still opens.
 */
export function sealMeta(key: SealingKey, place: string, meta: TokenMeta): Buffer {
  return key.seal(Buffer.from(metaPlaintext(meta), 'latin1'), place);
}

export function metaPlaintext(meta: TokenMeta): string {
  const fields = `${meta.token} ${meta.brand} ${meta.bin} ${meta.last4} ${meta.length}`;
  return meta.expiryMonth === undefined ? fields : `${fields} ${meta.expiryMonth}`;
}

export function openMeta(session: KeySession, vaultArn: string, tokenRef: string, sealedMeta: Uint8Array): TokenMeta {
  const plain = session.open(sealedMeta, vaultArn, sealedPlaces(tokenRef).meta).toString('latin1');
  if (plain.startsWith('{')) return metaFromJson(plain);
  const [token = '', brand = '', bin = '', last4 = '', length = '', expiryMonth] = plain.split(' ');
  const meta: TokenMeta = { token, brand, bin, last4, length: Number(length) };
  if (expiryMonth !== undefined) meta.expiryMonth = expiryMonth;
  return meta;
}

/** Metadata as tokens made before the space-separated layout have it sealed. */
function metaFromJson(plain: string): TokenMeta {
  const fields = JSON.parse(plain) as { t: string; b: string; n: string; l: string; c: number; x?: string };
  const meta: TokenMeta = { token: fields.t, brand: fields.b, bin: fields.n, last4: fields.l, length: fields.c };
  if (fields.x !== undefined) meta.expiryMonth = fields.x;
  return meta;
}
