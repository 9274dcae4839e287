import { createHash } from 'node:crypto';
import { type Caller, invalidParameter, newMessageId, PciqError, type QueueAddress } from '../core/index.ts';
import { warnSealingAheadFailed } from '../crypto/index.ts';
import type { KeySession, SealingKey } from '../keys/index.ts';
import type { NewMessage, QueueRow, WriteTx } from '../storage/index.ts';
import { type EntryOutcome, failedEntry, validateBatch } from './batch.ts';
import { type QueueContext, sealingKeyOf } from './context.ts';
import { dataPolicyOf, type QueueDataPolicy } from './data-policy.ts';
import { asQueueKeyError } from './kms-errors.ts';
import { limits } from './limits.ts';
import { md5OfAttributes, md5OfBody } from './md5.ts';
import { assertValidBody, type MessageAttributes, validateMessageAttributes } from './message-attributes.ts';
import type { PendingRewrite } from './message-guard.ts';
import { type MessageContent, messagePlaintext, sealMessage } from './message-payload.ts';
import { isValidFifoToken } from './names.ts';
import { type QueueSettings, settingsOf } from './queue-attributes.ts';
import { sequenceNumberOf } from './sequence-number.ts';

export interface SendEntry {
  id: string;
  body: string;
  delaySeconds?: number;
  attributes: MessageAttributes;
  systemAttributes: MessageAttributes;
  groupId?: string;
  deduplicationId?: string;
}

export interface SendResult {
  messageId: string;
  md5OfBody: string;
  md5OfMessageAttributes: string | undefined;
  md5OfSystemAttributes: string | undefined;
  sequenceNumber: string | undefined;
}

/** An entry that passed the checks that need no queue, with what those checks computed. */
interface CheckedEntry {
  entry: SendEntry;
  sizeBytes: number;
  md5OfBody: string;
  md5OfMessageAttributes: string | undefined;
  md5OfSystemAttributes: string | undefined;
  /** How the guard will replace card numbers when the entry is stored. */
  rewrite?: PendingRewrite;
  /** On a FIFO queue: the deduplication id, given or taken from the content (worked out before the unit). */
  deduplicationId?: string;
}

const notForThisQueueType = 'The request include parameter that is not valid for this queue type.';

function checkEntry(entry: SendEntry): CheckedEntry {
  assertValidBody(entry.body);
  if (
    entry.delaySeconds !== undefined &&
    (!Number.isInteger(entry.delaySeconds) || entry.delaySeconds < 0 || entry.delaySeconds > limits.maxDelaySec)
  ) {
    throw invalidParameter(
      `Value ${entry.delaySeconds} for parameter DelaySeconds is invalid. Reason: must be between 0 and ${limits.maxDelaySec}, if provided.`,
    );
  }
  const attributesSize = validateMessageAttributes(entry.attributes, 'Message attribute');
  validateMessageAttributes(entry.systemAttributes, 'Message system attribute');
  for (const name of Object.keys(entry.systemAttributes)) {
    if (name !== 'AWSTraceHeader')
      throw invalidParameter(`Message system attribute name '${name}' is invalid: only AWSTraceHeader can be sent.`);
    if (entry.systemAttributes[name]!.dataType !== 'String')
      throw invalidParameter('Message system attribute AWSTraceHeader must be of type String.');
  }
  for (const [name, value] of [
    ['MessageGroupId', entry.groupId],
    ['MessageDeduplicationId', entry.deduplicationId],
  ] as const) {
    if (value !== undefined && !isValidFifoToken(value)) {
      throw invalidParameter(
        `Value ${value.slice(0, 128)} for parameter ${name} is invalid. Reason: ${name} can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
      );
    }
  }
  return {
    entry,
    sizeBytes: Buffer.byteLength(entry.body) + attributesSize,
    md5OfBody: md5OfBody(entry.body),
    md5OfMessageAttributes: md5OfAttributes(entry.attributes),
    md5OfSystemAttributes: md5OfAttributes(entry.systemAttributes),
  };
}

/** What SQS says of a FIFO message sent without the ids it needs (for a single send and a batch alike). */
const missingGroupId = 'The request must contain the parameter MessageGroupId.';
const missingDeduplicationId =
  'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly';

/** Checks that depend on the queue: its size limit and its type's rules about groups, deduplication and delays. */
function checkForQueue(checked: CheckedEntry, queue: QueueRow, settings: QueueSettings): void {
  const { entry } = checked;
  if ((checked.rewrite?.sizeBytes ?? checked.sizeBytes) > settings.maximumMessageSize) {
    throw invalidParameter(
      `One or more parameters are invalid. Reason: Message must be shorter than ${settings.maximumMessageSize} bytes${checked.rewrite ? ' once its card numbers are replaced by tokens' : ''}.`,
    );
  }
  if (queue.isFifo) {
    if (entry.groupId === undefined) throw new PciqError('MissingParameter', missingGroupId);
    if (entry.deduplicationId === undefined && !settings.contentBasedDeduplication) {
      throw invalidParameter(missingDeduplicationId);
    }
    if (entry.delaySeconds !== undefined && entry.delaySeconds !== 0) {
      throw invalidParameter(
        `Value ${entry.delaySeconds} for parameter DelaySeconds is invalid. Reason: ${notForThisQueueType}`,
      );
    }
  } else if (entry.deduplicationId !== undefined) {
    throw invalidParameter(
      `Value ${entry.deduplicationId.slice(0, 128)} for parameter MessageDeduplicationId is invalid. Reason: ${notForThisQueueType}`,
    );
  }
}

/**
 * SQS refuses a whole FIFO SendMessageBatch (InvalidParameterValue, not an entry's failure) when an entry has
 * no MessageGroupId, or no MessageDeduplicationId on a queue without content-based deduplication.
 */
function refuseFifoBatchWithoutIds(entries: readonly SendEntry[], settings: QueueSettings): void {
  for (const entry of entries) {
    if (entry.groupId === undefined) throw invalidParameter(missingGroupId);
  }
  if (settings.contentBasedDeduplication) return;
  for (const entry of entries) {
    if (entry.deduplicationId === undefined) {
      throw invalidParameter(missingDeduplicationId);
    }
  }
}

/**
 * SendMessage and SendMessageBatch. Whole-request problems throw; an entry's own problem becomes its
 * failure. All accepted entries commit in one transaction before anything is acknowledged.
 */
export async function sendMessages(
  context: QueueContext,
  caller: Caller,
  address: QueueAddress,
  entries: readonly SendEntry[],
  isBatch: boolean,
): Promise<Array<EntryOutcome<SendResult>>> {
  if (isBatch) {
    validateBatch(entries, 'SendMessageBatchRequestEntry');
    const total = entries.reduce(
      (sum, entry) => sum + Buffer.byteLength(entry.body) + attributeBytes(entry.attributes),
      0,
    );
    if (total > limits.maxMessageSizeBytes) {
      throw new PciqError(
        'BatchRequestTooLong',
        `Batch requests cannot be longer than ${limits.maxMessageSizeBytes} bytes. You have sent ${total} bytes.`,
      );
    }
  }
  const checked = entries.map((entry) => {
    try {
      return checkEntry(entry);
    } catch (error) {
      return failedEntry(entry.id, error);
    }
  });
  const queue = await context.queues.get(address);
  const settings = settingsOf(queue.attributes);
  if (isBatch && queue.isFifo) refuseFifoBatchWithoutIds(entries, settings);
  const policy = screen(context, queue, checked);
  if (queue.isFifo)
    for (const item of checked) if (!('ok' in item)) item.deduplicationId = deduplicationIdOf(context, item, settings);
  const [ahead] = await Promise.all([
    sealAhead(context, caller, queue, checked),
    ...checked.map((item) => ('ok' in item ? undefined : item.rewrite?.prepare?.({ caller }))),
  ]);
  const via = isBatch ? 'SendMessageBatch' : 'SendMessage';
  return context.store.write(async (tx) => {
    const tokenized: SendUnit['tokenized'] = [];
    const session = await context.sealer.session(tx);
    // The queue's key is checked for the whole request: a disabled key refuses every entry (KmsDisabled).
    const key = sealingKeyOf(context, session, queue);
    const outcomes: Array<EntryOutcome<SendResult>> = [];
    const sealed = ahead?.session === session ? ahead.entries : undefined;
    const unit: SendUnit = { caller, queue, settings, key, sealed, tokenized };
    // A standard queue's messages are inserted together once every entry is sealed; a FIFO queue's one by
    // one, since an entry's deduplication must see the entries before it.
    const batched: NewMessage[] = [];
    for (const item of checked) {
      if ('ok' in item) {
        outcomes.push(item);
        continue;
      }
      try {
        checkForQueue(item, queue, settings);
        let value: SendResult;
        if (queue.isFifo) value = await storeFifo(context, tx, unit, item);
        else {
          const prepared = await prepare(context, tx, unit, item, null);
          batched.push(prepared.message);
          value = { ...prepared.result, sequenceNumber: undefined };
        }
        outcomes.push({ ok: true, id: item.entry.id, value });
      } catch (error) {
        outcomes.push(failedEntry(item.entry.id, error));
      }
    }
    await tx.insertMessages(batched);
    const accepted = outcomes.filter((outcome) => outcome.ok).length;
    if (policy && tokenized.length > 0) await context.guard!.recordTokenized(tx, { caller, policy, via }, tokenized);
    if (accepted > 0) tx.signalReceivable(queue.id);
    return outcomes;
  });
}

/**
 * The guard's look at each entry, before the transaction: sensitive authentication data and card numbers
 * on a rejecting queue fail their entry here, so nothing of them reaches the store (PCI DSS 3.3.1).
 */
function screen(
  context: QueueContext,
  queue: QueueRow,
  checked: Array<CheckedEntry | EntryOutcome<SendResult>>,
): QueueDataPolicy | undefined {
  const guard = context.guard;
  if (!guard) return undefined;
  const policy = dataPolicyOf(queue);
  checked.forEach((item, index) => {
    if ('ok' in item) return;
    try {
      const rewrite = guard.inspect(item.entry, policy);
      if (rewrite) item.rewrite = rewrite;
    } catch (error) {
      checked[index] = failedEntry(item.entry.id, error);
    }
  });
  return policy;
}

function attributeBytes(attributes: MessageAttributes): number {
  let size = 0;
  for (const [name, value] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value.dataType ?? '');
    size += value.binaryValue ? value.binaryValue.length : Buffer.byteLength(value.stringValue ?? '');
  }
  return size;
}

/** What every entry of one send shares. */
interface SendUnit {
  caller: Caller;
  queue: QueueRow;
  settings: QueueSettings;
  key: SealingKey;
  /** Entries sealed ahead under this unit's key session, by entry. */
  sealed: SealedEntries | undefined;
  /** Messages whose card numbers became tokens, recorded once the unit's entries are stored. */
  tokenized: Array<{ messageId: string; tokenRefs: string[] }>;
}

/** What the checks computed about an entry: the answer's digests. */
type Digests = Pick<SendResult, 'md5OfBody' | 'md5OfMessageAttributes' | 'md5OfSystemAttributes'>;

async function storeFifo(
  context: QueueContext,
  tx: WriteTx,
  unit: SendUnit,
  checked: CheckedEntry,
): Promise<SendResult> {
  const { queue, settings } = unit;
  const { entry } = checked;
  const now = context.clock.now();
  // Group and deduplication ids are customer data: the store sees only keyed hashes of them.
  const groupKey = context.sealer.keyedHash('fifo-group', entry.groupId!);
  const deduplicationId = checked.deduplicationId!;
  const dedupScope = settings.deduplicationScope === 'messageGroup' ? groupKey : '';
  const dedupKey = context.sealer.keyedHash('fifo-dedup', deduplicationId);
  const duplicate = await tx.getDedup(queue.id, dedupScope, dedupKey, now);
  if (duplicate) {
    // Accepted, not delivered again: the answer of the first send within the deduplication interval.
    return {
      ...digestsOf(checked),
      messageId: duplicate.messageId,
      sequenceNumber: sequenceNumberOf(duplicate.seq),
    };
  }
  const { message, result } = await prepare(context, tx, unit, checked, groupKey);
  const seq = await tx.insertMessage(message);
  await tx.putDedup({
    queueId: queue.id,
    scope: dedupScope,
    dedupKey,
    messageId: message.messageId,
    seq,
    expiresAtMs: now + limits.fifoDedupWindowMs,
  });
  return { ...result, sequenceNumber: sequenceNumberOf(seq) };
}

function digestsOf(checked: CheckedEntry): Digests {
  return {
    md5OfBody: checked.md5OfBody,
    md5OfMessageAttributes: checked.md5OfMessageAttributes,
    md5OfSystemAttributes: checked.md5OfSystemAttributes,
  };
}

/** The entry as the store keeps it: sealed, its card numbers replaced by tokens where the guard says so. */
async function prepare(
  context: QueueContext,
  tx: WriteTx,
  unit: SendUnit,
  checked: CheckedEntry,
  groupKey: string | null,
): Promise<{ message: NewMessage; result: Digests & { messageId: string } }> {
  const { queue, settings } = unit;
  const { entry } = checked;
  const now = context.clock.now();
  const { messageId, payload } = unit.sealed?.get(checked) ?? (await seal(tx, unit, checked));
  const delaySec = entry.delaySeconds ?? settings.delaySec;
  const message: NewMessage = {
    queueId: queue.id,
    messageId,
    payload,
    groupKey,
    sentAtMs: now,
    visibleAtMs: now + delaySec * 1000,
    expiresAtMs: now + settings.retentionSec * 1000,
    receiveCount: 0,
    firstReceivedAtMs: null,
    lastReceivedAtMs: null,
    receiptNonce: null,
    sizeBytes: checked.rewrite?.sizeBytes ?? checked.sizeBytes,
  };
  return { message, result: { ...digestsOf(checked), messageId } };
}

/** A new message id and the entry's content sealed under it, its card numbers replaced by tokens first. */
async function seal(tx: WriteTx, unit: SendUnit, checked: CheckedEntry): Promise<SealedEntry> {
  const { caller, key } = unit;
  const messageId = newMessageId();
  const content = contentOf(caller, checked);
  if (checked.rewrite) {
    let rewritten: Awaited<ReturnType<PendingRewrite['apply']>>;
    try {
      rewritten = await checked.rewrite.apply(tx, { caller });
    } catch (error) {
      throw asQueueKeyError(error);
    }
    content.body = rewritten.body;
    content.attributes = rewritten.attributes;
    if (rewritten.tokens.length > 0) {
      content.tokens = rewritten.tokens;
      unit.tokenized.push({ messageId, tokenRefs: rewritten.tokenRefs });
    }
    content.bodyMd5 = md5OfBody(content.body);
  }
  return { messageId, payload: sealMessage(key, messageId, content) };
}

/** What a message stores of its entry, before the guard's tokens replace any card numbers. */
function contentOf(caller: Caller, checked: CheckedEntry): MessageContent {
  const { entry } = checked;
  const content: MessageContent = {
    body: entry.body,
    attributes: entry.attributes,
    systemAttributes: entry.systemAttributes,
    senderId: caller.senderId,
    bodyMd5: checked.md5OfBody,
  };
  if (entry.groupId !== undefined) content.groupId = entry.groupId;
  if (checked.deduplicationId !== undefined) content.deduplicationId = checked.deduplicationId;
  return content;
}

interface SealedEntry {
  messageId: string;
  payload: Buffer;
}

type SealedEntries = ReadonlyMap<CheckedEntry, SealedEntry>;

/**
 * Seals the entries the guard leaves as they are ahead of the send's unit of work, under the queue's key in
 * the latest key session, on a worker thread when requests arriving together bring many: the seals then run
 * beside the store's work instead of inside the writer's turn, which every request of every serving process
 * waits for. The unit uses them only if it gets the same session (no key changed meanwhile) and seals again
 * if not; undefined when there is nothing to seal ahead or the key refuses (the unit then reports why).
 */
async function sealAhead(
  context: QueueContext,
  caller: Caller,
  queue: QueueRow,
  checked: ReadonlyArray<CheckedEntry | EntryOutcome<SendResult>>,
): Promise<{ session: KeySession; entries: SealedEntries } | undefined> {
  const session = context.sealer.recentSession();
  const plain = checked.filter((item): item is CheckedEntry => !('ok' in item) && !item.rewrite);
  if (!session || plain.length === 0) return undefined;
  let key: SealingKey;
  try {
    key = sealingKeyOf(context, session, queue);
  } catch {
    return undefined;
  }
  const messageIds = plain.map(() => newMessageId());
  let payloads: Buffer[];
  try {
    payloads = await key.sealMany(
      plain.map((item, index) => ({
        plaintext: messagePlaintext(contentOf(caller, item)),
        encoding: 'utf8',
        place: messageIds[index]!,
      })),
    );
  } catch (error) {
    warnSealingAheadFailed(error as Error);
    return undefined;
  }
  const entries = new Map(
    plain.map((item, index) => [item, { messageId: messageIds[index]!, payload: payloads[index]! }]),
  );
  return { session, entries };
}

/**
 * SQS's content-based deduplication id is the SHA-256 of the body. Of a body the guard rewrote, that hash
 * would be an unkeyed hash over card data handed to every receiver (PCI DSS 3.5.1.1): such bodies are
 * hashed with a keyed hash instead, the same for the same body, so deduplication still works.
 */
function deduplicationIdOf(context: QueueContext, checked: CheckedEntry, settings: QueueSettings): string | undefined {
  if (checked.entry.deduplicationId !== undefined) return checked.entry.deduplicationId;
  if (!settings.contentBasedDeduplication) return undefined;
  const body = checked.entry.body;
  if (checked.rewrite)
    return Buffer.from(context.sealer.keyedHash('fifo-content-dedup', body), 'base64url').toString('hex');
  return createHash('sha256').update(body, 'utf8').digest('hex');
}
