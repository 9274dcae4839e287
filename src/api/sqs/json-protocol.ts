import { PciqError } from '../../core/index.ts';
import type { WireProtocol } from './wire.ts';

const contentType = 'application/x-amz-json-1.0';
const targetPrefix = 'AmazonSQS.';

/** AWS JSON 1.0 (AWS SDK v3, aws-sdk v2, boto3 ≥ 1.31): `X-Amz-Target: AmazonSQS.<Action>` and a JSON body. */
export const jsonProtocol: WireProtocol = {
  name: 'json',
  decode({ headers, body }) {
    const target = String(headers['x-amz-target'] ?? '');
    const action = target.startsWith(targetPrefix) ? target.slice(targetPrefix.length) : '';
    if (body.length === 0) return { action, input: {} };
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      throw new PciqError('MalformedRequest', 'The request body is not valid JSON.');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new PciqError('MalformedRequest', 'The request body must be a JSON object.');
    }
    return { action, input: input as Record<string, unknown> };
  },
  encodeResult(_action, output, requestId) {
    return {
      status: 200,
      headers: { 'content-type': contentType, 'x-amzn-requestid': requestId },
      body: JSON.stringify(output ?? {}),
    };
  },
  encodeError(error, requestId) {
    return {
      status: error.status,
      headers: {
        'content-type': contentType,
        'x-amzn-requestid': requestId,
        // SQS is "awsQueryCompatible": SDKs surface the legacy Query code from this header.
        'x-amzn-query-error': `${error.queryCode};${error.fault}`,
      },
      body: JSON.stringify({ __type: `com.amazonaws.sqs#${error.jsonType}`, message: error.message }),
    };
  },
};
