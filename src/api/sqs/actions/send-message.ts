import { PciqError } from '../../../core/index.ts';
import type { SqsAction } from '../action.ts';
import { queueResource } from './queue-resource.ts';
import { sendEntryOf, sendResultOutput } from './send-entry.ts';

export const sendMessageAction: SqsAction = {
  name: 'SendMessage',
  resource: queueResource,
  async run(input, { app: { queues }, caller }) {
    const [outcome] = await queues.sendMessages(caller, input.queue(caller), [sendEntryOf(input, 'message')], false);
    if (!outcome) throw new PciqError('InternalFailure', 'send produced no result');
    if (!outcome.ok) throw new PciqError(outcome.code, outcome.message);
    return sendResultOutput(outcome.value);
  },
};
