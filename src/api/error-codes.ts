import type { ErrorCode } from '../core/index.ts';

export interface WireError {
  status: number;
  /** Shape name in the JSON protocol's `__type` (after `#`). */
  jsonType: string;
  /** Code in the Query protocol and in the JSON protocol's `x-amzn-query-error` header (SQS is awsQueryCompatible). */
  queryCode: string;
  fault: 'Sender' | 'Receiver';
}

function sender(
  status: number,
  queryCode: string,
  jsonType?: string,
): Omit<WireError, 'jsonType'> & { jsonType?: string } {
  return { status, queryCode, fault: 'Sender', ...(jsonType ? { jsonType } : {}) };
}

/**
 * The one table from pciq's error codes to what SQS clients expect on the wire. Statuses and legacy codes
 * follow the SQS service model (botocore's query-protocol model lists the `AWS.SimpleQueueService.*` codes).
 */
const table: Record<ErrorCode, Omit<WireError, 'jsonType'> & { jsonType?: string }> = {
  QueueDoesNotExist: sender(400, 'AWS.SimpleQueueService.NonExistentQueue'),
  QueueNameExists: sender(400, 'QueueAlreadyExists'),
  QueueDeletedRecently: sender(400, 'AWS.SimpleQueueService.QueueDeletedRecently'),
  InvalidAttributeName: sender(400, 'InvalidAttributeName'),
  InvalidAttributeValue: sender(400, 'InvalidAttributeValue'),
  // Unmodeled in SQS's JSON model: AWS names their `__type` with the suffix, the header keeps the legacy code.
  InvalidParameterValue: sender(400, 'InvalidParameterValue', 'InvalidParameterValueException'),
  InvalidParameterCombination: sender(400, 'InvalidParameterCombination'),
  MissingParameter: sender(400, 'MissingParameter', 'MissingRequiredParameterException'),
  ReceiptHandleIsInvalid: sender(400, 'ReceiptHandleIsInvalid'),
  MessageNotInflight: sender(400, 'AWS.SimpleQueueService.MessageNotInflight'),
  TooManyEntriesInBatchRequest: sender(400, 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest'),
  EmptyBatchRequest: sender(400, 'AWS.SimpleQueueService.EmptyBatchRequest'),
  BatchEntryIdsNotDistinct: sender(400, 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct'),
  BatchRequestTooLong: sender(400, 'AWS.SimpleQueueService.BatchRequestTooLong'),
  InvalidBatchEntryId: sender(400, 'AWS.SimpleQueueService.InvalidBatchEntryId'),
  PurgeQueueInProgress: sender(403, 'AWS.SimpleQueueService.PurgeQueueInProgress'),
  UnsupportedOperation: sender(400, 'AWS.SimpleQueueService.UnsupportedOperation'),
  OverLimit: sender(403, 'OverLimit'),
  InvalidMessageContents: sender(400, 'InvalidMessageContents'),
  RequestThrottled: sender(403, 'RequestThrottled'),
  ResourceNotFoundException: sender(404, 'ResourceNotFoundException'),
  ResourceConflictException: sender(409, 'ResourceConflictException'),
  InvalidAddress: sender(404, 'InvalidAddress'),
  InvalidSecurity: sender(403, 'InvalidSecurity'),
  // Legacy codes as @aws-sdk/client-sqs declares them (awsQueryError of each Kms* shape).
  KmsDisabled: sender(400, 'KMS.DisabledException'),
  KmsNotFound: sender(400, 'KMS.NotFoundException'),
  KmsInvalidState: sender(400, 'KMS.InvalidStateException'),
  KmsAccessDenied: sender(400, 'KMS.AccessDeniedException'),
  // AWS KMS answers every modeled client error with 400; it has no Query protocol, the code is its name.
  NotFoundException: sender(400, 'NotFoundException'),
  DisabledException: sender(400, 'DisabledException'),
  KMSInvalidStateException: sender(400, 'KMSInvalidStateException'),
  InvalidCiphertextException: sender(400, 'InvalidCiphertextException'),
  IncorrectKeyException: sender(400, 'IncorrectKeyException'),
  AlreadyExistsException: sender(400, 'AlreadyExistsException'),
  InvalidAliasNameException: sender(400, 'InvalidAliasNameException'),
  InvalidArnException: sender(400, 'InvalidArnException'),
  InvalidMarkerException: sender(400, 'InvalidMarkerException'),
  InvalidKeyUsageException: sender(400, 'InvalidKeyUsageException'),
  TagException: sender(400, 'TagException'),
  LimitExceededException: sender(400, 'LimitExceededException'),
  UnsupportedOperationException: sender(400, 'UnsupportedOperationException'),
  ValidationException: sender(400, 'ValidationException'),
  KeyUnavailableException: { status: 500, queryCode: 'KeyUnavailableException', fault: 'Receiver' },
  // IAM and STS speak Query; the JSON shape names are the IAM service model's, for pciq's JSON APIs.
  MalformedPolicyDocument: sender(400, 'MalformedPolicyDocument', 'MalformedPolicyDocumentException'),
  NoSuchEntity: sender(404, 'NoSuchEntity', 'NoSuchEntityException'),
  EntityAlreadyExists: sender(409, 'EntityAlreadyExists', 'EntityAlreadyExistsException'),
  LimitExceeded: sender(409, 'LimitExceeded', 'LimitExceededException'),
  DeleteConflict: sender(409, 'DeleteConflict', 'DeleteConflictException'),
  InvalidInput: sender(400, 'InvalidInput', 'InvalidInputException'),
  ValidationError: sender(400, 'ValidationError'),
  UnmodifiableEntity: sender(400, 'UnmodifiableEntity', 'UnmodifiableEntityException'),
  PasswordResetRequired: sender(403, 'PasswordResetRequired', 'PasswordResetRequiredException'),
  InvalidAction: sender(400, 'InvalidAction', 'UnknownOperationException'),
  MalformedRequest: sender(400, 'MalformedQueryString', 'SerializationException'),
  MissingAuthenticationToken: sender(403, 'MissingAuthenticationToken'),
  IncompleteSignature: sender(400, 'IncompleteSignature'),
  InvalidClientTokenId: sender(403, 'InvalidClientTokenId'),
  SignatureDoesNotMatch: sender(403, 'SignatureDoesNotMatch'),
  RequestExpired: sender(400, 'RequestExpired'),
  SignatureExpired: sender(403, 'SignatureExpired'),
  ExpiredToken: sender(403, 'ExpiredToken'),
  AccessDenied: sender(403, 'AccessDenied'),
  RequestEntityTooLarge: sender(413, 'RequestEntityTooLarge'),
  // IAM speaks only the Query protocol; its service model names these shapes `…Exception`.
  PasswordPolicyViolation: sender(400, 'PasswordPolicyViolation', 'PasswordPolicyViolationException'),
  InvalidAuthenticationCode: sender(403, 'InvalidAuthenticationCode', 'InvalidAuthenticationCodeException'),
  InternalFailure: { status: 500, queryCode: 'InternalFailure', fault: 'Receiver' },
  ServiceUnavailable: { status: 503, queryCode: 'ServiceUnavailable', fault: 'Receiver' },
};

export function wireErrorOf(code: ErrorCode): WireError {
  const entry = table[code];
  return { ...entry, jsonType: entry.jsonType ?? code };
}
