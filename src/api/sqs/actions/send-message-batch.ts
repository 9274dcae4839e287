import { batchOutput, type SqsAction } from '../action.ts';
import { queueResource } from './queue-resource.ts';
import { sendEntryOf, sendResultOutput } from './send-entry.ts';

export const sendMessageBatchAction: SqsAction = {
  name: 'SendMessageBatch',
  permission: 'SendMessage',
  resource: queueResource,
  async run(input, { app: { queues }, caller }) {
    const entries = input.entries('Entries').map((entry) => sendEntryOf(entry, entry.optionalString('Id') ?? ''));
    const outcomes = await queues.sendMessages(caller, input.queue(caller), entries, true);
    return batchOutput(outcomes, sendResultOutput);
  },
  queryListElements: { Successful: 'SendMessageBatchResultEntry', Failed: 'BatchResultErrorEntry' },
};
