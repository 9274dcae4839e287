import type { RecordCategory } from '../../audit/index.ts';
import { parseQueueArn } from '../../core/index.ts';
import { awsJsonProtocol } from '../aws-json-protocol.ts';
import { resourceTagKeys } from '../condition-keys.ts';
import type { ApiService } from '../service.ts';
import { sqsActions } from './actions/index.ts';
import { queryProtocol } from './query-protocol.ts';

/** Actions that read or change messages, which may carry cardholder data (PCI DSS 10.2.1.1). */
const dataActions = new Set([
  'SendMessage',
  'SendMessageBatch',
  'ReceiveMessage',
  'DeleteMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
]);

/** Amazon SQS, API version 2012-11-05, in both of its wire protocols. */
export const sqsService: ApiService = {
  signingName: 'sqs',
  json: {
    targetPrefix: 'AmazonSQS.',
    protocol: awsJsonProtocol({
      version: '1.0',
      targetPrefix: 'AmazonSQS.',
      errorTypePrefix: 'com.amazonaws.sqs#',
      queryCompatible: true,
    }),
  },
  query: queryProtocol,
  actions: sqsActions,
  async resourceAccess(resource, { app, caller }) {
    const queue = parseQueueArn(resource);
    if (!queue || queue.accountId !== caller.accountId || queue.name === '*') return undefined;
    const access = await app.queues.queueAccess(queue);
    return access && { policy: access.policy, keys: resourceTagKeys(access.tags) };
  },
  auditCategory: (action): RecordCategory => (dataActions.has(action) ? 'data' : 'management'),
};
