import type { SendEntry, SendResult } from '../../../queues/index.ts';
import type { ActionInput } from '../../action-input.ts';
import { compact } from '../action.ts';

/** Reads one message to send, from SendMessage or from an entry of SendMessageBatch. */
export function sendEntryOf(input: ActionInput, id: string): SendEntry {
  const entry: SendEntry = {
    id,
    body: input.string('MessageBody'),
    attributes: input.messageAttributes('MessageAttributes'),
    systemAttributes: input.messageAttributes('MessageSystemAttributes'),
  };
  const delaySeconds = input.optionalInteger('DelaySeconds');
  const groupId = input.optionalString('MessageGroupId');
  const deduplicationId = input.optionalString('MessageDeduplicationId');
  if (delaySeconds !== undefined) entry.delaySeconds = delaySeconds;
  if (groupId !== undefined) entry.groupId = groupId;
  if (deduplicationId !== undefined) entry.deduplicationId = deduplicationId;
  return entry;
}

export function sendResultOutput(result: SendResult): Record<string, unknown> {
  return compact({
    MessageId: result.messageId,
    MD5OfMessageBody: result.md5OfBody,
    MD5OfMessageAttributes: result.md5OfMessageAttributes,
    MD5OfMessageSystemAttributes: result.md5OfSystemAttributes,
    SequenceNumber: result.sequenceNumber,
  });
}
