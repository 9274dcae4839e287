import type { SqsAction } from '../action.ts';
import { compact } from '../action.ts';
import { queueResource } from './queue-resource.ts';

export const listDeadLetterSourceQueuesAction: SqsAction = {
  name: 'ListDeadLetterSourceQueues',
  resource: queueResource,
  async run(input, { app: { queues }, caller }) {
    const options: { maxResults?: number; nextToken?: string } = {};
    const maxResults = input.optionalInteger('MaxResults');
    const nextToken = input.optionalString('NextToken');
    if (maxResults !== undefined) options.maxResults = maxResults;
    if (nextToken !== undefined) options.nextToken = nextToken;
    const page = await queues.listDeadLetterSourceQueues(input.queue(caller), options);
    return compact({ queueUrls: page.items, NextToken: page.nextToken });
  },
  queryListElements: { queueUrls: 'QueueUrl' },
};
