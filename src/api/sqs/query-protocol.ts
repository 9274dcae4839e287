import { PciqError } from '../../core/index.ts';
import type { WireProtocol } from '../wire.ts';
import { foldQueryParameters } from './query-decode.ts';
import { xmlDocument, xmlElement, xmlEscape } from './xml.ts';

const namespace = 'http://queue.amazonaws.com/doc/2012-11-05/';
const contentType = 'text/xml';

/** Parameters that belong to the envelope or to SigV4's presigned form, not to the action. */
const envelope = new Set(['Action', 'Version']);

/** The Query protocol (Debian's awscli 2.9, boto3 1.26, older SDKs): form parameters in, XML out. */
export const queryProtocol: WireProtocol = {
  name: 'query',
  decode({ body, query }) {
    const parameters = new URLSearchParams(query);
    if (body.length > 0)
      for (const [key, value] of new URLSearchParams(body.toString('utf8'))) parameters.append(key, value);
    const action = parameters.get('Action') ?? '';
    for (const key of [...parameters.keys()]) {
      if (envelope.has(key) || key.startsWith('X-Amz-')) parameters.delete(key);
    }
    if (!action) throw new PciqError('MissingParameter', 'The request must contain the parameter Action.');
    return { action, input: foldQueryParameters(parameters) };
  },
  encodeResult(action, output, requestId, listElements) {
    const result = output === undefined ? '' : xmlElement(`${action}Result`, output, listElements);
    const metadata = `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`;
    return {
      status: 200,
      headers: { 'content-type': contentType, 'x-amzn-requestid': requestId },
      body: xmlDocument(`<${action}Response xmlns="${namespace}">${result}${metadata}</${action}Response>`),
    };
  },
  encodeError(error, requestId) {
    return {
      status: error.status,
      headers: { 'content-type': contentType, 'x-amzn-requestid': requestId },
      body: xmlDocument(
        `<ErrorResponse xmlns="${namespace}"><Error><Type>${error.fault}</Type><Code>${xmlEscape(error.queryCode)}</Code>` +
          `<Message>${xmlEscape(error.message)}</Message><Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      ),
    };
  },
};
