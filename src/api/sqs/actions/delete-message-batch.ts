import { batchOutput, type SqsAction } from '../action.ts';
import { queueResource } from './queue-resource.ts';

export const deleteMessageBatchAction: SqsAction = {
  name: 'DeleteMessageBatch',
  permission: 'DeleteMessage',
  resource: queueResource,
  async run(input, { app: { queues }, caller }) {
    const entries = input.entries('Entries').map((entry) => ({
      id: entry.optionalString('Id') ?? '',
      receiptHandle: entry.string('ReceiptHandle'),
    }));
    return batchOutput(await queues.deleteMessageBatch(input.queue(caller), entries), () => ({}));
  },
  queryListElements: { Successful: 'DeleteMessageBatchResultEntry', Failed: 'BatchResultErrorEntry' },
};
