import type { SqsAction } from '../action.ts';
import { queueResource } from './queue-resource.ts';

export const listQueueTagsAction: SqsAction = {
  name: 'ListQueueTags',
  resource: queueResource,
  async run(input, { app: { queues }, caller }) {
    const tags = await queues.listQueueTags(input.queue(caller));
    return Object.keys(tags).length > 0 ? { Tags: tags } : {};
  },
};
