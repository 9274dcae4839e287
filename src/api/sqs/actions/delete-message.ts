import type { SqsAction } from '../action.ts';
import { queueResource } from './queue-resource.ts';

export const deleteMessageAction: SqsAction = {
  name: 'DeleteMessage',
  resource: queueResource,
  async run(input, { app: { queues }, caller }) {
    await queues.deleteMessage(input.queue(caller), input.string('ReceiptHandle'));
    return undefined;
  },
};
