import { dataPolicyOf, effectiveAttributes, quarantineOf, settingsOf, sqsManagedKeyAlias } from '../../queues/index.ts';
import type { QueueRow } from '../../storage/index.ts';
import { analysePolicy } from '../policy-statements.ts';
import type { ResourceProvider } from '../resource.ts';
import { loadKeys, resolveKey } from './kms-keys.ts';

/**
 * The retention a queue needs, documented as the tag `pciq:retention-need` (seconds, or a number of
 * days as `7d`); without it, SQS's default of 4 days is taken as the need (PCI DSS 3.2.1: keep account data
 * no longer than the documented need).
 */
export const retentionNeedTag = 'pciq:retention-need';
export const defaultRetentionNeedSec = 345_600;

export function retentionNeedOf(tags: Record<string, string>): number | null {
  const value = tags[retentionNeedTag];
  if (value === undefined) return defaultRetentionNeedSec;
  const match = /^(\d{1,7})(d?)$/.exec(value.trim());
  if (!match) return null;
  return Number(match[1]) * (match[2] === 'd' ? 86_400 : 1);
}

export const queueProvider: ResourceProvider = {
  type: 'queue',
  description: 'SQS queues: encryption key, dead-letter queue, retention, access policy, card data policy, quarantine',
  async list(context) {
    const { queues, lookup } = await context.store.read(async (tx) => ({
      queues: await tx.listQueues(context.accountId, '', '', 100_000),
      lookup: await loadKeys(tx),
    }));
    const arnOf = (queue: Pick<QueueRow, 'accountId' | 'name'>) =>
      `arn:aws:sqs:${context.region}:${queue.accountId}:${queue.name}`;
    const deadLetterTargets = new Set(
      queues.map((queue) => settingsOf(queue.attributes).redrivePolicy?.deadLetterTargetArn).filter(Boolean),
    );
    return queues.map((queue) => {
      const settings = settingsOf(queue.attributes);
      const key = resolveKey(lookup, queue.accountId, settings.kmsKeyRef);
      const arn = arnOf(queue);
      const need = retentionNeedOf(queue.tags);
      const attributes = effectiveAttributes(queue.attributes, queue.isFifo);
      delete attributes['Policy'];
      return {
        id: arn,
        type: 'queue',
        name: queue.name,
        data: {
          name: queue.name,
          arn,
          isFifo: queue.isFifo,
          // pciq's own alerts queue carries no card data; the queue rules leave it out.
          isSystem: queue.name === context.environment.audit.alertQueue,
          attributes,
          tags: queue.tags,
          kmsKey: {
            ref: settings.kmsKeyRef,
            isCustomerKey: settings.kmsKeyRef !== sqsManagedKeyAlias && key?.keyManager === 'CUSTOMER',
            keyId: key?.keyId ?? null,
            state: key?.state ?? 'NotFound',
          },
          hasDeadLetterQueue: settings.redrivePolicy !== undefined,
          isDeadLetterQueue: deadLetterTargets.has(arn),
          retentionSec: settings.retentionSec,
          retentionNeedSec: need,
          retentionExceedsNeed: need === null || settings.retentionSec > need,
          policy: analysePolicy(queue.attributes['Policy']),
          // What the cardholder-data guard does with card numbers sent to the queue (attribute or pciq: tag).
          dataPolicy: (({ action, tokenFormat, tokenScope }) => ({
            action,
            tokenFormat,
            tokenScope: tokenScope ?? null,
          }))(dataPolicyOf(queue)),
          quarantine: quarantineOf(queue) ?? null,
          createdAtMs: queue.createdAtMs,
        },
      };
    });
  },
};
