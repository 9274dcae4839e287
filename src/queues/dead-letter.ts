import { parseQueueArn } from '../core/index.ts';
import type { KeySession } from '../keys/index.ts';
import type { MessageRow, QueueRow, WriteTx } from '../storage/index.ts';
import { arnOf, type QueueContext, sealingKeyOf } from './context.ts';
import { asQueueKeyError } from './kms-errors.ts';
import { openMessage, sealMessage } from './message-payload.ts';
import { settingsOf } from './queue-attributes.ts';

/** The dead-letter queue a source queue's RedrivePolicy names, if it exists. */
export async function deadLetterQueueOf(tx: WriteTx, source: QueueRow): Promise<QueueRow | undefined> {
  const policy = settingsOf(source.attributes).redrivePolicy;
  if (!policy) return undefined;
  const target = parseQueueArn(policy.deadLetterTargetArn);
  return target ? tx.getQueueByName(target.accountId, target.name) : undefined;
}

/**
 * Moves a message that exceeded maxReceiveCount to the dead-letter queue, in the caller's transaction.
 * The payload is opened and sealed again because its additional authenticated data names the queue.
 * As on SQS, a standard message keeps its original expiry; a FIFO message's enqueue time resets.
 */
export async function moveToDeadLetter(
  context: QueueContext,
  tx: WriteTx,
  session: KeySession,
  message: MessageRow,
  source: QueueRow,
  dlq: QueueRow,
): Promise<void> {
  const now = context.clock.now();
  const sourceArn = arnOf(context, source);
  let content: ReturnType<typeof openMessage>;
  try {
    content = openMessage(session, sourceArn, message.messageId, message.payload);
  } catch (error) {
    throw asQueueKeyError(error);
  }
  content.deadLetterSourceArn = sourceArn;
  const dlqSettings = settingsOf(dlq.attributes);
  if (dlq.isFifo) await tx.lockQueueForFifoSend(dlq.id);
  await tx.insertMessage({
    ...message,
    queueId: dlq.id,
    payload: sealMessage(sealingKeyOf(context, session, dlq), message.messageId, content),
    groupKey: dlq.isFifo ? message.groupKey : null,
    sentAtMs: dlq.isFifo ? now : message.sentAtMs,
    visibleAtMs: now,
    expiresAtMs: dlq.isFifo
      ? now + dlqSettings.retentionSec * 1000
      : message.sentAtMs + dlqSettings.retentionSec * 1000,
    receiveCount: 0,
    firstReceivedAtMs: null,
    lastReceivedAtMs: null,
    receiptNonce: null,
  });
  await tx.deleteMessage(source.id, message.seq);
  tx.signalReceivable(dlq.id);
}
