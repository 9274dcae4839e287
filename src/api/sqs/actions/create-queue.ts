import { queueArn } from '../../../core/index.ts';
import type { SqsAction } from '../action.ts';

export const createQueueAction: SqsAction = {
  name: 'CreateQueue',
  resource: (input, { caller, region }) =>
    queueArn(region, { accountId: caller.accountId, name: input.string('QueueName') }),
  async run(input, { app: { queues }, caller }) {
    // The JSON protocol names the member `tags`; the Query decoder folds `Tag.N.Key` into `Tags`.
    const tags = input.has('tags') ? input.stringMap('tags') : input.stringMap('Tags');
    const url = await queues.createQueue(caller, {
      name: input.string('QueueName'),
      attributes: input.stringMap('Attributes'),
      tags,
    });
    return { QueueUrl: url };
  },
};
