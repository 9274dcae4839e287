import { queueArn } from '../../../core/index.ts';
import type { SqsAction } from '../action.ts';

export const getQueueUrlAction: SqsAction = {
  name: 'GetQueueUrl',
  resource: (input, { caller, region }) =>
    queueArn(region, {
      accountId: input.optionalString('QueueOwnerAWSAccountId') ?? caller.accountId,
      name: input.string('QueueName'),
    }),
  async run(input, { app: { queues }, caller }) {
    const url = await queues.getQueueUrl(
      caller,
      input.string('QueueName'),
      input.optionalString('QueueOwnerAWSAccountId'),
    );
    return { QueueUrl: url };
  },
};
