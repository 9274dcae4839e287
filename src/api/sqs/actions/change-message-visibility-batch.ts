import { batchOutput, type SqsAction } from '../action.ts';
import { queueResource } from './queue-resource.ts';

export const changeMessageVisibilityBatchAction: SqsAction = {
  name: 'ChangeMessageVisibilityBatch',
  permission: 'ChangeMessageVisibility',
  resource: queueResource,
  async run(input, { app: { queues }, caller }) {
    const entries = input.entries('Entries').map((entry) => ({
      id: entry.optionalString('Id') ?? '',
      receiptHandle: entry.string('ReceiptHandle'),
      visibilityTimeoutSec: entry.optionalInteger('VisibilityTimeout') ?? 0,
    }));
    return batchOutput(await queues.changeMessageVisibilityBatch(input.queue(caller), entries), () => ({}));
  },
  queryListElements: { Successful: 'ChangeMessageVisibilityBatchResultEntry', Failed: 'BatchResultErrorEntry' },
};
