import type { KeySession, Sealer } from '../keys/index.ts';
import type { SealedTokenPart, SealedTokenValue, Store } from '../storage/index.ts';

/** What a lookup finds: the token's ciphertext (undefined when there is no such token) and the keys to open it. */
export interface TokenLookup {
  found: SealedTokenValue | undefined;
  session: KeySession;
}

interface PendingLookup {
  accountId: string;
  tokenRef: string;
  part: SealedTokenPart;
  resolve: (lookup: TokenLookup) => void;
  reject: (error: unknown) => void;
}

/**
 * The reads of detokenizations, gathered: lookups asked for in one turn of the event loop share one read of
 * the store (one key-set check, one snapshot, one statement per token) as the store's group commit shares
 * one transaction among writes. A read transaction and the key-set check cost more than the lookup itself,
 * so many detokenizations in flight cost the database a fraction of what each would alone; a lone lookup
 * waits for the end of the turn, as a lone write does.
 */
export class TokenLookups {
  private readonly store: Store;
  private readonly sealer: Sealer;
  private pending: PendingLookup[] = [];

  constructor(store: Store, sealer: Sealer) {
    this.store = store;
    this.sealer = sealer;
  }

  find(accountId: string, tokenRef: string, part: SealedTokenPart): Promise<TokenLookup> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => void this.flush());
      this.pending.push({ accountId, tokenRef, part, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      await this.store.read(async (tx) => {
        const session = await this.sealer.session(tx);
        for (const group of groupsOf(batch)) {
          const found = await tx.vault.getSealedTokens(
            group[0]!.accountId,
            group.map((lookup) => lookup.tokenRef),
            group[0]!.part,
          );
          group.forEach((lookup, index) => {
            lookup.resolve({ found: found[index], session });
          });
        }
      });
    } catch (error) {
      // Lookups already answered keep their answer: a promise settles once.
      for (const lookup of batch) lookup.reject(error);
    }
  }
}

/** Lookups by account and ciphertext, one storage call each (almost always a single group). */
function groupsOf(batch: PendingLookup[]): PendingLookup[][] {
  const first = batch[0]!;
  if (batch.every((lookup) => lookup.accountId === first.accountId && lookup.part === first.part)) return [batch];
  const groups = new Map<string, PendingLookup[]>();
  for (const lookup of batch) {
    const key = `${lookup.part}\n${lookup.accountId}`;
    const group = groups.get(key);
    if (group) group.push(lookup);
    else groups.set(key, [lookup]);
  }
  return [...groups.values()];
}
