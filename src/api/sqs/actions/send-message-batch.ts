import { producerKeyPermissions } from '../../../queues/index.ts';
import { batchOutput, type SqsAction } from '../action.ts';
import { authorizeQueueKey } from './queue-key.ts';
import { queueResource } from './queue-resource.ts';
import { sendEntryOf, sendResultOutput } from './send-entry.ts';

export const sendMessageBatchAction: SqsAction = {
  name: 'SendMessageBatch',
  permission: 'SendMessage',
  resource: queueResource,
  async run(input, context) {
    const { app, caller } = context;
    const entries = input.entries('Entries').map((entry) => sendEntryOf(entry, entry.optionalString('Id') ?? ''));
    await authorizeQueueKey(context, input.queue(caller), producerKeyPermissions);
    const outcomes = await app.queues.sendMessages(caller, input.queue(caller), entries, true);
    return batchOutput(outcomes, sendResultOutput);
  },
  queryListElements: { Successful: 'SendMessageBatchResultEntry', Failed: 'BatchResultErrorEntry' },
};
