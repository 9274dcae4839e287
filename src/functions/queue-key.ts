import { type Caller, isPciqError, PciqError, type QueueAddress } from '../core/index.ts';
import type { FunctionsContext } from './context.ts';

/**
 * Refuses a role that may not decrypt the queue's messages: Lambda's execution role needs kms:Decrypt on the
 * KMS key of an encrypted queue, as every consumer does (Amazon SQS Developer Guide, "Key management"), and a
 * poller must not hand a function what its role could not have received itself. A customer managed key must
 * allow it; the AWS managed key (alias/aws/sqs), whose key policy lets the account use it through SQS, is
 * refused only by an explicit Deny. A refusal is SQS's KMS.AccessDeniedException, naming the grant to make.
 */
export async function authorizeQueueKey(
  context: FunctionsContext,
  caller: Caller,
  queue: QueueAddress,
  queueArn: string,
): Promise<void> {
  const key = await context.queues.queueKey(queue);
  if (!key) return;
  try {
    await context.authorize(caller, 'kms:Decrypt', key.arn, { explicitDenyOnly: key.awsManaged, tags: key.tags });
  } catch (error) {
    if (!isPciqError(error) || error.code !== 'AccessDenied') throw error;
    throw new PciqError(
      'KmsAccessDenied',
      `The function's execution role is not allowed kms:Decrypt on ${key.arn}, the key of ${queueArn}; grant it kms:Decrypt on that key.`,
    );
  }
}
