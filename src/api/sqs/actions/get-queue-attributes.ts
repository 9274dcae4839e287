import type { SqsAction } from '../action.ts';
import { queueResource } from './queue-resource.ts';

export const getQueueAttributesAction: SqsAction = {
  name: 'GetQueueAttributes',
  resource: queueResource,
  async run(input, { app: { queues }, caller }) {
    const attributes = await queues.getQueueAttributes(input.queue(caller), input.stringList('AttributeNames'));
    return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
  },
};
