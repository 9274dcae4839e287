import type { WireProtocol } from '../wire.ts';
import { decodeQueryRequest } from './query-decode.ts';
import { xmlDocument, xmlElement, xmlEscape } from './xml.ts';

const namespace = 'http://queue.amazonaws.com/doc/2012-11-05/';
const contentType = 'text/xml';

/** The Query protocol (Debian's awscli 2.9, boto3 1.26, older SDKs): form parameters in, XML out. */
export const queryProtocol: WireProtocol = {
  name: 'query',
  decode: decodeQueryRequest,
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
