import { awsJsonProtocol } from '../aws-json-protocol.ts';
import type { WireProtocol } from '../wire.ts';

/**
 * AWS KMS speaks AWS JSON 1.1 with bare error names in `__type`. Errors raised by shared code in SQS's
 * vocabulary get the names KMS clients know: parameter problems are ValidationException, and the
 * authentication failures are named as KMS names them.
 */
const kmsNames: Partial<Record<string, string>> = {
  InvalidParameterValue: 'ValidationException',
  InvalidParameterCombination: 'ValidationException',
  MissingParameter: 'ValidationException',
  InvalidAttributeValue: 'ValidationException',
  InvalidClientTokenId: 'UnrecognizedClientException',
  SignatureDoesNotMatch: 'InvalidSignatureException',
  IncompleteSignature: 'IncompleteSignatureException',
  MissingAuthenticationToken: 'MissingAuthenticationTokenException',
  AccessDenied: 'AccessDeniedException',
  InternalFailure: 'KMSInternalException',
};

const json = awsJsonProtocol({
  version: '1.1',
  targetPrefix: 'TrentService.',
  errorTypePrefix: '',
  queryCompatible: false,
});

export const kmsProtocol: WireProtocol = {
  ...json,
  encodeError(error, requestId) {
    const name = kmsNames[error.code];
    return json.encodeError(name ? { ...error, jsonType: name, queryCode: name } : error, requestId);
  },
};
