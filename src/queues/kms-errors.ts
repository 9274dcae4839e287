import { isPciqError, PciqError } from '../core/index.ts';

/**
 * SQS reports a queue's unusable KMS key with its own codes (KmsDisabled, KmsNotFound, KmsInvalidState),
 * which SDKs raise as their modeled exceptions; the key service speaks KMS codes. This is the translation,
 * with messages that say what to do.
 */
export function asQueueKeyError(error: unknown): unknown {
  if (!isPciqError(error)) return error;
  switch (error.code) {
    case 'DisabledException':
      return new PciqError(
        'KmsDisabled',
        `The KMS key of this queue is disabled (${error.message}) Enable it to send to and receive from this queue.`,
      );
    case 'NotFoundException':
    case 'InvalidArnException':
      return new PciqError(
        'KmsNotFound',
        `The KMS key of this queue was not found (${error.message}). Set KmsMasterKeyId to an existing key.`,
      );
    case 'KMSInvalidStateException':
    case 'KeyUnavailableException':
      return new PciqError('KmsInvalidState', `The KMS key of this queue cannot be used now: ${error.message}`);
    default:
      return error;
  }
}
