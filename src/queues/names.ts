import { invalidParameter, PciqError } from '../core/index.ts';
import { limits } from './limits.ts';

const queueNamePattern = /^[A-Za-z0-9_-]+$/;

/** SQS: 1–80 characters of [A-Za-z0-9_-]; a FIFO queue's name ends in `.fifo`, which counts toward the 80. */
export function validateQueueName(name: string, isFifo: boolean): void {
  const base = isFifo ? name.slice(0, -'.fifo'.length) : name;
  if (isFifo && !name.endsWith('.fifo')) {
    throw invalidParameter(
      'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.',
    );
  }
  if (
    name.length === 0 ||
    name.length > limits.queueNameMaxLength ||
    !queueNamePattern.test(base) ||
    base.length === 0
  ) {
    throw new PciqError(
      'InvalidParameterValue',
      isFifo
        ? 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.'
        : 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.',
    );
  }
}

/** Batch entry ids: 1–80 of [A-Za-z0-9_-]. */
export function isValidBatchEntryId(id: string): boolean {
  return id.length > 0 && id.length <= limits.batchEntryIdMaxLength && queueNamePattern.test(id);
}

/** MessageGroupId, MessageDeduplicationId, ReceiveRequestAttemptId: 1–128 of alphanumerics and ASCII punctuation. */
export function isValidFifoToken(value: string): boolean {
  return value.length > 0 && value.length <= limits.fifoIdMaxLength && /^[\x21-\x7e]+$/.test(value);
}
