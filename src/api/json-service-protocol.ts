import { awsJsonProtocol } from './aws-json-protocol.ts';
import type { WireProtocol } from './wire.ts';

/**
 * Errors raised by shared code in SQS's vocabulary, named as AWS JSON 1.1 services (KMS, and pciq's own
 * APIs) name them: parameter problems are ValidationException, and the authentication failures carry the
 * names those services' SDKs know.
 */
const jsonServiceNames: Partial<Record<string, string>> = {
  InvalidParameterValue: 'ValidationException',
  InvalidParameterCombination: 'ValidationException',
  MissingParameter: 'ValidationException',
  InvalidAttributeValue: 'ValidationException',
  InvalidClientTokenId: 'UnrecognizedClientException',
  SignatureDoesNotMatch: 'InvalidSignatureException',
  IncompleteSignature: 'IncompleteSignatureException',
  MissingAuthenticationToken: 'MissingAuthenticationTokenException',
  AccessDenied: 'AccessDeniedException',
};

/** AWS JSON 1.1 with bare error names in `__type`, for the service answering to `targetPrefix`. */
export function jsonServiceProtocol(targetPrefix: string, ownNames: Partial<Record<string, string>>): WireProtocol {
  const names = { ...jsonServiceNames, ...ownNames };
  const json = awsJsonProtocol({ version: '1.1', targetPrefix, errorTypePrefix: '', queryCompatible: false });
  return {
    ...json,
    encodeError(error, requestId) {
      const name = names[error.code];
      return json.encodeError(name ? { ...error, jsonType: name, queryCode: name } : error, requestId);
    },
  };
}
