import type { Caller } from '../core/index.ts';
import type { WriteTx } from '../storage/index.ts';
import type { QueueDataPolicy } from './data-policy.ts';
import type { MessageAttributes } from './message-attributes.ts';

/** What a message looks like to the guard when it is sent. */
export interface GuardedMessage {
  body: string;
  attributes: MessageAttributes;
  systemAttributes: MessageAttributes;
  groupId?: string;
  deduplicationId?: string;
}

/** A message as it is stored after the guard changed it, and the tokens it put into it. */
export interface RewrittenMessage {
  body: string;
  attributes: MessageAttributes;
  /** Tokens now in body or attributes: what a receive that asks to reveal looks up. */
  tokens: string[];
  /** Their keyed references, for the audit record of the send (never the tokens themselves). */
  tokenRefs: string[];
}

/** A change the guard decided on before anything is stored, carried out in the send's transaction. */
export interface PendingRewrite {
  /** Size of body and attributes once rewritten (a token may be longer than the number it replaces). */
  readonly sizeBytes: number;
  /**
   * What needs no transaction, done before the send's unit of work (the new tokens' seals, on a worker thread
   * when many are asked for together), so that `apply` in the unit has less to do: the writer's turn is short.
   */
  prepare?(context: { caller: Caller }): Promise<void>;
  apply(tx: WriteTx, context: { caller: Caller }): Promise<RewrittenMessage>;
}

export type RevealRedaction = 'plain' | 'masked' | 'redacted';

/** A receive that asks pciq to put card numbers (or their masked form) back in place of tokens. */
export interface RevealRequest {
  caller: Caller;
  redaction: RevealRedaction;
  reason?: string;
}

/**
 * The cardholder-data guard as the queue engine uses it (implemented in src/guard): it screens every
 * message before anything of it is stored, and reveals tokens on receives that ask for it. Queues depend on
 * this port only; the guard and the vault behind it are plugged in where the service is built.
 */
export interface MessageGuard {
  /**
   * Screens one message: throws (InvalidMessageContents) for sensitive authentication data or for card
   * numbers on a queue that rejects them, and returns the rewrite that replaces card numbers, if any.
   */
  inspect(message: GuardedMessage, policy: QueueDataPolicy): PendingRewrite | undefined;
  /** Records, once per send and in its transaction, the messages whose card numbers became tokens. */
  recordTokenized(
    tx: WriteTx,
    context: { caller: Caller; policy: QueueDataPolicy; via: string },
    messages: ReadonlyArray<{ messageId: string; tokenRefs: readonly string[] }>,
  ): Promise<void>;
  /** Refuses a reveal before anything is received when the caller may not detokenize now (rate limit). */
  checkReveal(request: RevealRequest): void;
  /** Values for `tokens` at the requested redaction, inside the transaction that claims the messages. */
  reveal(
    tx: WriteTx,
    tokens: readonly string[],
    request: RevealRequest,
    messageIds: string[],
  ): Promise<ReadonlyMap<string, string>>;
}
