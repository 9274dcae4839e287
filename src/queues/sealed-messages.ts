import { isPciqError, queueArn } from '../core/index.ts';
import type { KeySet, KeyUser, SealedDataSource, SealedRecord } from '../keys/index.ts';
import type { QueueRow } from '../storage/index.ts';
import { queuesByKey } from './key-users.ts';
import { quarantineAttribute, settingsOf } from './queue-attributes.ts';

/** Message payloads as sealed data for key management: re-encryption and counts of what a deletion shreds. */
export function sealedMessagesSource(region: string): SealedDataSource {
  return {
    name: 'sqs-messages',
    async scan(tx, cursor, limit) {
      const rows = await tx.scanPayloads(cursor === undefined ? 0 : Number(cursor), limit);
      const queues = new Map<number, QueueRow | undefined>();
      const records: SealedRecord[] = [];
      for (const row of rows) {
        if (!queues.has(row.queueId)) queues.set(row.queueId, await tx.getQueueById(row.queueId));
        const queue = queues.get(row.queueId);
        if (!queue) continue;
        const arn = queueArn(region, queue);
        records.push({
          sealed: row.payload,
          scope: arn,
          place: row.messageId,
          resource: arn,
          recordId: row.messageId,
          replace: (writeTx, sealed) => writeTx.replacePayload(row.queueId, row.seq, sealed),
        });
      }
      return { records, next: rows.length < limit ? undefined : String(rows[rows.length - 1]!.seq) };
    },
    /**
     * The queues that need the key (see `queuesByKey`). A quarantined queue's incident keeps them as evidence:
     * its snapshot holds the messages sealed, as they are stored.
     */
    async usersOf(tx, keys, key) {
      const queues = (await queuesByKey(tx, key.accountId, (queue) => configuredKeyId(keys, queue))).get(key.keyId);
      return (queues ?? []).map((queue): KeyUser => {
        const incident = queue.attributes[quarantineAttribute];
        return { resource: queueArn(region, queue), ...(incident ? { incident } : {}) };
      });
    },
  };
}

/** The id of the key a queue's KmsMasterKeyId names; undefined when it names none (any more). */
function configuredKeyId(keys: Pick<KeySet, 'keyOf'>, queue: QueueRow): string | undefined {
  try {
    return keys.keyOf(queue.accountId, settingsOf(queue.attributes).kmsKeyRef).keyId;
  } catch (error) {
    if (isPciqError(error)) return undefined;
    throw error;
  }
}
