import { invalidParameter, PciqError, type QueueAddress, randomToken } from '../core/index.ts';
import { type KeySession, unreadableReasonOf } from '../keys/index.ts';
import type { MessageRow, QueueRow, WriteTx } from '../storage/index.ts';
import { arnOf, type QueueContext } from './context.ts';
import { deadLetterQueueOf, moveToDeadLetter } from './dead-letter.ts';
import { FifoSelection } from './fifo-selection.ts';
import { asQueueKeyError } from './kms-errors.ts';
import { limits } from './limits.ts';
import { md5OfAttributes, md5OfBody } from './md5.ts';
import { type MessageAttributes, selectMessageAttributes } from './message-attributes.ts';
import type { RevealRequest } from './message-guard.ts';
import { type MessageContent, openMessage } from './message-payload.ts';
import { isValidFifoToken } from './names.ts';
import { refuseIfQuarantined } from './quarantine.ts';
import { settingsOf } from './queue-attributes.ts';
import { encodeReceiptHandle } from './receipt-handle.ts';
import { sequenceNumberOf } from './sequence-number.ts';

export interface ReceiveOptions {
  maxMessages?: number;
  visibilityTimeoutSec?: number;
  waitTimeSec?: number;
  /** Union of AttributeNames and MessageSystemAttributeNames. */
  systemAttributeNames: readonly string[];
  messageAttributeNames: readonly string[];
  attemptId?: string;
  /** Put card numbers (or their masked form) back in place of the guard's tokens. */
  reveal?: RevealRequest;
}

export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  md5OfBody: string;
  body: string;
  attributes: Record<string, string>;
  md5OfMessageAttributes: string | undefined;
  messageAttributes: MessageAttributes;
}

interface Claimed {
  row: MessageRow;
  content: MessageContent;
  receiptNonce: string;
}

/** A claimed message, opened in its unit of work or (`content` absent) after it. */
type ClaimedItem = Omit<Claimed, 'content'> & { content?: MessageContent };

/** What a receive's unit of work claimed, and the key session to open it with once the unit has committed. */
interface Claim {
  items: ClaimedItem[];
  session?: KeySession;
}

/** Why a message cannot be opened: its ciphertext fails authentication, or its key version is gone. */
type Unreadable = NonNullable<ReturnType<typeof unreadableReasonOf>>;

/** How far a FIFO receive looks through a queue for open groups before it settles for what it found. */
const fifoScanLimit = 10_000;
const fifoScanPage = 200;
/** A message whose seal does not verify is kept, hidden for the longest visibility SQS allows, and reported. */
const setAsideMs = limits.maxVisibilityTimeoutSec * 1000;

function checkOptions(options: ReceiveOptions): void {
  const { maxMessages, visibilityTimeoutSec, waitTimeSec, attemptId } = options;
  if (
    maxMessages !== undefined &&
    (!Number.isInteger(maxMessages) || maxMessages < 1 || maxMessages > limits.maxMessagesPerReceive)
  ) {
    throw invalidParameter(
      `Value ${maxMessages} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
    );
  }
  if (
    visibilityTimeoutSec !== undefined &&
    (!Number.isInteger(visibilityTimeoutSec) ||
      visibilityTimeoutSec < 0 ||
      visibilityTimeoutSec > limits.maxVisibilityTimeoutSec)
  ) {
    throw invalidParameter(
      `Value ${visibilityTimeoutSec} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.`,
    );
  }
  if (
    waitTimeSec !== undefined &&
    (!Number.isInteger(waitTimeSec) || waitTimeSec < 0 || waitTimeSec > limits.maxReceiveWaitSec)
  ) {
    throw invalidParameter(
      `Value ${waitTimeSec} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`,
    );
  }
  if (attemptId !== undefined && !isValidFifoToken(attemptId)) {
    throw invalidParameter(
      'Value for parameter ReceiveRequestAttemptId is invalid. Reason: 1 to 128 alphanumeric or punctuation characters.',
    );
  }
}

/**
 * ReceiveMessage: claims up to `maxMessages` messages for the visibility timeout, redriving those past
 * maxReceiveCount; with a wait time, parks until a message arrives, the wait ends or `signal` aborts.
 */
export async function receiveMessages(
  context: QueueContext,
  address: QueueAddress,
  options: ReceiveOptions,
  signal?: AbortSignal,
): Promise<ReceivedMessage[]> {
  checkOptions(options);
  if (options.reveal) {
    if (!context.guard)
      throw new PciqError(
        'UnsupportedOperation',
        'This endpoint has no card-data guard: there are no tokens to reveal.',
      );
    context.guard.checkReveal(options.reveal);
  }
  let deadline: number | undefined;
  for (let hasWaited = false; ; hasWaited = true) {
    // A wake-up may come from the queue's deletion on another node (or another serving process), which
    // this process's cached row knows nothing of: after a wait the row is read afresh, so the poll answers
    // QueueDoesNotExist at once instead of parking on the dead queue until its wait time ends.
    const queue = await context.queues.get(address, { fresh: hasWaited });
    refuseIfQuarantined(queue, 'ReceiveMessage');
    const generation = context.waiters.generation(queue.id);
    await checkInFlightLimit(context, queue);
    const claimed = await openClaimed(
      context,
      queue,
      await context.store.write((tx) => claim(context, tx, queue, options)),
    );
    if (claimed.length > 0) {
      context.inFlight.claimed(queue.id, claimed.length);
      return claimed.map((item) => present(queue, item, options));
    }
    const now = context.clock.now();
    deadline ??= now + (options.waitTimeSec ?? settingsOf(queue.attributes).receiveWaitSec) * 1000;
    if (now >= deadline || signal?.aborted) return [];
    const nextVisible = await context.store.read((tx) => tx.nextVisibleAt(queue.id, now));
    await context.waiters.wait(queue.id, generation, Math.min(deadline, nextVisible ?? deadline), signal);
  }
}

async function checkInFlightLimit(context: QueueContext, queue: QueueRow): Promise<void> {
  const limit = queue.isFifo ? limits.maxInFlightFifo : limits.maxInFlightStandard;
  let inFlight = context.inFlight.current(queue.id);
  if (inFlight === undefined) {
    const now = context.clock.now();
    inFlight = await context.store.read((tx) => tx.countInFlight(queue.id, now, limit));
    context.inFlight.counted(queue.id, inFlight);
  }
  if (inFlight >= limit) {
    throw new PciqError('OverLimit', 'Too many messages in flight: delete or release some before receiving more.');
  }
}

async function claim(context: QueueContext, tx: WriteTx, queue: QueueRow, options: ReceiveOptions): Promise<Claim> {
  const settings = settingsOf(queue.attributes);
  const now = context.clock.now();
  const max = options.maxMessages ?? 1;
  // One nonce per receive: handles also name the message's seq, so the nonce only has to tell this receive
  // of a message from its other receives.
  const receipt = {
    visibleAtMs: now + (options.visibilityTimeoutSec ?? settings.visibilityTimeoutSec) * 1000,
    receiptNonce: randomToken(12),
  };
  // Asked for now and awaited after the claim: on PostgreSQL's pipelined connection the key check and the
  // claim go out together instead of one round trip after the other. A claim that fails rolls back the unit.
  const sessionReady = context.sealer.session(tx);
  sessionReady.catch(() => undefined);
  const attemptKey =
    queue.isFifo && options.attemptId !== undefined
      ? context.sealer.keyedHash('fifo-receive-attempt', options.attemptId)
      : undefined;
  if (attemptKey !== undefined) {
    const retried = await retryAttempt(context, tx, queue, attemptKey, receipt.visibleAtMs, sessionReady);
    if (retried) {
      if (options.reveal) await reveal(context, tx, retried, options.reveal);
      return { items: retried };
    }
  }
  const dlq = settings.redrivePolicy ? await deadLetterQueueOf(tx, queue) : undefined;
  const claimed: ClaimedItem[] = [];
  /** The session the claimed messages are opened with once the unit has committed. */
  let openWith: KeySession | undefined;
  // Each pass claims what it can; another pass only when a redrive or a set-aside left room.
  for (let pass = 0; pass < 3 && claimed.length < max; pass++) {
    const rows = queue.isFifo
      ? await tx.claimMessages(queue.id, await fifoCandidates(tx, queue.id, now, max - claimed.length), now, receipt)
      : await tx.claimReceivable(queue.id, now, max - claimed.length, receipt);
    if (rows.length === 0) break;
    const session = await sessionReady;
    openWith = session;
    let skipped = 0;
    for (const row of rows) {
      // SQS moves a message once its receive count would exceed maxReceiveCount.
      if (dlq && settings.redrivePolicy && row.receiveCount > settings.redrivePolicy.maxReceiveCount) {
        await moveToDeadLetter(context, tx, session, row, queue, dlq);
        skipped++;
        continue;
      }
      // The decryption waits until the unit has committed, outside the writer's turn, unless tokens are to be
      // revealed in the unit: here only the key's state is checked, so a disabled key still refuses the receive.
      const item: ClaimedItem = { row, receiptNonce: receipt.receiptNonce };
      if (options.reveal) item.content = await openOrSetAside(context, tx, session, queue, row, now);
      const isOpenable = options.reveal
        ? item.content !== undefined
        : await readOrSetAside(context, tx, queue, row, now, () => {
            session.checkOpenable(row.payload);
            return true;
          });
      if (isOpenable) claimed.push(item);
      else skipped++;
    }
    if (skipped === 0) break;
  }
  if (attemptKey !== undefined && claimed.length > 0) {
    await tx.putReceiveAttempt({
      queueId: queue.id,
      attemptKey,
      seqs: claimed.map((item) => item.row.seq),
      receiptNonce: receipt.receiptNonce,
      visibleAtMs: receipt.visibleAtMs,
      expiresAtMs: now + limits.fifoDedupWindowMs,
    });
  }
  if (options.reveal) await reveal(context, tx, claimed, options.reveal);
  return { items: claimed, ...(openWith ? { session: openWith } : {}) };
}

/**
 * Opens what a receive claimed and its unit left sealed. A message whose ciphertext fails authentication is
 * not delivered: it is set aside (hidden, kept for investigation) in a unit of its own, and reported.
 */
async function openClaimed(context: QueueContext, queue: QueueRow, claim: Claim): Promise<Claimed[]> {
  const opened: Claimed[] = [];
  const unreadable: Array<{ row: MessageRow; reason: Unreadable }> = [];
  for (const item of claim.items) {
    if (item.content) {
      opened.push({ ...item, content: item.content });
      continue;
    }
    try {
      const content = openMessage(claim.session!, arnOf(context, queue), item.row.messageId, item.row.payload);
      opened.push({ ...item, content });
    } catch (error) {
      const reason = unreadableReasonOf(error);
      if (!reason) throw asQueueKeyError(error);
      unreadable.push({ row: item.row, reason });
    }
  }
  if (unreadable.length > 0) {
    await context.store.write(async (tx) => {
      const now = context.clock.now();
      for (const { row, reason } of unreadable) await setAside(context, tx, queue, row, now, reason);
    });
  }
  return opened;
}

/**
 * A FIFO receive retried with its ReceiveRequestAttemptId within the deduplication interval: SQS returns the
 * same messages with the same receipt handles and restarts their visibility timeout, so a client that lost
 * the first response neither skips those messages nor breaks its groups' order. Only while none of them was
 * deleted, received again or given another visibility timeout; otherwise the retry is a new receive.
 */
async function retryAttempt(
  context: QueueContext,
  tx: WriteTx,
  queue: QueueRow,
  attemptKey: string,
  visibleAtMs: number,
  sessionReady: Promise<KeySession>,
): Promise<Claimed[] | undefined> {
  await tx.lockQueueForFifoReceive(queue.id);
  const now = context.clock.now();
  const attempt = await tx.getReceiveAttempt(queue.id, attemptKey, now);
  if (!attempt) return undefined;
  const rows: MessageRow[] = [];
  for (const seq of attempt.seqs) {
    const row = await tx.getMessage(queue.id, seq);
    const isUntouched =
      row !== undefined &&
      row.receiptNonce === attempt.receiptNonce &&
      row.visibleAtMs === attempt.visibleAtMs &&
      row.expiresAtMs > now;
    if (!isUntouched) return undefined;
    rows.push(row);
  }
  for (const row of rows) await tx.setVisibleAt(queue.id, row.seq, visibleAtMs);
  await tx.putReceiveAttempt({ ...attempt, visibleAtMs });
  const session = await sessionReady;
  const retried: Claimed[] = [];
  for (const row of rows) {
    const content = await openOrSetAside(context, tx, session, queue, row, now);
    if (content) retried.push({ row: { ...row, visibleAtMs }, content, receiptNonce: attempt.receiptNonce });
  }
  return retried;
}

/**
 * Replaces the guard's tokens in claimed messages by what the receiver asked to see, in the transaction that
 * claims them, so the reveal's audit event commits with the receive. Tokens inside base64 blobs stay tokens.
 */
async function reveal(
  context: QueueContext,
  tx: WriteTx,
  claimed: readonly ClaimedItem[],
  request: RevealRequest,
): Promise<void> {
  const withTokens = claimed.flatMap(({ row, content }) =>
    content?.tokens && content.tokens.length > 0 ? [{ row, content }] : [],
  );
  if (withTokens.length === 0) return;
  const tokens = withTokens.flatMap((item) => item.content.tokens!);
  const messageIds = withTokens.map((item) => item.row.messageId);
  const values = await context.guard!.reveal(tx, tokens, request, messageIds);
  for (const { content } of withTokens) {
    delete content.bodyMd5;
    for (const token of content.tokens!) {
      const value = values.get(token);
      if (value === undefined) continue;
      content.body = content.body.replaceAll(token, value);
      for (const attribute of Object.values(content.attributes))
        if (attribute.stringValue !== undefined) attribute.stringValue = attribute.stringValue.replaceAll(token, value);
    }
  }
}

/** FIFO candidates in order; the caller claims them all, so groups whose runs it took stay blocked for others. */
async function fifoCandidates(tx: WriteTx, queueId: number, now: number, max: number): Promise<number[]> {
  await tx.lockQueueForFifoReceive(queueId);
  const selection = new FifoSelection(now);
  let after = 0;
  for (let scanned = 0; scanned < fifoScanLimit && selection.eligibleCount < max; ) {
    const page = await tx.scanInOrder(queueId, after, fifoScanPage);
    for (const row of page) selection.add(row);
    scanned += page.length;
    if (page.length < fifoScanPage) break;
    after = page[page.length - 1]!.seq;
  }
  return selection.pick(max);
}

async function openOrSetAside(
  context: QueueContext,
  tx: WriteTx,
  session: KeySession,
  queue: QueueRow,
  row: MessageRow,
  now: number,
): Promise<MessageContent | undefined> {
  return readOrSetAside(context, tx, queue, row, now, () =>
    openMessage(session, arnOf(context, queue), row.messageId, row.payload),
  );
}

/** What `read` makes of `row`; undefined once `row`, unreadable, is set aside. */
async function readOrSetAside<T>(
  context: QueueContext,
  tx: WriteTx,
  queue: QueueRow,
  row: MessageRow,
  now: number,
  read: () => T,
): Promise<T | undefined> {
  try {
    return read();
  } catch (error) {
    const unreadable = unreadableReasonOf(error);
    // A disabled or pending-deletion key refuses the whole receive (KmsDisabled, KmsInvalidState).
    if (!unreadable) throw asQueueKeyError(error);
    await setAside(context, tx, queue, row, now, unreadable);
    return undefined;
  }
}

/**
 * Never deliver ciphertext that fails authentication, nor drop data whose key was destroyed: the message is
 * kept for investigation (it expires with the queue's retention) and reported.
 */
async function setAside(
  context: QueueContext,
  tx: WriteTx,
  queue: QueueRow,
  row: MessageRow,
  now: number,
  unreadable: Unreadable,
): Promise<void> {
  await tx.setVisibleAt(queue.id, row.seq, now + setAsideMs);
  context.sealer.reportUnreadable({
    source: 'sqs-messages',
    resource: arnOf(context, queue),
    recordId: row.messageId,
    ...unreadable,
  });
}

const allSystemAttributes = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
] as const;

function present(queue: QueueRow, item: Claimed, options: ReceiveOptions): ReceivedMessage {
  const { row, content } = item;
  const wanted = options.systemAttributeNames.includes('All')
    ? new Set<string>(allSystemAttributes)
    : new Set(options.systemAttributeNames);
  const values: Record<string, string | undefined> = {
    SenderId: content.senderId,
    SentTimestamp: String(row.sentAtMs),
    ApproximateReceiveCount: String(row.receiveCount),
    ApproximateFirstReceiveTimestamp: String(row.firstReceivedAtMs ?? row.sentAtMs),
    SequenceNumber: queue.isFifo ? sequenceNumberOf(row.seq) : undefined,
    MessageDeduplicationId: content.deduplicationId,
    MessageGroupId: content.groupId,
    AWSTraceHeader: content.systemAttributes['AWSTraceHeader']?.stringValue,
    DeadLetterQueueSourceArn: content.deadLetterSourceArn,
  };
  const attributes: Record<string, string> = {};
  for (const name of allSystemAttributes) {
    const value = values[name];
    if (wanted.has(name) && value !== undefined) attributes[name] = value;
  }
  const messageAttributes = selectMessageAttributes(content.attributes, options.messageAttributeNames);
  return {
    messageId: row.messageId,
    receiptHandle: encodeReceiptHandle({ queueId: queue.id, seq: row.seq, nonce: item.receiptNonce }),
    md5OfBody: content.bodyMd5 ?? md5OfBody(content.body),
    body: content.body,
    attributes,
    md5OfMessageAttributes: md5OfAttributes(messageAttributes),
    messageAttributes,
  };
}
