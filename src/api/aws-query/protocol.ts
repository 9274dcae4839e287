import { decodeQueryRequest } from '../sqs/query-decode.ts';
import { xmlDocument, xmlEscape } from '../sqs/xml.ts';
import type { WireProtocol } from '../wire.ts';

/**
 * Writes a JSON-shaped result as the AWS Query protocol of IAM and STS writes it: structures nest, lists are
 * wrapped (`<Users><member>…</member></Users>`), booleans and numbers as text. Unlike SQS's Query protocol,
 * nothing is flattened.
 */
export function queryXml(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    const members = value.map((item) => queryXml('member', item)).join('');
    return members === '' ? `<${name}/>` : `<${name}>${members}</${name}>`;
  }
  if (typeof value !== 'object') return `<${name}>${xmlEscape(String(value))}</${name}>`;
  let inner = '';
  for (const [member, item] of Object.entries(value as Record<string, unknown>)) inner += queryXml(member, item);
  return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
}

export interface AwsQueryOptions {
  /** The XML namespace of the service's API version, e.g. `https://iam.amazonaws.com/doc/2010-05-08/`. */
  namespace: string;
  /** pciq error codes raised by shared code, renamed to what the service's clients know. */
  errorNames?: Partial<Record<string, string>>;
}

/** The AWS Query protocol as IAM and STS speak it: form parameters in (`X.member.N`), XML out. */
export function awsQueryProtocol(options: AwsQueryOptions): WireProtocol {
  const contentType = 'text/xml';
  return {
    name: 'query',
    decode: decodeQueryRequest,
    encodeResult(action, output, requestId) {
      const result = output === undefined ? '' : queryXml(`${action}Result`, output);
      return {
        status: 200,
        headers: { 'content-type': contentType, 'x-amzn-requestid': requestId },
        body: xmlDocument(
          `<${action}Response xmlns="${options.namespace}">${result}` +
            `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
        ),
      };
    },
    encodeError(error, requestId) {
      const code = options.errorNames?.[error.code] ?? error.queryCode;
      return {
        status: error.status,
        headers: { 'content-type': contentType, 'x-amzn-requestid': requestId },
        body: xmlDocument(
          `<ErrorResponse xmlns="${options.namespace}"><Error><Type>${error.fault}</Type><Code>${xmlEscape(code)}</Code>` +
            `<Message>${xmlEscape(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        ),
      };
    },
  };
}
