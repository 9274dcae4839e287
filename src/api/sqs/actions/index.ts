import type { ErrorCode } from '../../../core/index.ts';
import { refusingCardData } from '../../card-data-parameters.ts';
import type { SqsAction } from '../action.ts';
import { cancelMessageMoveTaskAction } from './cancel-message-move-task.ts';
import { changeMessageVisibilityAction } from './change-message-visibility.ts';
import { changeMessageVisibilityBatchAction } from './change-message-visibility-batch.ts';
import { createQueueAction } from './create-queue.ts';
import { deleteMessageAction } from './delete-message.ts';
import { deleteMessageBatchAction } from './delete-message-batch.ts';
import { deleteQueueAction } from './delete-queue.ts';
import { getQueueAttributesAction } from './get-queue-attributes.ts';
import { getQueueUrlAction } from './get-queue-url.ts';
import { listDeadLetterSourceQueuesAction } from './list-dead-letter-source-queues.ts';
import { listMessageMoveTasksAction } from './list-message-move-tasks.ts';
import { listQueueTagsAction } from './list-queue-tags.ts';
import { listQueuesAction } from './list-queues.ts';
import { addPermissionAction, removePermissionAction } from './permissions.ts';
import { purgeQueueAction } from './purge-queue.ts';
import { receiveMessageAction } from './receive-message.ts';
import { sendMessageAction } from './send-message.ts';
import { sendMessageBatchAction } from './send-message-batch.ts';
import { setQueueAttributesAction } from './set-queue-attributes.ts';
import { startMessageMoveTaskAction } from './start-message-move-task.ts';
import { tagQueueAction } from './tag-queue.ts';
import { untagQueueAction } from './untag-queue.ts';

/**
 * What a queue is named, tagged and configured with (its policy, its token scope and allowed fields) is kept
 * in plain text: card data there is refused, with SQS's code for a bad parameter or attribute value.
 * `tags` is CreateQueue's member in the JSON protocol; the Query decoder folds `Tag.N.Key` into `Tags`.
 */
const managementParameterCodes: Partial<Record<string, ErrorCode>> = {
  QueueName: 'InvalidParameterValue',
  Attributes: 'InvalidAttributeValue',
  Tags: 'InvalidParameterValue',
  tags: 'InvalidParameterValue',
  Label: 'InvalidParameterValue',
};

/** Every SQS action by name (API version 2012-11-05). */
export const sqsActions: ReadonlyMap<string, SqsAction> = new Map(
  [
    ...[addPermissionAction, createQueueAction, setQueueAttributesAction, tagQueueAction].map((action) =>
      refusingCardData(action, (parameter) => managementParameterCodes[parameter]),
    ),
    cancelMessageMoveTaskAction,
    changeMessageVisibilityAction,
    changeMessageVisibilityBatchAction,
    deleteMessageAction,
    deleteMessageBatchAction,
    deleteQueueAction,
    getQueueAttributesAction,
    getQueueUrlAction,
    listDeadLetterSourceQueuesAction,
    listMessageMoveTasksAction,
    listQueueTagsAction,
    listQueuesAction,
    purgeQueueAction,
    receiveMessageAction,
    removePermissionAction,
    sendMessageAction,
    sendMessageBatchAction,
    startMessageMoveTaskAction,
    untagQueueAction,
  ].map((action) => [action.name, action]),
);
