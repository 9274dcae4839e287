import type { SqsAction } from '../action.ts';
import { compact } from '../action.ts';

export const listQueuesAction: SqsAction = {
  name: 'ListQueues',
  resource: (_input, { caller, region }) => `arn:aws:sqs:${region}:${caller.accountId}:*`,
  async run(input, { app: { queues }, caller }) {
    const options: { prefix?: string; maxResults?: number; nextToken?: string } = {};
    const prefix = input.optionalString('QueueNamePrefix');
    const maxResults = input.optionalInteger('MaxResults');
    const nextToken = input.optionalString('NextToken');
    if (prefix !== undefined) options.prefix = prefix;
    if (maxResults !== undefined) options.maxResults = maxResults;
    if (nextToken !== undefined) options.nextToken = nextToken;
    const page = await queues.listQueues(caller, options);
    return compact({ QueueUrls: page.items.length > 0 ? page.items : undefined, NextToken: page.nextToken });
  },
  queryListElements: { QueueUrls: 'QueueUrl' },
};
