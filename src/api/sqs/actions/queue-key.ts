import { isPciqError, PciqError, type QueueAddress } from '../../../core/index.ts';
import { resourceTagKeys } from '../../condition-keys.ts';
import type { ActionContext } from '../action.ts';

/**
 * What SQS asks KMS for on the caller's behalf (Amazon SQS Developer Guide, "Key management"): a producer
 * needs kms:GenerateDataKey and kms:Decrypt on the queue's key, a consumer kms:Decrypt.
 */
export const producerKeyPermissions = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;
export const consumerKeyPermissions = ['kms:Decrypt'] as const;

/**
 * Authorizes the use of the queue's KMS key, on the key's ARN (an alias is resolved to its key). A customer
 * managed key must be allowed; the AWS managed key (alias/aws/sqs), whose key policy lets the account use it
 * through SQS, is refused only by an explicit Deny. A refusal is SQS's KMS.AccessDeniedException, as SDKs
 * get it, and nothing is sent or received.
 */
export async function authorizeQueueKey(
  context: ActionContext,
  queue: QueueAddress,
  permissions: readonly string[],
): Promise<void> {
  const key = await context.app.queues.queueKey(queue);
  if (!key) return;
  const resourceKeys = resourceTagKeys(key.tags);
  try {
    for (const permission of permissions)
      await context.authorize(permission, key.arn, { explicitDenyOnly: key.awsManaged, resourceKeys });
  } catch (error) {
    if (isPciqError(error) && error.code === 'AccessDenied') throw new PciqError('KmsAccessDenied', error.message);
    throw error;
  }
}
