import { invalidParameter, PciqError, type QueueAddress } from '../core/index.ts';
import type { DeleteOutcome, QueueRow, WriteTx } from '../storage/index.ts';
import { type EntryOutcome, eachEntry, failedEntry, validateBatch } from './batch.ts';
import type { QueueContext } from './context.ts';
import { limits } from './limits.ts';
import { decodeReceiptHandle, type ReceiptHandle } from './receipt-handle.ts';

export interface DeleteEntry {
  id: string;
  receiptHandle: string;
}

export interface VisibilityEntry {
  id: string;
  receiptHandle: string;
  visibilityTimeoutSec: number;
}

function handleFor(queue: QueueRow, text: string): ReceiptHandle {
  const handle = decodeReceiptHandle(text);
  if (handle.queueId !== queue.id) {
    throw new PciqError(
      'ReceiptHandleIsInvalid',
      'The input receipt handle is not a valid receipt handle for this queue.',
    );
  }
  return handle;
}

function expiredHandle(text: string): PciqError {
  return invalidParameter(
    `Value ${text} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`,
  );
}

/**
 * Deleting is idempotent: a message already gone is success. A handle from an earlier receive does not
 * delete a message that was received again since (SQS documents the same); on a FIFO queue that is an
 * error, so the consumer knows another one owns the message now.
 */
function checkDeleted(queue: QueueRow, text: string, { outcome }: DeleteOutcome): void {
  if (outcome === 'stale' && queue.isFifo) throw expiredHandle(text);
}

/**
 * On a FIFO queue SQS refuses a handle whose visibility timeout has run out, even before another receive
 * took the message: its group is open again, and a late delete would drop a message another consumer may be
 * about to get. (A standard queue still deletes with it.)
 */
async function refuseIfFifoHandleExpired(
  context: QueueContext,
  tx: WriteTx,
  queue: QueueRow,
  handle: ReceiptHandle,
  text: string,
): Promise<void> {
  if (!queue.isFifo) return;
  const message = await tx.getMessage(queue.id, handle.seq);
  if (message?.receiptNonce === handle.nonce && message.visibleAtMs <= context.clock.now()) throw expiredHandle(text);
}

async function changeOne(
  context: QueueContext,
  tx: WriteTx,
  queue: QueueRow,
  text: string,
  visibilityTimeoutSec: number,
): Promise<void> {
  if (
    !Number.isInteger(visibilityTimeoutSec) ||
    visibilityTimeoutSec < 0 ||
    visibilityTimeoutSec > limits.maxVisibilityTimeoutSec
  ) {
    throw invalidParameter(
      `Value ${visibilityTimeoutSec} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`,
    );
  }
  const handle = handleFor(queue, text);
  const message = await tx.getMessage(queue.id, handle.seq);
  const now = context.clock.now();
  if (!message || message.receiptNonce !== handle.nonce) {
    throw invalidParameter(
      'Value for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.',
    );
  }
  if (message.visibleAtMs <= now) {
    // SQS answers a standard queue's expired handle with success and leaves the message visible.
    if (!queue.isFifo) return;
    throw new PciqError('MessageNotInflight', 'The message referred to is not in flight.');
  }
  // SQS: a message's visibility may not reach beyond 12 hours after the receive that issued the handle.
  const receivedAt = message.lastReceivedAtMs ?? now;
  if (now + visibilityTimeoutSec * 1000 - receivedAt > limits.maxVisibilityTimeoutSec * 1000) {
    throw invalidParameter(
      `Value ${visibilityTimeoutSec} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]`,
    );
  }
  await tx.setVisibleAt(queue.id, handle.seq, now + visibilityTimeoutSec * 1000);
  if (visibilityTimeoutSec === 0) tx.signalReceivable(queue.id);
}

export async function deleteMessage(
  context: QueueContext,
  address: QueueAddress,
  receiptHandle: string,
): Promise<void> {
  const queue = await context.queues.get(address);
  const handle = handleFor(queue, receiptHandle);
  const outcome = await context.store.write(async (tx) => {
    await refuseIfFifoHandleExpired(context, tx, queue, handle, receiptHandle);
    return tx.deleteReceived(queue.id, handle.seq, handle.nonce);
  });
  checkDeleted(queue, receiptHandle, outcome);
}

/** The entries' messages are deleted by one storage call; an entry with a malformed handle fails alone. */
export async function deleteMessageBatch(
  context: QueueContext,
  address: QueueAddress,
  entries: readonly DeleteEntry[],
): Promise<Array<EntryOutcome<void>>> {
  validateBatch(entries, 'DeleteMessageBatchRequestEntry');
  const queue = await context.queues.get(address);
  const handles = entries.map((entry) => {
    try {
      return handleFor(queue, entry.receiptHandle);
    } catch (error) {
      return failedEntry(entry.id, error);
    }
  });
  const deleted = await context.store.write(async (tx) => {
    for (const [index, handle] of handles.entries()) {
      if ('ok' in handle) continue;
      const entry = entries[index]!;
      try {
        await refuseIfFifoHandleExpired(context, tx, queue, handle, entry.receiptHandle);
      } catch (error) {
        handles[index] = failedEntry(entry.id, error);
      }
    }
    const valid = handles.filter((handle): handle is ReceiptHandle => !('ok' in handle));
    return tx.deleteReceivedBatch(
      queue.id,
      valid.map((handle) => ({ seq: handle.seq, receiptNonce: handle.nonce })),
    );
  });
  let next = 0;
  return entries.map((entry, index) => {
    const handle = handles[index]!;
    if ('ok' in handle) return handle;
    try {
      checkDeleted(queue, entry.receiptHandle, deleted[next++]!);
      return { ok: true, id: entry.id, value: undefined };
    } catch (error) {
      return failedEntry(entry.id, error);
    }
  });
}

export async function changeMessageVisibility(
  context: QueueContext,
  address: QueueAddress,
  receiptHandle: string,
  visibilityTimeoutSec: number,
): Promise<void> {
  const queue = await context.queues.get(address);
  await context.store.write((tx) => changeOne(context, tx, queue, receiptHandle, visibilityTimeoutSec));
}

export async function changeMessageVisibilityBatch(
  context: QueueContext,
  address: QueueAddress,
  entries: readonly VisibilityEntry[],
): Promise<Array<EntryOutcome<void>>> {
  validateBatch(entries, 'ChangeMessageVisibilityBatchRequestEntry');
  const queue = await context.queues.get(address);
  return context.store.write(async (tx) => {
    return eachEntry(entries, (entry) =>
      changeOne(context, tx, queue, entry.receiptHandle, entry.visibilityTimeoutSec),
    );
  });
}
