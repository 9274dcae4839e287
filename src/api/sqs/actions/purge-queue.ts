import type { SqsAction } from '../action.ts';
import { queueResource } from './queue-resource.ts';

export const purgeQueueAction: SqsAction = {
  name: 'PurgeQueue',
  resource: queueResource,
  async run(input, { app: { queues }, caller }) {
    await queues.purgeQueue(input.queue(caller));
    return undefined;
  },
};
