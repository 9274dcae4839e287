import { tagConditionKeys } from '../../condition-keys.ts';
import type { SqsAction } from '../action.ts';
import { queueResource } from './queue-resource.ts';

export const tagQueueAction: SqsAction = {
  name: 'TagQueue',
  resource: queueResource,
  conditionKeys: (input) => tagConditionKeys(input.stringMap('Tags')),
  async run(input, { app: { queues }, caller }) {
    await queues.tagQueue(input.queue(caller), input.stringMap('Tags'));
    return undefined;
  },
};
