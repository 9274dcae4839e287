export type { DeleteEntry, VisibilityEntry } from './acknowledge.ts';
export type { EntryOutcome } from './batch.ts';
export {
  type DataAction,
  dataPolicyOf,
  dataPolicySettings,
  type QueueDataPolicy,
  type QueueTokenFormat,
} from './data-policy.ts';
export {
  authorizeQueueKeyUse,
  consumerKeyPermissions,
  type KeyUseFacts,
  producerKeyPermissions,
} from './key-use.ts';
export { queuesByKey } from './key-users.ts';
export { asQueueKeyError } from './kms-errors.ts';
export { limits } from './limits.ts';
export type { CreateQueueInput, Page } from './manage.ts';
export { md5OfAttributes, md5OfBody } from './md5.ts';
export type { MessageAttributes, MessageAttributeValue } from './message-attributes.ts';
export type {
  GuardedMessage,
  MessageGuard,
  PendingRewrite,
  RevealRedaction,
  RevealRequest,
  RewrittenMessage,
} from './message-guard.ts';
export type { MoveTaskView } from './move-tasks.ts';
export { quarantineOf } from './quarantine.ts';
export {
  effectiveAttributes,
  type QueueSettings,
  quarantineAttribute,
  settingsOf,
  sqsManagedKeyAlias,
} from './queue-attributes.ts';
export type { ReceivedMessage, ReceiveOptions } from './receive.ts';
export { sealedMessagesSource } from './sealed-messages.ts';
export type { SendEntry, SendResult } from './send.ts';
export { QueueService, type QueueServiceOptions } from './service.ts';
