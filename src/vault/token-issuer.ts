import { type Caller, type Clock, PciqError } from '../core/index.ts';
import { type SealItem, warnSealingAheadFailed } from '../crypto/index.ts';
import type { KeySession, Sealer } from '../keys/index.ts';
import type { VaultTokenRow, WriteTx } from '../storage/index.ts';
import { brandOf } from './card-brands.ts';
import { newToken, orderingPrefixOf, type TokenFormat } from './token-format.ts';
import {
  cardPlaintext,
  metaPlaintext,
  openMeta,
  sealCard,
  sealedPlaces,
  sealMeta,
  type TokenMeta,
} from './token-seals.ts';
import { vaultArn } from './vault-arn.ts';
import type { TokenizeOptions } from './vault-input.ts';
import type { VaultKeys } from './vault-keys.ts';

export interface TokenizeResult {
  token: string;
  tokenRef: string;
  format: TokenFormat;
  brand: string;
  last4: string;
  /** True when a convergent token already existed and is returned again. */
  isReused: boolean;
  expiresAtMs: number | null;
}

/** What issuing tokens needs of the vault. */
export interface IssuingContext {
  sealer: Sealer;
  keys: VaultKeys;
  clock: Clock;
  region: string;
}

/** 192 bits of the keyed hash in a token reference. */
const refHashChars = 32;
const formatPreservingAttempts = 16;

/**
 * The keyed reference a token is stored and audited under: correlatable, never reversible. An opaque
 * token's ordering prefix leads it, so that new references land at the end of the vault's index.
 */
export function tokenReference(sealer: Sealer, accountId: string, token: string): string {
  const hash = sealer.keyedHash('vault-token', `${accountId}\n${token}`).slice(0, refHashChars);
  return orderingPrefixOf(token) + hash;
}

export function isExpired(row: { expiresAtMs: number | null }, nowMs: number): boolean {
  return row.expiresAtMs !== null && row.expiresAtMs <= nowMs;
}

/**
 * Tokens for `pans` (digits only, already checked) inside `tx`: the convergent token of the scope when one
 * exists, else a new random one, its PAN and metadata sealed apart under the account's vault key. The new
 * rows are inserted together at the end (one statement on PostgreSQL however many cards there are).
 */
export async function issueTokens(
  tx: WriteTx,
  context: IssuingContext,
  caller: Caller,
  pans: readonly string[],
  options: TokenizeOptions,
  sealedAhead?: SealedAhead,
): Promise<TokenizeResult[]> {
  const accountId = caller.accountId;
  const arn = vaultArn(context.region, accountId);
  const { session, key } = await context.keys.sealingKey(tx, accountId);
  // What was sealed ahead serves only if no key changed since (the same session): otherwise it is sealed again.
  const ready = sealedAhead?.session === session ? sealedAhead.cards : undefined;
  const format = options.format ?? 'opaque';
  const now = context.clock.now();
  const expiresAtMs = options.ttlSec !== undefined ? now + options.ttlSec * 1000 : null;
  const results: TokenizeResult[] = [];
  const rows: VaultTokenRow[] = [];
  // What this call issued, which storage shows only once its rows are in: convergent tokens by fingerprint
  // (a card given twice gets its one token), and format-preserving references (which may collide).
  const convergentHere = new Map<string, TokenizeResult>();
  const refsHere = new Set<string>();
  for (const [index, digits] of pans.entries()) {
    const brand = brandOf(digits) ?? 'unknown';
    const last4 = digits.slice(-4);
    let fingerprint: string | null = null;
    if (options.scope !== undefined) {
      fingerprint = context.sealer.keyedHash(
        'vault-fingerprint',
        `${accountId}\n${options.scope}\n${format}\n${digits}`,
      );
      const earlier = convergentHere.get(fingerprint);
      if (earlier) {
        results.push({ ...earlier, isReused: true });
        continue;
      }
      const existing = await tx.vault.findConvergent(accountId, options.scope, fingerprint);
      if (existing && !isExpired(existing, now)) {
        const meta = openMeta(session, arn, existing.tokenRef, existing.sealedMeta);
        results.push({
          token: meta.token,
          tokenRef: existing.tokenRef,
          format,
          brand,
          last4,
          isReused: true,
          expiresAtMs: existing.expiresAtMs,
        });
        continue;
      }
      // An expired convergent token is gone for callers; it makes room for its successor now.
      if (existing) await tx.vault.deleteToken(accountId, existing.tokenRef);
    }
    const ahead = ready?.[index];
    const { token, tokenRef } =
      ahead ??
      (format === 'opaque'
        ? issuedToken(context, accountId, format, digits)
        : await freshFormatPreservingToken(tx, context, accountId, format, digits, refsHere));
    const places = sealedPlaces(tokenRef);
    rows.push({
      accountId,
      tokenRef,
      format,
      sealedPan: ahead?.sealedPan ?? sealCard(key, places.pan, digits, options.expiryMonth),
      sealedMeta: ahead?.sealedMeta ?? sealMeta(key, places.meta, tokenMeta(token, brand, digits, options.expiryMonth)),
      scope: options.scope ?? '',
      fingerprint,
      createdBy: caller.principalArn,
      createdAtMs: now,
      expiresAtMs,
    });
    const result: TokenizeResult = { token, tokenRef, format, brand, last4, isReused: false, expiresAtMs };
    results.push(result);
    if (fingerprint !== null) convergentHere.set(fingerprint, result);
  }
  const lost = await tx.vault.insertTokens(rows);
  if (lost.length > 0) {
    const lostRows = rows.filter((row) => lost.includes(row.tokenRef));
    await takeWinners(tx, { session, arn, accountId }, lostRows, results);
  }
  return results;
}

function tokenMeta(token: string, brand: string, digits: string, expiryMonth: string | undefined): TokenMeta {
  const meta: TokenMeta = { token, brand, bin: digits.slice(0, 6), last4: digits.slice(-4), length: digits.length };
  if (expiryMonth !== undefined) meta.expiryMonth = expiryMonth;
  return meta;
}

/** New opaque tokens for a batch's cards and their sealed PANs and metadata, made before its unit of work. */
export interface SealedAhead {
  session: KeySession;
  cards: Array<{ token: string; tokenRef: string; sealedPan: Buffer; sealedMeta: Buffer }>;
}

/**
 * Seals cards ahead of their unit of work, under the vault key of the latest session, on a worker thread when
 * they are many (a batch, or single tokenizations in flight together): the seals are most of a token's CPU,
 * and there they run beside the store's work instead of inside the single writer's turn. Only new opaque
 * tokens are sealed ahead (convergent ones may exist already; format-preserving ones are checked for
 * collisions in the unit); undefined when no vault key was used yet or sealing fails (the unit then seals).
 */
export async function sealAhead(
  context: IssuingContext,
  caller: Caller,
  pans: readonly string[],
  options: TokenizeOptions,
): Promise<SealedAhead | undefined> {
  if (options.scope !== undefined || (options.format ?? 'opaque') !== 'opaque') return undefined;
  const recent = context.keys.recentSealingKey(caller.accountId);
  if (!recent) return undefined;
  const cards = pans.map((digits) => ({ digits, ...issuedToken(context, caller.accountId, 'opaque', digits) }));
  const items: SealItem[] = [];
  for (const card of cards) {
    const places = sealedPlaces(card.tokenRef);
    const meta = tokenMeta(card.token, brandOf(card.digits) ?? 'unknown', card.digits, options.expiryMonth);
    items.push(
      { plaintext: cardPlaintext(card.digits, options.expiryMonth), encoding: 'utf8', place: places.pan },
      { plaintext: metaPlaintext(meta), encoding: 'latin1', place: places.meta },
    );
  }
  let sealed: Buffer[];
  try {
    sealed = await recent.key.sealMany(items);
  } catch (error) {
    warnSealingAheadFailed(error as Error);
    return undefined;
  }
  return {
    session: recent.session,
    cards: cards.map((card, index) => ({
      token: card.token,
      tokenRef: card.tokenRef,
      sealedPan: sealed[2 * index]!,
      sealedMeta: sealed[2 * index + 1]!,
    })),
  };
}

/**
 * Convergent tokens another node issued for the same cards while this call was issuing its own (on a store
 * where writers run at once): the rows of this call's were left out, and its results become the tokens that won.
 */
async function takeWinners(
  tx: WriteTx,
  vault: { session: KeySession; arn: string; accountId: string },
  lostRows: readonly VaultTokenRow[],
  results: TokenizeResult[],
): Promise<void> {
  for (const lost of lostRows) {
    const winner = await tx.vault.findConvergent(vault.accountId, lost.scope, lost.fingerprint!);
    if (!winner) throw new Error('a convergent token was left out, yet none is stored for its card');
    const { token } = openMeta(vault.session, vault.arn, winner.tokenRef, winner.sealedMeta);
    results.forEach((result, index) => {
      if (result.tokenRef !== lost.tokenRef) return;
      results[index] = { ...result, token, tokenRef: winner.tokenRef, isReused: true, expiresAtMs: winner.expiresAtMs };
    });
  }
}

function issuedToken(
  context: IssuingContext,
  accountId: string,
  format: TokenFormat,
  digits: string,
): { token: string; tokenRef: string } {
  const token = newToken(format, digits, context.clock.now());
  return { token, tokenRef: tokenReference(context.sealer, accountId, token) };
}

/**
 * A format-preserving token not in use yet: such tokens vary only in their middle digits, so collisions
 * happen. (Opaque tokens carry 120 random bits, which do not collide; the primary key would refuse one that did.)
 */
async function freshFormatPreservingToken(
  tx: WriteTx,
  context: IssuingContext,
  accountId: string,
  format: TokenFormat,
  digits: string,
  refsHere: Set<string>,
): Promise<{ token: string; tokenRef: string }> {
  for (let attempt = 0; attempt < formatPreservingAttempts; attempt++) {
    const issued = issuedToken(context, accountId, format, digits);
    if (refsHere.has(issued.tokenRef)) continue;
    const [existing] = await tx.vault.getSealedTokens(accountId, [issued.tokenRef], 'meta');
    if (!existing) {
      refsHere.add(issued.tokenRef);
      return issued;
    }
  }
  throw new PciqError(
    'LimitExceededException',
    'No free format-preserving token is left for card numbers with these leading and last digits: use the opaque format or keep fewer leading digits.',
  );
}
