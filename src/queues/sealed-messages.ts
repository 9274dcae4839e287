import { isPciqError, queueArn } from '../core/index.ts';
import { keyPrefixBytes, readKeyPrefix } from '../crypto/index.ts';
import type { KeySet, KeyUser, SealedDataSource, SealedRecord } from '../keys/index.ts';
import type { QueueRow, ReadTx } from '../storage/index.ts';
import { quarantineAttribute, settingsOf } from './queue-attributes.ts';

const pageSize = 1_000;

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
     * A queue needs the key it is configured with and every key its stored messages are sealed under (a queue
     * moved to another key keeps its older messages under the previous one, as in SQS). A quarantined queue's
     * incident keeps them as evidence: its snapshot holds the messages sealed, as they are stored.
     */
    async usersOf(tx, keys, key) {
      const holding = new Set<number>();
      for (const { queueId, prefix } of await tx.payloadPrefixes(keyPrefixBytes))
        if (readKeyPrefix(prefix)?.keyId === key.keyId) holding.add(queueId);
      const users: KeyUser[] = [];
      for (const queue of await accountQueues(tx, key.accountId)) {
        if (!holding.has(queue.id) && configuredKeyArn(keys, queue) !== key.arn) continue;
        const incident = queue.attributes[quarantineAttribute];
        users.push({ resource: queueArn(region, queue), ...(incident ? { incident } : {}) });
      }
      return users;
    },
  };
}

async function accountQueues(tx: ReadTx, accountId: string): Promise<QueueRow[]> {
  const found: QueueRow[] = [];
  for (let after = ''; ; ) {
    const page = await tx.listQueues(accountId, '', after, pageSize);
    found.push(...page);
    if (page.length < pageSize) return found;
    after = page[page.length - 1]!.name;
  }
}

/** The ARN of the key a queue's KmsMasterKeyId names; undefined when it names none (any more). */
function configuredKeyArn(keys: Pick<KeySet, 'keyOf'>, queue: QueueRow): string | undefined {
  try {
    return keys.keyOf(queue.accountId, settingsOf(queue.attributes).kmsKeyRef).arn;
  } catch (error) {
    if (isPciqError(error)) return undefined;
    throw error;
  }
}
