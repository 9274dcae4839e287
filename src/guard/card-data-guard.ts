import type { Caller } from '../core/index.ts';
import type {
  GuardedMessage,
  MessageGuard,
  PendingRewrite,
  QueueDataPolicy,
  RevealRequest,
  RewrittenMessage,
} from '../queues/index.ts';
import type { WriteTx } from '../storage/index.ts';
import {
  maskPan,
  opaqueTokenLength,
  type SealedAhead,
  type TokenFormat,
  type TokenizeOptions,
  type TokenVault,
} from '../vault/index.ts';
import { messageBytes, rewriteMessage, type Screening, screenMessage } from './message-screening.ts';
import { rethrowAsVaultKeyError } from './vault-key-errors.ts';

/**
 * The cardholder-data guard on the send and receive paths of the queue engine (PCI DSS 3.3.1, 3.4, 3.5):
 * screens each message before it is stored, tokenizes or masks its card numbers as the queue's policy says,
 * and on a receive that asks for it (and is authorized) puts card numbers back from the vault.
 */
export class CardDataGuard implements MessageGuard {
  private readonly vault: TokenVault;

  constructor(vault: TokenVault) {
    this.vault = vault;
  }

  inspect(message: GuardedMessage, policy: QueueDataPolicy): PendingRewrite | undefined {
    const screening = screenMessage(message, policy);
    if (!screening) return undefined;
    if (policy.action === 'mask') {
      // Masking needs no vault: the message is final now, and the card number is gone from it.
      const masked = rewriteMessage(screening, maskPan);
      const sizeBytes = messageBytes(masked);
      return { sizeBytes, apply: async () => ({ ...masked, tokens: [], tokenRefs: [] }) };
    }
    const format: TokenFormat = policy.tokenFormat;
    const options = { format, ...(policy.tokenScope !== undefined ? { scope: policy.tokenScope } : {}) };
    let ahead: SealedAhead | undefined;
    return {
      sizeBytes: messageBytes(
        rewriteMessage(screening, (digits) => '0'.repeat(format === 'opaque' ? opaqueTokenLength : digits.length)),
      ),
      prepare: async ({ caller }) => {
        ahead = await this.vault.sealAheadForMessage(caller, screening.pans, options);
      },
      apply: (tx, context) => this.tokenize(tx, screening, options, context, ahead),
    };
  }

  private async tokenize(
    tx: WriteTx,
    screening: Screening,
    options: Pick<TokenizeOptions, 'format' | 'scope'>,
    context: Parameters<PendingRewrite['apply']>[1],
    ahead: SealedAhead | undefined,
  ): Promise<RewrittenMessage> {
    const created = await this.vault
      .tokenizeForMessage(tx, context.caller, screening.pans, options, ahead)
      .catch(rethrowAsVaultKeyError);
    const tokenOf = new Map(screening.pans.map((digits, index) => [digits, created[index]!.token]));
    return {
      ...rewriteMessage(screening, (digits) => tokenOf.get(digits)!),
      tokens: created.map((item) => item.token),
      tokenRefs: created.map((item) => item.tokenRef),
    };
  }

  recordTokenized(
    tx: WriteTx,
    context: { caller: Caller; policy: QueueDataPolicy; via: string },
    messages: ReadonlyArray<{ messageId: string; tokenRefs: readonly string[] }>,
  ): Promise<void> {
    return this.vault.recordForMessages(tx, context.caller, messages, {
      format: context.policy.tokenFormat,
      isConvergent: context.policy.tokenScope !== undefined,
      via: context.via,
    });
  }

  checkReveal(request: RevealRequest): void {
    this.vault.checkRevealAllowed(request.caller);
  }

  reveal(tx: WriteTx, tokens: readonly string[], request: RevealRequest, messageIds: string[]) {
    return this.vault
      .revealForMessages(
        tx,
        request.caller,
        tokens,
        { redaction: request.redaction, ...(request.reason !== undefined ? { reason: request.reason } : {}) },
        { messageIds, via: 'ReceiveMessage' },
      )
      .catch(rethrowAsVaultKeyError);
  }
}
