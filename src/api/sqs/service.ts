import { awsJsonProtocol } from '../aws-json-protocol.ts';
import type { ApiService } from '../service.ts';
import { sqsActions } from './actions/index.ts';
import { queryProtocol } from './query-protocol.ts';

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
};
