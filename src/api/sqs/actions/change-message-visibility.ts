import type { SqsAction } from '../action.ts';
import { queueResource } from './queue-resource.ts';

export const changeMessageVisibilityAction: SqsAction = {
  name: 'ChangeMessageVisibility',
  resource: queueResource,
  async run(input, { app: { queues }, caller }) {
    await queues.changeMessageVisibility(
      input.queue(caller),
      input.string('ReceiptHandle'),
      input.integer('VisibilityTimeout'),
    );
    return undefined;
  },
};
