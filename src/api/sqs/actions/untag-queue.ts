import { tagKeysConditionKey } from '../../condition-keys.ts';
import type { SqsAction } from '../action.ts';
import { queueResource } from './queue-resource.ts';

export const untagQueueAction: SqsAction = {
  name: 'UntagQueue',
  resource: queueResource,
  conditionKeys: (input) => tagKeysConditionKey(input.stringList('TagKeys')),
  async run(input, { app: { queues }, caller }) {
    await queues.untagQueue(input.queue(caller), input.stringList('TagKeys'));
    return undefined;
  },
};
