import { PciqError } from '../core/index.ts';
import type { WireProtocol } from './wire.ts';

export interface AwsJsonOptions {
  /** 1.0 (SQS) or 1.1 (KMS): the content type's version. */
  version: '1.0' | '1.1';
  /** e.g. `AmazonSQS.`, `TrentService.` */
  targetPrefix: string;
  /** Prefix of `__type` in errors, e.g. `com.amazonaws.sqs#`; empty for services that send bare names. */
  errorTypePrefix: string;
  /** "awsQueryCompatible" services also send the legacy Query error code in `x-amzn-query-error`. */
  queryCompatible: boolean;
}

/** The AWS JSON protocol: `X-Amz-Target: <Prefix><Action>` and a JSON body, JSON results and errors. */
export function awsJsonProtocol(options: AwsJsonOptions): WireProtocol {
  const contentType = `application/x-amz-json-${options.version}`;
  return {
    name: 'json',
    decode({ headers, body }) {
      const target = String(headers['x-amz-target'] ?? '');
      const action = target.startsWith(options.targetPrefix) ? target.slice(options.targetPrefix.length) : '';
      if (body.length === 0) return { action, input: {} };
      let input: unknown;
      try {
        input = JSON.parse(body.toString('utf8'));
      } catch {
        // The parser's message quotes the body; it must not reach a client or a log.
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
      const headers: Record<string, string> = { 'content-type': contentType, 'x-amzn-requestid': requestId };
      if (options.queryCompatible) headers['x-amzn-query-error'] = `${error.queryCode};${error.fault}`;
      return {
        status: error.status,
        headers,
        body: JSON.stringify({ __type: `${options.errorTypePrefix}${error.jsonType}`, message: error.message }),
      };
    },
  };
}
