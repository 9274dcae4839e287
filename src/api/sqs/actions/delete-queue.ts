import type { SqsAction } from '../action.ts';
import { queueResource } from './queue-resource.ts';

export const deleteQueueAction: SqsAction = {
  name: 'DeleteQueue',
  resource: queueResource,
  async run(input, { app: { queues }, caller }) {
    await queues.deleteQueue(input.queue(caller));
    return undefined;
  },
};
