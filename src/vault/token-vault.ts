import { type Caller, type Clock, isPciqError } from '../core/index.ts';
import { type KeySession, type Sealer, unreadableReasonOf } from '../keys/index.ts';
import type { Store, WriteTx } from '../storage/index.ts';
import {
  asEvent,
  listedRefs,
  type Recording,
  type VaultAuditEvent,
  type VaultAuditSink,
  type VaultDetails,
} from './audit-events.ts';
import { normalizePan } from './pan.ts';
import { defaultDetokenizeLimit, PrincipalRateLimiter, type RateLimit } from './rate-limit.ts';
import { type DetokenizeResult, type Redaction, revealSealed, sealedPartFor } from './redaction.ts';
import { isTokenShaped, type TokenFormat } from './token-format.ts';
import {
  type IssuingContext,
  isExpired,
  issueTokens,
  type SealedAhead,
  sealAhead,
  type TokenizeResult,
  tokenReference,
} from './token-issuer.ts';
import { TokenLookups } from './token-lookups.ts';
import { vaultArn } from './vault-arn.ts';
import { checkReason, checkTokenizeOptions, type TokenizeOptions, tokenNotFound, validation } from './vault-input.ts';
import { VaultKeys } from './vault-keys.ts';

export interface TokenVaultOptions {
  store: Store;
  sealer: Sealer;
  clock: Clock;
  region: string;
  /** The audit trail; absent only where auditing is deliberately off (benchmarks, unit tests). */
  events?: VaultAuditSink;
  detokenizeLimit?: RateLimit;
}

const sweepIntervalMs = 60_000;
const sweepBatch = 1_000;
/** Card numbers one batch call may tokenize: its unit of work holds the store's writer for a few milliseconds. */
export const maxTokenizeBatch = 1_000;

function actorOf(caller: Caller): VaultAuditEvent['actor'] {
  return { principal: caller.principalArn, accessKeyId: caller.accessKeyId, accountId: caller.accountId };
}

/**
 * The tokenization vault (PCI DSS 3.5.1, PCI SSC tokenization guidelines). Each account has one vault; its
 * card numbers are sealed under the account's vault key (`alias/aws/vault`, a KMS key of their own, rotated
 * and shredded like any other) with the vault's ARN as the data key scope and the token's keyed reference
 * as the place. Tokens are random; convergent ones are found again through a keyed fingerprint.
 */
export class TokenVault {
  private readonly store: Store;
  private readonly sealer: Sealer;
  private readonly clock: Clock;
  private readonly region: string;
  private readonly events: VaultAuditSink | undefined;
  private readonly limiter: PrincipalRateLimiter;
  private cancelSweep: (() => void) | undefined;
  private readonly issuing: IssuingContext;
  private readonly lookups: TokenLookups;

  constructor(options: TokenVaultOptions) {
    this.store = options.store;
    this.sealer = options.sealer;
    this.clock = options.clock;
    this.region = options.region;
    this.events = options.events;
    this.limiter = new PrincipalRateLimiter(options.clock, options.detokenizeLimit ?? defaultDetokenizeLimit);
    this.issuing = {
      sealer: options.sealer,
      keys: new VaultKeys(options.sealer, options.region),
      clock: options.clock,
      region: options.region,
    };
    this.lookups = new TokenLookups(options.store, options.sealer);
  }

  arnOf(accountId: string): string {
    return vaultArn(this.region, accountId);
  }

  /** The keyed reference a token is stored and audited under (see `tokenReference`). */
  tokenRefOf(accountId: string, token: string): string {
    return tokenReference(this.sealer, accountId, token);
  }

  /** Tokenize one PAN (given with or without spaces and dashes). */
  async tokenize(
    caller: Caller,
    pan: string,
    options: TokenizeOptions = {},
    recording: Recording = asEvent,
  ): Promise<TokenizeResult> {
    checkTokenizeOptions(options);
    const digits = normalizePan(pan);
    if (!digits) throw validation('Pan must be a card number of 13 to 19 digits that passes the Luhn check.');
    const [result] = await this.issueRecorded(caller, [digits], options, recording, ([issued]) => ({
      tokenRef: issued!.tokenRef,
      format: issued!.format,
      reused: issued!.isReused,
    }));
    return result!;
  }

  /**
   * Tokenize many PANs in one call (as a batch API of a token vault does): one unit of work and one audit
   * record for the lot, so each card costs its seals, its keyed reference and its row, and little more.
   * All or nothing: an entry that is not a card number refuses the call (named by its position, never by
   * its digits) before anything is issued. Results are in the order of `pans`; a PAN given twice in a
   * convergent scope gets its one token twice.
   */
  async tokenizeBatch(
    caller: Caller,
    pans: readonly string[],
    options: TokenizeOptions = {},
    recording: Recording = asEvent,
  ): Promise<TokenizeResult[]> {
    checkTokenizeOptions(options);
    if (pans.length === 0 || pans.length > maxTokenizeBatch)
      throw validation(`Pans must hold 1 to ${maxTokenizeBatch} card numbers.`);
    const digits = pans.map((pan, index) => {
      const normalized = normalizePan(pan);
      if (!normalized)
        throw validation(
          `Pans entry ${index + 1} must be a card number of 13 to 19 digits that passes the Luhn check.`,
        );
      return normalized;
    });
    return this.issueRecorded(caller, digits, options, recording, (results) => ({
      tokenRefs: listedRefs(results.map((result) => result.tokenRef)),
      count: results.length,
      format: options.format ?? 'opaque',
      reused: results.filter((result) => result.isReused).length,
    }));
  }

  /** Issues tokens for checked PANs in one unit of work, with one record (or note) of what `describe` says. */
  private async issueRecorded(
    caller: Caller,
    digits: readonly string[],
    options: TokenizeOptions,
    recording: Recording,
    describe: (results: readonly TokenizeResult[]) => VaultDetails,
  ): Promise<TokenizeResult[]> {
    const ahead = await sealAhead(this.issuing, caller, digits, options);
    return this.store.write(async (tx) => {
      const results = await issueTokens(tx, this.issuing, caller, digits, options, ahead);
      const details: VaultDetails = {
        ...describe(results),
        convergent: options.scope !== undefined,
        ...(options.reason !== undefined ? { reason: options.reason } : {}),
      };
      if (recording.kind === 'request') recording.note(details);
      else await this.record(tx, { type: 'vault:Tokenize', outcome: 'success', details, actor: actorOf(caller) });
      return results;
    });
  }

  /** New tokens for a message's PANs sealed before its unit of work, for `tokenizeForMessage` (`sealAhead`). */
  sealAheadForMessage(
    caller: Caller,
    pans: readonly string[],
    options: Pick<TokenizeOptions, 'format' | 'scope'>,
  ): Promise<SealedAhead | undefined> {
    return sealAhead(this.issuing, caller, pans, options);
  }

  /**
   * Tokenizes PANs found in a message, inside the transaction that stores it: the tokens commit with the
   * message or not at all. The caller records them with `recordForMessages` once per unit of work.
   */
  async tokenizeForMessage(
    tx: WriteTx,
    caller: Caller,
    pans: readonly string[],
    options: Pick<TokenizeOptions, 'format' | 'scope'>,
    ahead?: SealedAhead,
  ): Promise<Array<{ token: string; tokenRef: string }>> {
    const results = await issueTokens(tx, this.issuing, caller, pans, options, ahead);
    return results.map(({ token, tokenRef }) => ({ token, tokenRef }));
  }

  /**
   * One event for the tokens a send put in place of card numbers, in the send's transaction: the messages
   * and (up to five of) the tokens' references. One per send rather than per message: a batch of ten costs
   * the trail one record more, not ten.
   */
  async recordForMessages(
    tx: WriteTx,
    caller: Caller,
    messages: ReadonlyArray<{ messageId: string; tokenRefs: readonly string[] }>,
    details: { format: TokenFormat; isConvergent: boolean; via: string },
  ): Promise<void> {
    const refs = messages.flatMap((message) => message.tokenRefs);
    await this.record(tx, {
      type: 'vault:Tokenize',
      outcome: 'success',
      data: { messageIds: messages.map((message) => message.messageId), count: refs.length },
      details: {
        tokenRefs: listedRefs(refs),
        format: details.format,
        convergent: details.isConvergent,
        via: details.via,
      },
      actor: actorOf(caller),
    });
  }

  /** Detokenize one token at a redaction level; throttled per principal. */
  async detokenize(
    caller: Caller,
    token: string,
    options: { redaction?: Redaction; reason?: string } = {},
    recording: Recording = asEvent,
  ): Promise<DetokenizeResult> {
    checkReason(options.reason);
    const redaction = options.redaction ?? 'masked';
    const accountId = caller.accountId;
    const tokenRef = isTokenShaped(token) ? this.tokenRefOf(accountId, token) : null;
    const details: VaultDetails = {
      tokenRef,
      redaction,
      ...(options.reason !== undefined ? { reason: options.reason } : {}),
    };
    if (recording.kind === 'request') recording.note(details);
    let result: DetokenizeResult;
    try {
      this.limiter.take(caller.principalArn);
      if (tokenRef === null) throw tokenNotFound();
      const { found, session } = await this.lookups.find(accountId, tokenRef, sealedPartFor(redaction));
      if (!found || isExpired(found, this.clock.now())) throw tokenNotFound();
      result = this.reveal(session, this.arnOf(accountId), tokenRef, found.sealed, redaction);
    } catch (error) {
      if (recording.kind === 'event' && isPciqError(error))
        await this.recordAlone(caller, 'vault:Detokenize', details, error.code);
      throw error;
    }
    if (recording.kind === 'event') await this.recordAlone(caller, 'vault:Detokenize', details);
    return result;
  }

  /** Refuses a receive that asks to reveal tokens when its principal has no detokenizations left. */
  checkRevealAllowed(caller: Caller): void {
    this.limiter.check(caller.principalArn);
  }

  /**
   * Values for the tokens of received messages, inside the transaction that claims them, with one event for
   * the receive. Tokens that are gone (deleted, expired) stay as they are and are counted as failures.
   */
  async revealForMessages(
    tx: WriteTx,
    caller: Caller,
    tokens: readonly string[],
    options: { redaction: Redaction; reason?: string },
    messages: { messageIds: string[]; via: string },
  ): Promise<Map<string, string>> {
    checkReason(options.reason);
    const accountId = caller.accountId;
    const arn = this.arnOf(accountId);
    const session = await this.sealer.session(tx);
    const now = this.clock.now();
    const values = new Map<string, string>();
    const unique = [...new Set(tokens)];
    const refs = unique.map((token) => this.tokenRefOf(accountId, token));
    const found = await tx.vault.getSealedTokens(accountId, refs, sealedPartFor(options.redaction));
    let missing = 0;
    unique.forEach((token, index) => {
      const sealed = found[index];
      const revealed =
        sealed && !isExpired(sealed, now)
          ? this.revealIfReadable(session, arn, refs[index]!, sealed.sealed, options.redaction)
          : undefined;
      if (revealed === undefined) missing++;
      else values.set(token, revealed);
    });
    this.limiter.charge(caller.principalArn, values.size);
    await this.record(tx, {
      type: 'vault:Detokenize',
      outcome: missing === 0 ? 'success' : 'failure',
      ...(missing > 0 ? { error: 'ResourceNotFoundException' } : {}),
      data: { messageIds: messages.messageIds, count: values.size },
      details: {
        tokenRefs: listedRefs(refs),
        redaction: options.redaction,
        missing,
        via: messages.via,
        ...(options.reason !== undefined ? { reason: options.reason } : {}),
      },
      actor: actorOf(caller),
    });
    return values;
  }

  private reveal(
    session: KeySession,
    arn: string,
    tokenRef: string,
    sealed: Uint8Array,
    redaction: Redaction,
  ): DetokenizeResult {
    try {
      return revealSealed(session, arn, tokenRef, sealed, redaction);
    } catch (error) {
      const unreadable = unreadableReasonOf(error);
      if (!unreadable) throw error;
      // Altered, or shredded with the vault key: reported, and for the caller the token is gone.
      this.sealer.reportUnreadable({ source: 'vault-tokens', resource: arn, recordId: tokenRef, ...unreadable });
      throw tokenNotFound();
    }
  }

  private revealIfReadable(
    session: KeySession,
    arn: string,
    tokenRef: string,
    sealed: Uint8Array,
    redaction: Redaction,
  ) {
    try {
      return this.reveal(session, arn, tokenRef, sealed, redaction).value;
    } catch (error) {
      if (isPciqError(error) && error.code === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  /** Deletes a token: its sealed PAN goes with it and cannot be recovered through the vault. */
  async deleteToken(
    caller: Caller,
    token: string,
    options: { reason?: string } = {},
    recording: Recording = asEvent,
  ): Promise<void> {
    checkReason(options.reason);
    const accountId = caller.accountId;
    const tokenRef = isTokenShaped(token) ? this.tokenRefOf(accountId, token) : null;
    const details: VaultDetails = { tokenRef, ...(options.reason !== undefined ? { reason: options.reason } : {}) };
    if (recording.kind === 'request') recording.note(details);
    const deleted =
      tokenRef !== null && (await this.store.write((tx) => this.deleteIn(tx, caller, tokenRef, details, recording)));
    if (!deleted) {
      if (recording.kind === 'event')
        await this.recordAlone(caller, 'vault:DeleteToken', details, 'ResourceNotFoundException');
      throw tokenNotFound();
    }
  }

  private async deleteIn(
    tx: WriteTx,
    caller: Caller,
    tokenRef: string,
    details: VaultDetails,
    recording: Recording,
  ): Promise<boolean> {
    const [row] = await tx.vault.getSealedTokens(caller.accountId, [tokenRef], 'meta');
    if (!row || !(await tx.vault.deleteToken(caller.accountId, tokenRef))) return false;
    // An expired token answers as a deleted one (the answer must not tell them apart); its row goes now
    // rather than at the next sweep.
    if (isExpired(row, this.clock.now())) return false;
    if (recording.kind === 'event')
      await this.record(tx, { type: 'vault:DeleteToken', outcome: 'success', details, actor: actorOf(caller) });
    return true;
  }

  /** Deletes tokens past their TTL (their PANs with them); records how many. */
  async sweepExpired(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.clock.now();
      const removed = await this.store.write(async (tx) => {
        const count = await tx.vault.deleteExpiredTokens(now, sweepBatch);
        if (count > 0)
          await this.record(tx, { type: 'vault:ExpireTokens', outcome: 'success', data: { count }, details: {} });
        return count;
      });
      total += removed;
      if (removed < sweepBatch) return total;
    }
  }

  start(): void {
    if (this.cancelSweep) return;
    const schedule = () => {
      this.cancelSweep = this.clock.setTimer(sweepIntervalMs, () => {
        this.sweepExpired()
          .catch((error: unknown) => process.emitWarning(`expiring vault tokens failed: ${(error as Error).message}`))
          .finally(() => {
            if (this.cancelSweep) schedule();
          });
      });
    };
    schedule();
  }

  stop(): void {
    this.cancelSweep?.();
    this.cancelSweep = undefined;
  }

  private async record(tx: WriteTx, event: Omit<VaultAuditEvent, 'resource'> & { resource?: string }): Promise<void> {
    if (!this.events) return;
    const accountId = event.actor?.accountId;
    await this.events.record(tx, { ...event, resource: event.resource ?? (accountId ? this.arnOf(accountId) : '*') });
  }

  /** An event in a transaction of its own (reads, and failures whose own unit rolled back). */
  private async recordAlone(caller: Caller, type: VaultAuditEvent['type'], details: VaultDetails, error?: string) {
    if (!this.events) return;
    await this.store.write((tx) =>
      this.record(tx, {
        type,
        outcome: error === undefined ? 'success' : 'failure',
        ...(error !== undefined ? { error } : {}),
        details,
        actor: actorOf(caller),
      }),
    );
  }
}
