import { randomBytes, randomUUID } from 'node:crypto';
import { PciqError } from '../core/index.ts';
import { type RootKey, versionLabel } from '../crypto/index.ts';
import type { KeyRotationType, KmsKeyRow, KmsKeyVersionRow, WriteTx } from '../storage/index.ts';

export const dayMs = 86_400_000;
/** Meta entries that tie a data directory to its root key. */
export const rootMeta = { checkValue: 'key_check', record: 'root_key_record' } as const;

/** Fresh random material for a version, wrapped by the root at once: the clear material never reaches the store. */
export function newVersionRow(
  root: RootKey,
  keyId: string,
  version: number,
  rotationType: KeyRotationType,
  nowMs: number,
): KmsKeyVersionRow {
  const secret = randomBytes(32);
  const materialId = randomBytes(32).toString('hex');
  const wrappedMaterial = root.wrap(secret, versionLabel(keyId, version, materialId));
  secret.fill(0);
  return {
    keyId,
    version,
    materialId,
    wrappedMaterial,
    rotationType,
    createdAtMs: nowMs,
    destroyedAtMs: null,
    invocations: 0,
  };
}

export function newKeyRow(
  accountId: string,
  options: {
    description: string;
    keyManager: 'CUSTOMER' | 'AWS';
    policy: string;
    tags: Record<string, string>;
    rotationPeriodDays: number | null;
    nowMs: number;
  },
): KmsKeyRow {
  return {
    keyId: randomUUID(),
    accountId,
    description: options.description,
    keyManager: options.keyManager,
    state: 'Enabled',
    createdAtMs: options.nowMs,
    deletionAtMs: null,
    pendingWindowDays: null,
    rotationPeriodDays: options.rotationPeriodDays,
    nextRotationAtMs: options.rotationPeriodDays === null ? null : options.nowMs + options.rotationPeriodDays * dayMs,
    currentVersion: 1,
    minDecryptVersion: 1,
    policy: options.policy,
    tags: options.tags,
  };
}

/**
 * Refuses to wrap new material under a root that is no longer the directory's (another process ran
 * `pciq keys rewrap-root`): material wrapped by the old root would be unreadable after the next start.
 */
export async function assertRootCurrent(tx: WriteTx, root: RootKey): Promise<void> {
  const check = await tx.getMeta(rootMeta.checkValue);
  if (check !== undefined && check !== root.checkValue) {
    throw new PciqError(
      'KeyUnavailableException',
      'The root key of this data directory was replaced (pciq keys rewrap-root); restart pciq with the new root key.',
    );
  }
}

/** Adds a new current version to `key` in `tx` and returns the updated row. */
export async function addVersion(
  tx: WriteTx,
  root: RootKey,
  key: KmsKeyRow,
  rotationType: 'AUTOMATIC' | 'ON_DEMAND',
  nowMs: number,
): Promise<KmsKeyRow> {
  await assertRootCurrent(tx, root);
  const version = key.currentVersion + 1;
  await tx.keys.insertVersion(newVersionRow(root, key.keyId, version, rotationType, nowMs));
  const updated: KmsKeyRow = { ...key, currentVersion: version };
  // An automatic rotation sets the next date; an on-demand one leaves the schedule as it was (AWS KMS).
  if (rotationType === 'AUTOMATIC' && key.rotationPeriodDays !== null)
    updated.nextRotationAtMs = nowMs + key.rotationPeriodDays * dayMs;
  await tx.keys.updateKey(updated);
  return updated;
}
