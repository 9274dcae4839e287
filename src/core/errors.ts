import { redactCardData } from './redact.ts';

/**
 * The one error vocabulary of pciq. Services throw `PciqError` with a code from this list; `api/` maps
 * each code to the status and wire names each protocol's clients expect (see src/api/error-codes.ts).
 * Messages say what was wrong and what to do, and must never carry secrets or card data.
 */
export const errorCodes = [
  // Queue and message semantics (SQS names as in the JSON protocol's service model).
  'QueueDoesNotExist',
  'QueueNameExists',
  'QueueDeletedRecently',
  'InvalidAttributeName',
  'InvalidAttributeValue',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'MissingParameter',
  'ReceiptHandleIsInvalid',
  'MessageNotInflight',
  'TooManyEntriesInBatchRequest',
  'EmptyBatchRequest',
  'BatchEntryIdsNotDistinct',
  'BatchRequestTooLong',
  'InvalidBatchEntryId',
  'PurgeQueueInProgress',
  'UnsupportedOperation',
  'OverLimit',
  'InvalidMessageContents',
  'RequestThrottled',
  'ResourceNotFoundException',
  // AWS Lambda: a function or mapping that exists already, or a change that conflicts with the current state.
  'ResourceConflictException',
  'InvalidAddress',
  'InvalidSecurity',
  // SQS's errors for a queue whose KMS key cannot be used (JSON names of the SQS service model).
  'KmsDisabled',
  'KmsNotFound',
  'KmsInvalidState',
  'KmsAccessDenied',
  // AWS KMS (service model kms 2014-11-01).
  'NotFoundException',
  'DisabledException',
  'KMSInvalidStateException',
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'AlreadyExistsException',
  'InvalidAliasNameException',
  'InvalidArnException',
  'InvalidMarkerException',
  'InvalidKeyUsageException',
  'TagException',
  'LimitExceededException',
  'UnsupportedOperationException',
  'ValidationException',
  'KeyUnavailableException',
  // AWS IAM (service model iam 2010-05-08) and STS (sts 2011-06-15).
  'MalformedPolicyDocument',
  'NoSuchEntity',
  'EntityAlreadyExists',
  'LimitExceeded',
  'DeleteConflict',
  'InvalidInput',
  'ValidationError',
  'UnmodifiableEntity',
  // A person's password must be changed before the sign-in can give a session (PCI DSS 8.3.5).
  'PasswordResetRequired',
  // Protocol and authentication.
  'InvalidAction',
  'MalformedRequest',
  'MissingAuthenticationToken',
  'IncompleteSignature',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'RequestExpired',
  'SignatureExpired',
  'ExpiredToken',
  'AccessDenied',
  'RequestEntityTooLarge',
  // AWS IAM (service model iam 2010-05-08): people's passwords and MFA devices.
  'PasswordPolicyViolation',
  'InvalidAuthenticationCode',
  // Anything we did not anticipate: never shown with its details to a client.
  'InternalFailure',
  'ServiceUnavailable',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** Longest message kept: messages quote client input, which is bounded here rather than at every call site. */
const maxMessageLength = 1024;

export class PciqError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(redactCardData(message.length > maxMessageLength ? `${message.slice(0, maxMessageLength)}…` : message));
    this.name = code;
    this.code = code;
  }
}

export function isPciqError(error: unknown): error is PciqError {
  return error instanceof PciqError;
}

export function invalidParameter(message: string): PciqError {
  return new PciqError('InvalidParameterValue', message);
}

export function missingParameter(name: string): PciqError {
  return new PciqError('MissingParameter', `The request must contain the parameter ${name}.`);
}
