import {
  consumerKeyPermissions,
  type MessageAttributes,
  type ReceivedMessage,
  type ReceiveOptions,
} from '../../../queues/index.ts';
import { vaultArn } from '../../../vault/index.ts';
import { compact, type SqsAction } from '../action.ts';
import { authorizeQueueKey } from './queue-key.ts';
import { queueResource } from './queue-resource.ts';
import { revealOptionOf } from './reveal-request.ts';

function attributesOutput(attributes: MessageAttributes): Record<string, unknown> | undefined {
  const names = Object.keys(attributes);
  if (names.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const value = attributes[name]!;
    out[name] =
      value.binaryValue !== undefined
        ? { BinaryValue: Buffer.from(value.binaryValue).toString('base64'), DataType: value.dataType }
        : { StringValue: value.stringValue, DataType: value.dataType };
  }
  return out;
}

function messageOutput(message: ReceivedMessage): Record<string, unknown> {
  return compact({
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    Attributes: Object.keys(message.attributes).length > 0 ? message.attributes : undefined,
    MD5OfMessageAttributes: message.md5OfMessageAttributes,
    MessageAttributes: attributesOutput(message.messageAttributes),
  });
}

export const receiveMessageAction: SqsAction = {
  name: 'ReceiveMessage',
  resource: queueResource,
  async run(input, context) {
    const { app, caller, signal } = context;
    const reveal = revealOptionOf(input.stringList('MessageAttributeNames'), context);
    const options: ReceiveOptions = {
      systemAttributeNames: [...input.stringList('AttributeNames'), ...input.stringList('MessageSystemAttributeNames')],
      messageAttributeNames: reveal.attributeNames,
    };
    if (reveal.request) {
      context.note({ reveal: reveal.request.redaction, reason: reveal.request.reason ?? null });
      // Revealing is detokenizing: the receiver needs pciq:Detokenize on the vault, asked before anything is
      // received so that a refusal leaves the messages where they are.
      await context.authorize('pciq:Detokenize', vaultArn(context.region, caller.accountId));
      options.reveal = reveal.request;
    }
    // The consumer's use of the queue's key, before anything is received (a refusal leaves the messages).
    await authorizeQueueKey(context, input.queue(caller), consumerKeyPermissions);
    const maxMessages = input.optionalInteger('MaxNumberOfMessages');
    const visibilityTimeoutSec = input.optionalInteger('VisibilityTimeout');
    const waitTimeSec = input.optionalInteger('WaitTimeSeconds');
    const attemptId = input.optionalString('ReceiveRequestAttemptId');
    if (maxMessages !== undefined) options.maxMessages = maxMessages;
    if (visibilityTimeoutSec !== undefined) options.visibilityTimeoutSec = visibilityTimeoutSec;
    if (waitTimeSec !== undefined) options.waitTimeSec = waitTimeSec;
    if (attemptId !== undefined) options.attemptId = attemptId;
    const messages = await app.queues.receiveMessages(input.queue(caller), options, signal);
    return messages.length > 0 ? { Messages: messages.map(messageOutput) } : {};
  },
  queryListElements: { Messages: 'Message' },
};
