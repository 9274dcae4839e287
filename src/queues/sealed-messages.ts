import { queueArn } from '../core/index.ts';
import type { SealedDataSource, SealedRecord } from '../keys/index.ts';
import type { QueueRow } from '../storage/index.ts';

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
  };
}
