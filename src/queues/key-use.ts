import { isPciqError, PciqError, type QueueAddress } from '../core/index.ts';
import type { QueueService } from './service.ts';

/**
 * What SQS asks KMS for on the caller's behalf (Amazon SQS Developer Guide, "Key management"): a producer
 * needs kms:GenerateDataKey and kms:Decrypt on the queue's key, a consumer (a function's execution role
 * included) kms:Decrypt.
 */
export const producerKeyPermissions = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;
export const consumerKeyPermissions = ['kms:Decrypt'] as const;

/** What a decision on the use of a queue's key weighs of the key besides its ARN. */
export interface KeyUseFacts {
  /** The AWS managed key (alias/aws/sqs), whose key policy lets the account use it through SQS. */
  explicitDenyOnly: boolean;
  /** The key's tags, which tag-based (ABAC) policies compare as aws:ResourceTag/KEY. */
  tags: Readonly<Record<string, string>>;
}

/** Allows `permission` on the key, or throws AccessDenied: the caller's decision point, with its identity. */
export type DecideKeyUse = (permission: string, keyArn: string, facts: KeyUseFacts) => Promise<void> | void;

/**
 * Authorizes the use of the queue's KMS key, on the key's ARN (an alias is resolved to its key), before
 * anything is sent or received. A customer managed key must be allowed; the AWS managed key is refused only
 * by an explicit Deny. A refusal is SQS's KMS.AccessDeniedException (KmsAccessDenied), with the decision's
 * own message unless `refusalMessage` says better what to grant. A queue or key that does not exist is left
 * to the request itself to report (QueueDoesNotExist, KmsNotFound).
 */
export async function authorizeQueueKeyUse(
  queues: Pick<QueueService, 'queueKey'>,
  queue: QueueAddress,
  permissions: readonly string[],
  decide: DecideKeyUse,
  refusalMessage?: (permission: string, keyArn: string) => string,
): Promise<void> {
  const key = await queues.queueKey(queue);
  if (!key) return;
  const facts: KeyUseFacts = { explicitDenyOnly: key.awsManaged, tags: key.tags };
  for (const permission of permissions) {
    try {
      await decide(permission, key.arn, facts);
    } catch (error) {
      if (!isPciqError(error) || error.code !== 'AccessDenied') throw error;
      throw new PciqError('KmsAccessDenied', refusalMessage?.(permission, key.arn) ?? error.message);
    }
  }
}
