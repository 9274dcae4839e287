import { isPciqError, PciqError } from '../core/index.ts';
import type { KmsKeyRow } from '../storage/index.ts';
import { keyPendingDeletion, managedKeyRefused, validation } from './errors.ts';
import type { KeyEvent } from './events.ts';
import { aliasArn, aliasPattern, isKeyId, parseKeyReference, reservedAliasPrefix } from './key-references.ts';
import { addVersion, assertRootCurrent, dayMs, newKeyRow, newVersionRow } from './key-rows.ts';
import {
  defaultRotationPeriodDays,
  type KeyService,
  type ManagedService,
  managedKeyDescriptions,
} from './key-service.ts';
import type { KeyEntry, KeySet } from './key-set.ts';

/** What pciq reports about a key: the KMS KeyMetadata, its aliases and its versions with usage. */
export interface KeyDescription {
  keyId: string;
  arn: string;
  accountId: string;
  description: string;
  keyManager: 'CUSTOMER' | 'AWS';
  state: 'Enabled' | 'Disabled' | 'PendingDeletion';
  createdAtMs: number;
  deletionAtMs: number | null;
  pendingWindowDays: number | null;
  rotationPeriodDays: number | null;
  nextRotationAtMs: number | null;
  currentVersion: number;
  currentMaterialId: string;
  minDecryptVersion: number;
  aliases: string[];
  tags: Record<string, string>;
  policy: string;
  versions: Array<{
    version: number;
    materialId: string;
    rotationType: string;
    createdAtMs: number;
    isDestroyed: boolean;
    invocations: number;
  }>;
}

export function describeEntry(set: KeySet, key: KeyEntry): KeyDescription {
  const row = key.row;
  return {
    keyId: row.keyId,
    arn: key.arn,
    accountId: row.accountId,
    description: row.description,
    keyManager: row.keyManager,
    state: row.state as KeyDescription['state'],
    createdAtMs: row.createdAtMs,
    deletionAtMs: row.deletionAtMs,
    pendingWindowDays: row.pendingWindowDays,
    rotationPeriodDays: row.rotationPeriodDays,
    nextRotationAtMs: row.nextRotationAtMs,
    currentVersion: row.currentVersion,
    currentMaterialId: key.versions.find((v) => v.row.version === row.currentVersion)?.row.materialId ?? '',
    minDecryptVersion: row.minDecryptVersion,
    aliases: set.aliasesOf(row.keyId).map((alias) => alias.aliasName),
    tags: { ...row.tags },
    policy: row.policy,
    versions: key.versions.map((version) => ({
      version: version.row.version,
      materialId: version.row.materialId,
      rotationType: version.row.rotationType,
      createdAtMs: version.row.createdAtMs,
      isDestroyed: version.row.wrappedMaterial === null,
      invocations: version.row.invocations + 0,
    })),
  };
}

export interface CreateKeyInput {
  description?: string;
  policy?: string;
  tags?: Record<string, string>;
  /** Turns on automatic rotation at creation (pciq extension used by `pciq keys create`). */
  rotationPeriodDays?: number;
  alias?: string;
}

const maxTags = 50;

/**
 * The tag incident response sets on a quarantined key (with the key disabled). Only `pciq incident` sets
 * and removes it; while it is there, nobody enables the key through the KMS API or `pciq keys`.
 */
export const quarantineTag = 'pciq:quarantine';

function requireNotQuarantined(key: KeyEntry, refused = 'it is enabled again only by'): void {
  const incident = key.row.tags[quarantineTag];
  if (incident !== undefined) {
    throw new PciqError(
      'KMSInvalidStateException',
      `${key.arn} is quarantined by incident ${incident}; ${refused} pciq incident release ${incident}.`,
    );
  }
}

export function validateTags(tags: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags)) {
    if (key === quarantineTag)
      throw new PciqError('TagException', `Tag key ${quarantineTag} is reserved for incident response.`);
    if (key.length < 1 || key.length > 128 || value.length > 256)
      throw new PciqError('TagException', 'Tag keys are 1 to 128 characters, values at most 256.');
    if (key.startsWith('aws:')) throw new PciqError('TagException', `Tag key ${key} uses the reserved prefix aws:.`);
  }
  requireTagCount(tags);
}

function requireTagCount(tags: Record<string, string>): void {
  if (Object.keys(tags).length > maxTags) throw new PciqError('TagException', `A key has at most ${maxTags} tags.`);
}

function checkRotationPeriod(days: number): void {
  if (!Number.isInteger(days) || days < 90 || days > 2560) {
    throw validation(
      `1 validation error detected: Value '${days}' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value between 90 and 2560`,
    );
  }
}

function checkAliasName(name: string): void {
  if (name.length > 256 || !aliasPattern.test(name)) {
    throw new PciqError(
      'InvalidAliasNameException',
      `Alias ${name.slice(0, 256)} must start with alias/ followed by letters, digits, /, _ or -.`,
    );
  }
  if (name.startsWith(reservedAliasPrefix)) {
    throw new PciqError('InvalidAliasNameException', `Alias names starting with ${reservedAliasPrefix} are reserved.`);
  }
}

function requireCustomer(key: KeyEntry, what: string): void {
  if (key.row.keyManager === 'AWS') throw managedKeyRefused(key.arn, what);
}

function requireNotPendingDeletion(key: KeyEntry): void {
  if (key.row.state === 'PendingDeletion') throw keyPendingDeletion(key.arn);
}

/** Rotation changes need an enabled key (AWS KMS: DisabledException, KMSInvalidStateException). */
function requireEnabledForRotation(key: KeyEntry): void {
  requireNotPendingDeletion(key);
  if (key.row.state === 'Disabled') throw new PciqError('DisabledException', `${key.arn} is disabled.`);
}

/** Key lifecycle operations of the KMS API and `pciq keys`, one account at a time. */
export class KeyAdmin {
  private readonly keys: KeyService;

  constructor(keys: KeyService) {
    this.keys = keys;
  }

  private now(): number {
    return this.keys.clock.now();
  }

  async createKey(accountId: string, input: CreateKeyInput): Promise<KeyDescription> {
    if (input.description !== undefined && input.description.length > 8192)
      throw validation('Description is at most 8192 characters.');
    if (input.policy) {
      try {
        JSON.parse(input.policy);
      } catch {
        throw validation('The key policy is not a JSON document.');
      }
    }
    const tags = input.tags ?? {};
    validateTags(tags);
    if (input.rotationPeriodDays !== undefined) checkRotationPeriod(input.rotationPeriodDays);
    if (input.alias !== undefined) checkAliasName(input.alias);
    return this.keys.change(async (tx, set, emit) => {
      await assertRootCurrent(tx, this.keys.root);
      if (input.alias !== undefined && set.alias(accountId, input.alias)) {
        throw new PciqError(
          'AlreadyExistsException',
          `An alias with the name ${aliasArn(this.keys.region, accountId, input.alias)} already exists`,
        );
      }
      const now = this.now();
      const row = newKeyRow(accountId, {
        description: input.description ?? '',
        keyManager: 'CUSTOMER',
        policy: input.policy ?? '',
        tags,
        rotationPeriodDays: input.rotationPeriodDays ?? null,
        nowMs: now,
      });
      await tx.keys.insertKey(row);
      await tx.keys.insertVersion(newVersionRow(this.keys.root, row.keyId, 1, 'INITIAL', now));
      const arn = `arn:aws:kms:${this.keys.region}:${accountId}:key/${row.keyId}`;
      emit({ type: 'KeyCreated', atMs: now, keyArn: arn, accountId, keyManager: 'CUSTOMER' });
      if (input.alias !== undefined) {
        await tx.keys.putAlias({
          accountId,
          aliasName: input.alias,
          keyId: row.keyId,
          createdAtMs: now,
          updatedAtMs: now,
        });
        emit({
          type: 'AliasCreated',
          atMs: now,
          aliasArn: aliasArn(this.keys.region, accountId, input.alias),
          keyArn: arn,
        });
      }
      const fresh = await this.keys.session(tx);
      return describeEntry(fresh, fresh.find(accountId, row.keyId));
    });
  }

  /** DescribeKey; naming an AWS managed key's alias creates that key on first use, as AWS KMS does. */
  async describeKey(accountId: string, ref: string): Promise<KeyDescription> {
    const service = /^(?:arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:)?alias\/aws\/([a-z]+)$/.exec(ref)?.[1];
    const managed =
      service !== undefined && Object.hasOwn(managedKeyDescriptions, service) ? (service as ManagedService) : undefined;
    if (managed) {
      const exists = await this.keys.store.read(async (tx) =>
        (await this.keys.session(tx)).alias(accountId, `alias/aws/${managed}`),
      );
      if (!exists) await this.keys.store.write((tx) => this.keys.ensureManagedKey(tx, accountId, managed));
    }
    return this.keys.store.read(async (tx) => {
      const set = await this.keys.session(tx);
      return describeEntry(set, set.find(accountId, ref));
    });
  }

  async listKeys(accountId: string): Promise<KeyDescription[]> {
    return this.keys.store.read(async (tx) => {
      const set = await this.keys.session(tx);
      return set.accountKeys(accountId).map((key) => describeEntry(set, key));
    });
  }

  /** Applies `update` to the key `ref` names (key id or ARN only), refusing what `check` refuses. */
  private async update(
    accountId: string,
    ref: string,
    check: (key: KeyEntry, set: KeySet) => void,
    update: (row: KmsKeyRow, now: number) => KmsKeyRow | undefined,
    event?: (key: KeyEntry, row: KmsKeyRow, now: number) => KeyEvent | undefined,
  ): Promise<KeyDescription> {
    return this.keys.change(async (tx, set, emit) => {
      const key = set.find(accountId, ref, false);
      check(key, set);
      const now = this.now();
      const next = update(key.row, now);
      if (next) {
        await tx.keys.updateKey(next);
        const happened = event?.(key, next, now);
        if (happened) emit(happened);
      }
      const fresh = await this.keys.session(tx);
      return describeEntry(fresh, fresh.find(accountId, key.row.keyId));
    });
  }

  async enableKey(accountId: string, ref: string): Promise<KeyDescription> {
    return await this.update(
      accountId,
      ref,
      (key) => {
        requireCustomer(key, 'EnableKey');
        requireNotPendingDeletion(key);
        requireNotQuarantined(key);
      },
      (row) => (row.state === 'Enabled' ? undefined : { ...row, state: 'Enabled' }),
      (key, _row, now) => ({ type: 'KeyEnabled', atMs: now, keyArn: key.arn }),
    );
  }

  async disableKey(accountId: string, ref: string): Promise<KeyDescription> {
    return await this.update(
      accountId,
      ref,
      (key) => {
        requireCustomer(key, 'DisableKey');
        requireNotPendingDeletion(key);
      },
      (row) => (row.state === 'Disabled' ? undefined : { ...row, state: 'Disabled' }),
      (key, _row, now) => ({ type: 'KeyDisabled', atMs: now, keyArn: key.arn }),
    );
  }

  async enableKeyRotation(
    accountId: string,
    ref: string,
    periodDays = defaultRotationPeriodDays,
  ): Promise<KeyDescription> {
    checkRotationPeriod(periodDays);
    return await this.update(
      accountId,
      ref,
      (key) => {
        requireCustomer(key, 'EnableKeyRotation');
        requireEnabledForRotation(key);
      },
      (row, now) => {
        // A changed period counts from the last anchor (enablement or automatic rotation), as in AWS KMS.
        const anchor =
          row.rotationPeriodDays !== null && row.nextRotationAtMs !== null
            ? row.nextRotationAtMs - row.rotationPeriodDays * dayMs
            : now;
        return { ...row, rotationPeriodDays: periodDays, nextRotationAtMs: anchor + periodDays * dayMs };
      },
      (key, _row, now) => ({ type: 'KeyRotationEnabled', atMs: now, keyArn: key.arn, rotationPeriodDays: periodDays }),
    );
  }

  async disableKeyRotation(accountId: string, ref: string): Promise<KeyDescription> {
    return await this.update(
      accountId,
      ref,
      (key) => {
        requireCustomer(key, 'DisableKeyRotation');
        requireEnabledForRotation(key);
      },
      (row) =>
        row.rotationPeriodDays === null ? undefined : { ...row, rotationPeriodDays: null, nextRotationAtMs: null },
      (key, _row, now) => ({ type: 'KeyRotationDisabled', atMs: now, keyArn: key.arn }),
    );
  }

  /**
   * RotateKeyOnDemand: a new current version at once; older versions keep opening what they sealed.
   * `asOperator` lets `pciq keys rotate` rotate AWS managed keys too (PCI DSS 3.7.5: replace a key
   * suspected of compromise), which the KMS API refuses as AWS KMS does.
   */
  async rotateKey(accountId: string, ref: string, asOperator = false): Promise<KeyDescription> {
    return this.keys.change(async (tx, set, emit) => {
      const key = set.find(accountId, ref, false);
      if (!asOperator) requireCustomer(key, 'RotateKeyOnDemand');
      requireEnabledForRotation(key);
      const now = this.now();
      const rotated = await addVersion(tx, this.keys.root, key.row, 'ON_DEMAND', now);
      emit({
        type: 'KeyRotated',
        atMs: now,
        keyArn: key.arn,
        version: rotated.currentVersion,
        rotationType: 'ON_DEMAND',
      });
      const fresh = await this.keys.session(tx);
      return describeEntry(fresh, fresh.find(accountId, key.row.keyId));
    });
  }

  async scheduleKeyDeletion(accountId: string, ref: string, pendingWindowDays = 30): Promise<KeyDescription> {
    if (!Number.isInteger(pendingWindowDays) || pendingWindowDays < 7 || pendingWindowDays > 30) {
      throw validation(
        `1 validation error detected: Value '${pendingWindowDays}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30`,
      );
    }
    // A quarantined queue's evidence needs the keys it is configured with and its messages are sealed under.
    const target = await this.keys.store.read(async (tx) => (await this.keys.session(tx)).find(accountId, ref, false));
    if (target.row.keyManager === 'CUSTOMER') {
      const { keyId } = target.row;
      await this.keys.requireNoEvidenceUnder({ keyId, arn: target.arn, accountId }, 'its deletion is refused');
    }
    return await this.update(
      accountId,
      ref,
      (key) => {
        requireCustomer(key, 'ScheduleKeyDeletion');
        requireNotPendingDeletion(key);
        // Deleting a quarantined key would crypto-shred the evidence: what its queues hold and the sealed
        // messages of the incident's snapshot (PCI DSS 12.10).
        requireNotQuarantined(key, 'its deletion is refused until');
      },
      (row, now) => ({
        ...row,
        state: 'PendingDeletion',
        deletionAtMs: now + pendingWindowDays * dayMs,
        pendingWindowDays,
      }),
      (key, row, now) => ({
        type: 'KeyDeletionScheduled',
        atMs: now,
        keyArn: key.arn,
        deletionAtMs: row.deletionAtMs!,
      }),
    );
  }

  /** CancelKeyDeletion leaves the key disabled, as AWS KMS does: enabling it is a separate, deliberate step. */
  async cancelKeyDeletion(accountId: string, ref: string): Promise<KeyDescription> {
    return await this.update(
      accountId,
      ref,
      (key) => {
        if (key.row.state !== 'PendingDeletion')
          throw new PciqError('KMSInvalidStateException', `${key.arn} is not pending deletion.`);
      },
      (row) => ({ ...row, state: 'Disabled', deletionAtMs: null, pendingWindowDays: null }),
      (key, _row, now) => ({ type: 'KeyDeletionCancelled', atMs: now, keyArn: key.arn }),
    );
  }

  async updateKeyDescription(accountId: string, ref: string, description: string): Promise<KeyDescription> {
    if (description.length > 8192) throw validation('Description is at most 8192 characters.');
    return await this.update(
      accountId,
      ref,
      (key) => {
        requireCustomer(key, 'UpdateKeyDescription');
        requireNotPendingDeletion(key);
      },
      (row) => ({ ...row, description }),
    );
  }

  async tagResource(accountId: string, ref: string, tags: Record<string, string>): Promise<KeyDescription> {
    validateTags(tags);
    return await this.update(
      accountId,
      ref,
      (key) => {
        requireCustomer(key, 'TagResource');
        requireNotPendingDeletion(key);
        // The key's own tags count towards the limit; the quarantine tag among them is incident response's.
        requireTagCount({ ...key.row.tags, ...tags });
      },
      (row) => ({ ...row, tags: { ...row.tags, ...tags } }),
      (key, _row, now) => ({ type: 'KeyTagsChanged', atMs: now, keyArn: key.arn }),
    );
  }

  async untagResource(accountId: string, ref: string, tagKeys: readonly string[]): Promise<KeyDescription> {
    return await this.update(
      accountId,
      ref,
      (key) => {
        requireCustomer(key, 'UntagResource');
        requireNotPendingDeletion(key);
        if (tagKeys.includes(quarantineTag))
          throw new PciqError('TagException', `Tag key ${quarantineTag} is reserved for incident response.`);
      },
      (row) => {
        const tags = { ...row.tags };
        for (const tagKey of tagKeys) delete tags[tagKey];
        return { ...row, tags };
      },
      (key, _row, now) => ({ type: 'KeyTagsChanged', atMs: now, keyArn: key.arn }),
    );
  }

  /** CreateAlias (or UpdateAlias with `update`): the target must be a customer key not pending deletion. */
  async putAlias(accountId: string, aliasName: string, targetRef: string, update = false): Promise<void> {
    checkAliasName(aliasName);
    if (!isKeyId(targetRef) && !targetRef.startsWith('arn:')) parseKeyReference(targetRef, this.keys.region, accountId);
    await this.keys.change(async (tx, set, emit) => {
      const target = set.find(accountId, targetRef, false);
      requireCustomer(target, update ? 'UpdateAlias' : 'CreateAlias');
      requireNotPendingDeletion(target);
      const existing = set.alias(accountId, aliasName);
      const arn = aliasArn(this.keys.region, accountId, aliasName);
      if (!update && existing)
        throw new PciqError('AlreadyExistsException', `An alias with the name ${arn} already exists`);
      if (update && !existing) throw new PciqError('NotFoundException', `Alias ${arn} is not found.`);
      const now = this.now();
      await tx.keys.putAlias({
        accountId,
        aliasName,
        keyId: target.row.keyId,
        createdAtMs: existing?.createdAtMs ?? now,
        updatedAtMs: now,
      });
      emit({ type: update ? 'AliasUpdated' : 'AliasCreated', atMs: now, aliasArn: arn, keyArn: target.arn });
    });
  }

  async deleteAlias(accountId: string, aliasName: string): Promise<void> {
    if (aliasName.startsWith(reservedAliasPrefix))
      throw new PciqError(
        'InvalidAliasNameException',
        `Alias names starting with ${reservedAliasPrefix} are reserved.`,
      );
    await this.keys.change(async (tx, set, emit) => {
      const alias = set.alias(accountId, aliasName);
      const arn = aliasArn(this.keys.region, accountId, aliasName);
      if (!alias) throw new PciqError('NotFoundException', `Alias ${arn} is not found.`);
      const target = set.keys.get(alias.keyId);
      if (target) requireNotPendingDeletion(target);
      await tx.keys.deleteAlias(accountId, aliasName);
      emit({ type: 'AliasDeleted', atMs: this.now(), aliasArn: arn, keyArn: target?.arn ?? alias.keyId });
    });
  }

  async listAliases(
    accountId: string,
    keyRef?: string,
  ): Promise<Array<{ aliasName: string; aliasArn: string; keyId: string; createdAtMs: number; updatedAtMs: number }>> {
    return this.keys.store.read(async (tx) => {
      const set = await this.keys.session(tx);
      const keyId = keyRef === undefined ? undefined : set.find(accountId, keyRef, false).row.keyId;
      return set
        .allAliases(accountId)
        .filter((alias) => keyId === undefined || alias.keyId === keyId)
        .sort((a, b) => (a.aliasName < b.aliasName ? -1 : 1))
        .map((alias) => ({
          aliasName: alias.aliasName,
          aliasArn: aliasArn(this.keys.region, accountId, alias.aliasName),
          keyId: alias.keyId,
          createdAtMs: alias.createdAtMs,
          updatedAtMs: alias.updatedAtMs,
        }));
    });
  }

  /**
   * Incident response (PCI DSS 12.10): disables a key, AWS managed ones included, and marks it with the
   * incident, so nothing seals or opens under it until the incident is released. Returns the state it had.
   * A key pending deletion is refused: deletion would destroy what the investigation needs.
   */
  async quarantineKey(accountId: string, ref: string, incident: string): Promise<'Enabled' | 'Disabled'> {
    let previous: 'Enabled' | 'Disabled' = 'Enabled';
    await this.update(
      accountId,
      ref,
      (key) => {
        requireNotPendingDeletion(key);
        requireNotQuarantined(key);
        previous = key.row.state as 'Enabled' | 'Disabled';
      },
      (row) => ({ ...row, state: 'Disabled', tags: { ...row.tags, [quarantineTag]: incident } }),
      (key, _row, now) => ({ type: 'KeyDisabled', atMs: now, keyArn: key.arn }),
    );
    return previous;
  }

  /** Lifts a key's quarantine, back to the state it had before. */
  async releaseKey(accountId: string, ref: string, state: 'Enabled' | 'Disabled'): Promise<void> {
    await this.update(
      accountId,
      ref,
      () => undefined,
      (row) => {
        const tags = { ...row.tags };
        delete tags[quarantineTag];
        return { ...row, state, tags };
      },
      (key, _row, now) => ({ type: state === 'Enabled' ? 'KeyEnabled' : 'KeyTagsChanged', atMs: now, keyArn: key.arn }),
    );
  }

  /**
   * The key `ref` names in `accountId` (a key id or ARN, an alias name or ARN) as a request on it is
   * authorized: its ARN (AWS KMS decides on the key, never on its alias), who manages it and its tags
   * (aws:ResourceTag); undefined when `ref` names none.
   */
  async keyOf(accountId: string, ref: string): Promise<ReturnType<KeySet['keyOf']> | undefined> {
    return this.keys.store.read(async (tx) => {
      try {
        return (await this.keys.session(tx)).keyOf(accountId, ref);
      } catch (error) {
        if (isPciqError(error)) return undefined;
        throw error;
      }
    });
  }

  /** The key a reference names, described, for operations that accept aliases (and the CLI). */
  async resolve(accountId: string, ref: string): Promise<KeyDescription> {
    return this.keys.store.read(async (tx) => {
      const set = await this.keys.session(tx);
      return describeEntry(set, set.find(accountId, ref));
    });
  }
}
