import type { KeySession, Sealer, SealingKey } from '../keys/index.ts';
import type { WriteTx } from '../storage/index.ts';
import { vaultKeyAlias } from './token-seals.ts';
import { vaultArn } from './vault-arn.ts';

/**
 * The account's vault key for sealing inside a unit of work, without asking key management more than once per
 * key set. A session is the same object for as long as the store's keys are unchanged (any change to a key,
 * its state or its aliases makes a new one), so a sealing key found in it stays right for every unit that
 * gets that session again: rotation, disabling and deletion all take effect with the next unit, as before.
 * (A sealing key still picks its data key at each seal, honouring the reuse period.)
 */
export class VaultKeys {
  private readonly sealer: Sealer;
  private readonly region: string;
  private readonly found = new WeakMap<KeySession, Map<string, SealingKey>>();
  /** The session of the latest unit that sealed: what sealing ahead of a unit bets will still be current. */
  private latest: KeySession | undefined;

  constructor(sealer: Sealer, region: string) {
    this.sealer = sealer;
    this.region = region;
  }

  async sealingKey(tx: WriteTx, accountId: string): Promise<{ session: KeySession; key: SealingKey }> {
    const session = await this.sealer.session(tx);
    this.latest = session;
    const key = this.found.get(session)?.get(accountId);
    if (key) return { session, key };
    // First use with these keys: the vault key is created with the account's first token.
    await this.sealer.ensureManagedKey(tx, accountId, 'vault');
    const current = await this.sealer.session(tx);
    const created = current.sealingKey(accountId, vaultKeyAlias, vaultArn(this.region, accountId));
    let keys = this.found.get(current);
    if (!keys) {
      keys = new Map();
      this.found.set(current, keys);
    }
    keys.set(accountId, created);
    this.latest = current;
    return { session: current, key: created };
  }

  /**
   * The account's vault key in the latest session a unit saw, for sealing ahead of the next unit: that unit
   * uses what was sealed only if it gets the same session (no key changed meanwhile), and seals again if not.
   */
  recentSealingKey(accountId: string): { session: KeySession; key: SealingKey } | undefined {
    const session = this.latest;
    const key = session && this.found.get(session)?.get(accountId);
    return session && key ? { session, key } : undefined;
  }
}
