import { keyPrefixBytes, readKeyPrefix } from '../crypto/index.ts';
import type { QueueRow, ReadTx } from '../storage/index.ts';
import { accountQueues } from './manage.ts';

/**
 * The queues of `accountId` that need each KMS key, by key id, in the order queues are listed. A queue needs
 * the key it is configured with (`configuredKeyId`: undefined when its KmsMasterKeyId names no key any more)
 * and every key its stored messages are sealed under, whichever version of the key sealed them: a queue moved
 * to another key keeps its older messages under the previous one (as in SQS), which must keep opening them
 * until they are gone. A quarantined queue counts as any other; a deleted queue, no longer listed, for none.
 */
export async function queuesByKey(
  tx: ReadTx,
  accountId: string,
  configuredKeyId: (queue: QueueRow) => string | undefined,
): Promise<Map<string, QueueRow[]>> {
  const sealedUnder = new Map<number, Set<string>>();
  for (const { queueId, prefix } of await tx.payloadPrefixes(keyPrefixBytes)) {
    const keyId = readKeyPrefix(prefix)?.keyId;
    if (keyId) sealedUnder.set(queueId, (sealedUnder.get(queueId) ?? new Set()).add(keyId));
  }
  const byKey = new Map<string, QueueRow[]>();
  for await (const queue of accountQueues(tx, accountId)) {
    const keyIds = new Set(sealedUnder.get(queue.id));
    const configured = configuredKeyId(queue);
    if (configured) keyIds.add(configured);
    for (const keyId of keyIds) {
      const users = byKey.get(keyId);
      if (users) users.push(queue);
      else byKey.set(keyId, [queue]);
    }
  }
  return byKey;
}
