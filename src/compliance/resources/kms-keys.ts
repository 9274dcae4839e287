import { queueArn } from '../../core/index.ts';
import { quarantineTag } from '../../keys/index.ts';
import { queuesByKey, settingsOf } from '../../queues/index.ts';
import type { KmsAliasRow, KmsKeyRow, QueueRow, ReadTx } from '../../storage/index.ts';
import type { ResourceProvider } from '../resource.ts';

const dayMs = 86_400_000;
/** Rotation runs every minute on the server; a day late means it is not happening. */
const overdueGraceMs = dayMs;

export interface KeyLookup {
  keys: KmsKeyRow[];
  aliases: KmsAliasRow[];
}

export async function loadKeys(tx: ReadTx): Promise<KeyLookup> {
  return { keys: await tx.keys.listKeys(), aliases: await tx.keys.listAliases() };
}

/** The key a queue's KmsMasterKeyId names (key id, key ARN, alias name or alias ARN), if it exists. */
export function resolveKey(lookup: KeyLookup, accountId: string, ref: string): KmsKeyRow | undefined {
  const keyId = /key\/([0-9a-f-]{36})$/.exec(ref)?.[1] ?? (/^[0-9a-f-]{36}$/.test(ref) ? ref : undefined);
  if (keyId) return lookup.keys.find((key) => key.keyId === keyId && key.accountId === accountId);
  const aliasName = /(alias\/.+)$/.exec(ref)?.[1];
  const alias = lookup.aliases.find((entry) => entry.accountId === accountId && entry.aliasName === aliasName);
  return alias ? lookup.keys.find((key) => key.keyId === alias.keyId) : undefined;
}

export function kmsKeyArn(region: string, key: Pick<KmsKeyRow, 'accountId' | 'keyId'>): string {
  return `arn:aws:kms:${region}:${key.accountId}:key/${key.keyId}`;
}

/**
 * KMS keys (PCI DSS 3.6, 3.7): state, rotation and its schedule, which queues use each key (configured with
 * it, or holding messages sealed under it: see `queuesByKey`), and whether incident response quarantined it
 * (set only by `pciq incident`).
 */
export const kmsKeyProvider: ResourceProvider = {
  type: 'kms-key',
  description: 'KMS keys: state, rotation schedule, the queues each key seals or holds messages of',
  async list(context) {
    const { lookup, versions, users } = await context.store.read(async (tx) => {
      const lookup = await loadKeys(tx);
      const configuredKeyId = (queue: QueueRow) =>
        resolveKey(lookup, queue.accountId, settingsOf(queue.attributes).kmsKeyRef)?.keyId;
      return {
        lookup,
        versions: await tx.keys.listVersions(),
        users: await queuesByKey(tx, context.accountId, configuredKeyId),
      };
    });
    const now = context.clock.now();
    return lookup.keys
      .filter((key) => key.accountId === context.accountId && key.state !== 'Deleted')
      .map((key) => {
        const own = versions.filter((version) => version.keyId === key.keyId);
        const lastRotatedAtMs = Math.max(...own.map((version) => version.createdAtMs), key.createdAtMs);
        // An on-demand rotation (`pciq keys rotate`) leaves the schedule as it was, as in AWS KMS, but renews
        // the material: the key is late only once its newest material is a period old as well (PCI DSS 3.7.4).
        const rotationDueAtMs =
          key.nextRotationAtMs === null || key.rotationPeriodDays === null
            ? null
            : Math.max(key.nextRotationAtMs, lastRotatedAtMs + key.rotationPeriodDays * dayMs);
        const arn = kmsKeyArn(context.region, key);
        const usedBy = (users.get(key.keyId) ?? []).map((queue) => queueArn(context.region, queue));
        return {
          id: arn,
          type: 'kms-key',
          name: key.keyId,
          data: {
            keyId: key.keyId,
            arn,
            aliases: lookup.aliases.filter((alias) => alias.keyId === key.keyId).map((alias) => alias.aliasName),
            keyManager: key.keyManager,
            state: key.state,
            createdAtMs: key.createdAtMs,
            deletionAtMs: key.deletionAtMs,
            rotation: {
              isEnabled: key.rotationPeriodDays !== null,
              periodDays: key.rotationPeriodDays,
              nextAtMs: key.nextRotationAtMs,
              isOverdue: rotationDueAtMs !== null && now > rotationDueAtMs + overdueGraceMs,
            },
            lastRotatedAtMs,
            currentVersion: key.currentVersion,
            usedByQueues: usedBy,
            usedByQueueCount: usedBy.length,
            quarantine: key.tags[quarantineTag] ?? null,
          },
        };
      });
  },
};
