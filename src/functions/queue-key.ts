import type { Caller, QueueAddress } from '../core/index.ts';
import { authorizeQueueKeyUse, consumerKeyPermissions } from '../queues/index.ts';
import type { FunctionsContext } from './context.ts';

/**
 * Refuses a role that may not decrypt the queue's messages: Lambda's execution role needs kms:Decrypt on the
 * KMS key of an encrypted queue, as every consumer does, and a poller must not hand a function what its role
 * could not have received itself. The refusal (KmsAccessDenied) names the grant to make, as the mapping
 * records it for `pciq functions mappings`.
 */
export async function authorizeQueueKey(
  context: FunctionsContext,
  caller: Caller,
  queue: QueueAddress,
  queueArn: string,
): Promise<void> {
  await authorizeQueueKeyUse(
    context.queues,
    queue,
    consumerKeyPermissions,
    (permission, keyArn, key) => context.authorize(caller, permission, keyArn, key),
    (permission, keyArn) =>
      `The function's execution role is not allowed ${permission} on ${keyArn}, the key of ${queueArn}; grant it ${permission} on that key.`,
  );
}
