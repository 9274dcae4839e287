import type { SqsAction } from '../action.ts';
import { checkQueuePolicy } from './queue-policy.ts';
import { queueResource } from './queue-resource.ts';

export const setQueueAttributesAction: SqsAction = {
  name: 'SetQueueAttributes',
  resource: queueResource,
  async run(input, { app: { queues }, caller }) {
    const attributes = input.stringMap('Attributes');
    checkQueuePolicy(attributes);
    await queues.setQueueAttributes(input.queue(caller), attributes);
    return undefined;
  },
};
