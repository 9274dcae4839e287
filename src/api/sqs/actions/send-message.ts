import { PciqError } from '../../../core/index.ts';
import { producerKeyPermissions } from '../../../queues/index.ts';
import type { SqsAction } from '../action.ts';
import { authorizeQueueKey } from './queue-key.ts';
import { queueResource } from './queue-resource.ts';
import { sendEntryOf, sendResultOutput } from './send-entry.ts';

export const sendMessageAction: SqsAction = {
  name: 'SendMessage',
  resource: queueResource,
  async run(input, context) {
    const { app, caller } = context;
    const entry = sendEntryOf(input, 'message');
    await authorizeQueueKey(context, input.queue(caller), producerKeyPermissions);
    const [outcome] = await app.queues.sendMessages(caller, input.queue(caller), [entry], false);
    if (!outcome) throw new PciqError('InternalFailure', 'send produced no result');
    if (!outcome.ok) throw new PciqError(outcome.code, outcome.message);
    return sendResultOutput(outcome.value);
  },
};
