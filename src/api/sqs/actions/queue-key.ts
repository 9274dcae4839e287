import type { QueueAddress } from '../../../core/index.ts';
import { authorizeQueueKeyUse } from '../../../queues/index.ts';
import { resourceTagKeys } from '../../condition-keys.ts';
import type { ActionContext } from '../action.ts';

/**
 * Authorizes the request's use of the queue's KMS key through the request's own decision point (its origin,
 * its session, its audit record), the key's tags as aws:ResourceTag keys. A refusal reaches SDKs as
 * KMS.AccessDeniedException with IAM's message, and nothing is sent or received.
 */
export async function authorizeQueueKey(
  context: ActionContext,
  queue: QueueAddress,
  permissions: readonly string[],
): Promise<void> {
  // One key, asked for each permission (a producer's two): its tags become condition keys once.
  let resourceKeys: ReturnType<typeof resourceTagKeys> | undefined;
  await authorizeQueueKeyUse(context.app.queues, queue, permissions, (permission, keyArn, key) => {
    resourceKeys ??= resourceTagKeys(key.tags);
    return context.authorize(permission, keyArn, { explicitDenyOnly: key.explicitDenyOnly, resourceKeys });
  });
}
