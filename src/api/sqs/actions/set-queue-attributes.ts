import type { SqsAction } from '../action.ts';
import { queueResource } from './queue-resource.ts';

export const setQueueAttributesAction: SqsAction = {
  name: 'SetQueueAttributes',
  resource: queueResource,
  async run(input, { app: { queues }, caller }) {
    await queues.setQueueAttributes(input.queue(caller), input.stringMap('Attributes'));
    return undefined;
  },
};
