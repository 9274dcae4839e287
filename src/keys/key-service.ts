import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/index.ts';
import {
  internalKeyLabel,
  type RootKey,
  type RootKeyRecord,
  readHeader,
  SealIntegrityError,
  SystemKeyring,
  versionLabel,
} from '../crypto/index.ts';
import type { ReadTx, Store, WriteTx } from '../storage/index.ts';
import { evidenceHeld, UnreadableSealError } from './errors.ts';
import { ignoreKeyEvents, type KeyEvent, type KeyEventListener, type UnreadableReason } from './events.ts';
import { aliasArn } from './key-references.ts';
import { addVersion, assertRootCurrent, dayMs, newKeyRow, newVersionRow, rootMeta } from './key-rows.ts';
import { type KeySet, type KeySetContext, loadKeySet } from './key-set.ts';
import type { EvidenceHold, KeyUser, SealedDataSource } from './sealed-sources.ts';

/** The AWS managed keys pciq creates per account on first use, by the service whose data they seal. */
export const managedKeyDescriptions = {
  sqs: 'Default key that protects my SQS messages when no other key is defined',
  iam: 'Default key that protects pciq access key secrets',
  lambda: 'Default key that protects my Lambda functions when no other key is defined',
  vault: 'Default key that protects the card numbers in the pciq token vault',
} as const;
export type ManagedService = keyof typeof managedKeyDescriptions;

export function managedAlias(service: ManagedService): string {
  return `alias/aws/${service}`;
}

/** AWS rotates AWS managed keys every year; so does pciq. Customer keys default to the same period. */
export const defaultRotationPeriodDays = 365;
const hashKeyName = 'keyed-hash';
const dueWorkIntervalMs = 60_000;
const defaultReuseSec = 300;

export interface KeyServiceOptions {
  store: Store;
  root: RootKey;
  clock: Clock;
  region: string;
  events?: KeyEventListener;
  /** Seals per data key before a new one is derived (tests lower it; default far below 2^32). */
  maxSealsPerDataKey?: number;
}

/** What data modules need of key management; the benchmark's null cipher implements it too. */
export interface Sealer {
  /** The keys as the store has them now, for sealing and opening inside `tx`. */
  session(tx: ReadTx): Promise<KeySession>;
  /**
   * The session the latest unit of work got, for sealing ahead of the next unit: that unit uses what was
   * sealed only if it gets the same session (no key changed meanwhile). Undefined before the first unit.
   */
  recentSession(): KeySession | undefined;
  /** Creates the account's AWS managed key for `service` (alias/aws/SERVICE) if it does not exist yet. */
  ensureManagedKey(tx: WriteTx, accountId: string, service: ManagedService): Promise<void>;
  keyedHash(purpose: string, value: string): string;
  /** Reports data that was found unreadable and set aside (integrity failure or crypto-shredded). */
  reportUnreadable(report: UnreadableReport): void;
}

export type KeySession = Pick<KeySet, 'sealingKey' | 'open' | 'checkOpenable' | 'keyOf'>;

export interface UnreadableReport {
  source: string;
  resource: string;
  recordId?: string;
  reason: UnreadableReason;
  keyArn?: string;
}

/** The reason to report for an error thrown while opening, or undefined when it is not about the data. */
export function unreadableReasonOf(error: unknown): { reason: UnreadableReason; keyArn?: string } | undefined {
  if (error instanceof SealIntegrityError) return { reason: 'integrity' };
  if (error instanceof UnreadableSealError) return { reason: error.reason, keyArn: error.keyArn };
  return undefined;
}

/**
 * pciq's key management service: the key hierarchy (root KEK → customer master key versions → data keys),
 * the sessions data modules seal with, the lifecycle of keys and the background work that drives it
 * (automatic rotation, deletion at the end of the waiting period, usage counts) on the injectable clock.
 */
export class KeyService implements Sealer {
  readonly store: Store;
  readonly clock: Clock;
  readonly region: string;
  readonly events: KeyEventListener;
  private rootKey: RootKey;
  private systemKeyring: SystemKeyring | undefined;
  private current: KeySet | undefined;
  private readonly setContext: KeySetContext;
  private readonly sources: SealedDataSource[] = [];
  private timers: Array<() => void> = [];
  private running = false;
  /** Keys whose due deletion waits for an incident, warned about once per process. */
  private readonly heldDeletions = new Set<string>();

  constructor(options: KeyServiceOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.region = options.region;
    this.events = options.events ?? ignoreKeyEvents;
    this.rootKey = options.root;
    this.setContext = {
      clock: options.clock,
      region: options.region,
      defaultReuseMs: defaultReuseSec * 1000,
      ...(options.maxSealsPerDataKey ? { maxSealsPerDataKey: options.maxSealsPerDataKey } : {}),
    };
  }

  /** A service over `store`, with pciq's internal keys created on first use. */
  static async open(options: KeyServiceOptions): Promise<KeyService> {
    const service = new KeyService(options);
    await service.initialize();
    return service;
  }

  get root(): RootKey {
    return this.rootKey;
  }

  /** Loads pciq's internal keys, creating them on first use; `open` calls it. */
  async initialize(): Promise<void> {
    const label = internalKeyLabel(hashKeyName);
    const wrapped = await this.store.write(async (tx) => {
      const existing = (await tx.keys.listInternalKeys()).find((key) => key.name === hashKeyName);
      if (existing) return existing.wrappedMaterial;
      await assertRootCurrent(tx, this.rootKey);
      const secret = randomBytes(32);
      const wrappedMaterial = this.rootKey.wrap(secret, label);
      secret.fill(0);
      await tx.keys.putInternalKey({ name: hashKeyName, wrappedMaterial, createdAtMs: this.clock.now() });
      return wrappedMaterial;
    });
    const secret = this.rootKey.unwrap(wrapped, label);
    this.systemKeyring = new SystemKeyring(secret);
    secret.fill(0);
  }

  async session(tx: ReadTx): Promise<KeySet> {
    const revision = await tx.keys.revision();
    const current = this.current;
    if (current?.revision === revision) return current;
    const loaded = await loadKeySet(tx, revision, this.rootKey, current, this.setContext);
    this.current = loaded;
    return loaded;
  }

  recentSession(): KeySet | undefined {
    return this.current;
  }

  keyedHash(purpose: string, value: string): string {
    return this.system.keyedHash(purpose, value);
  }

  /** pciq's own keys for its own records (keyed hashes, sealed system secrets), stable across root re-wraps. */
  get system(): SystemKeyring {
    if (!this.systemKeyring) throw new Error('KeyService used before open()');
    return this.systemKeyring;
  }

  async ensureManagedKey(tx: WriteTx, accountId: string, service: ManagedService): Promise<void> {
    const set = await this.session(tx);
    if (set.alias(accountId, managedAlias(service))) return;
    await assertRootCurrent(tx, this.rootKey);
    const now = this.clock.now();
    const key = newKeyRow(accountId, {
      description: managedKeyDescriptions[service],
      keyManager: 'AWS',
      policy: '',
      tags: {},
      rotationPeriodDays: defaultRotationPeriodDays,
      nowMs: now,
    });
    await tx.keys.insertKey(key);
    await tx.keys.insertVersion(newVersionRow(this.rootKey, key.keyId, 1, 'INITIAL', now));
    await tx.keys.putAlias({
      accountId,
      aliasName: managedAlias(service),
      keyId: key.keyId,
      createdAtMs: now,
      updatedAtMs: now,
    });
    // Emitted in the caller's transaction: an audit subscriber sees it even if that unit later rolls back,
    // in which case the key simply does not exist and is created again on next use.
    this.events.onKeyEvent({
      type: 'KeyCreated',
      atMs: now,
      keyArn: `arn:aws:kms:${this.region}:${accountId}:key/${key.keyId}`,
      accountId,
      keyManager: 'AWS',
    });
  }

  reportUnreadable(report: UnreadableReport): void {
    this.events.onKeyEvent({ type: 'SealedDataUnreadable', atMs: this.clock.now(), records: 1, ...report });
    const what = report.recordId ? `${report.recordId} in ${report.resource}` : report.resource;
    process.emitWarning(
      report.reason === 'integrity'
        ? `sealed data ${what} failed its integrity check and was set aside`
        : `sealed data ${what} is unreadable: its key material was destroyed (${report.reason}); it was set aside`,
      { code: report.reason === 'integrity' ? 'PCIQ_SEAL_INTEGRITY' : 'PCIQ_SEALED_DATA_UNREADABLE' },
    );
  }

  registerSource(source: SealedDataSource): void {
    if (!this.sources.some((known) => known.name === source.name)) this.sources.push(source);
  }

  get sealedSources(): readonly SealedDataSource[] {
    return this.sources;
  }

  /** Runs a change and emits the events it collected once it has committed. */
  async change<T>(work: (tx: WriteTx, set: KeySet, emit: (event: KeyEvent) => void) => Promise<T>): Promise<T> {
    const events: KeyEvent[] = [];
    const result = await this.store.write(async (tx) =>
      work(tx, await this.session(tx), (event) => events.push(event)),
    );
    for (const event of events) this.events.onKeyEvent(event);
    return result;
  }

  /** Rotations that fell due, deletions whose waiting period ended, usage counts: what the clock drives. */
  async runDueWork(): Promise<void> {
    const now = this.clock.now();
    const set = await this.store.read((tx) => this.session(tx));
    for (const key of set.keys.values()) {
      const row = key.row;
      if (row.state === 'Enabled' && row.nextRotationAtMs !== null && row.nextRotationAtMs <= now) {
        await this.change(async (tx, fresh, emit) => {
          const latest = fresh.keys.get(row.keyId)?.row;
          if (latest?.state !== 'Enabled' || latest.nextRotationAtMs === null || latest.nextRotationAtMs > now) return;
          const rotated = await addVersion(tx, this.rootKey, latest, 'AUTOMATIC', now);
          emit({
            type: 'KeyRotated',
            atMs: now,
            keyArn: key.arn,
            version: rotated.currentVersion,
            rotationType: 'AUTOMATIC',
          });
        });
      }
      if (row.state === 'PendingDeletion' && row.deletionAtMs !== null && row.deletionAtMs <= now) {
        // A queue quarantined after the deletion was scheduled: the key waits for the incident's release.
        const hold = await this.evidenceUnder({ keyId: row.keyId, arn: key.arn, accountId: row.accountId });
        if (hold) this.warnDeletionHeld(key.arn, hold);
        else await this.destroyKey(row.keyId, now);
      }
    }
    await this.flushUsage();
  }

  /**
   * What needs `key`, from every module that seals (queues configured with it or holding messages sealed
   * under it, …): a key with users is not unused, whatever its usage counts say.
   */
  async usersOf(key: { keyId: string; arn: string; accountId: string }): Promise<KeyUser[]> {
    if (!this.sources.some((source) => source.usersOf)) return [];
    return this.store.read(async (tx) => {
      const session = await this.session(tx);
      const users: KeyUser[] = [];
      for (const source of this.sources) users.push(...((await source.usersOf?.(tx, session, key)) ?? []));
      return users;
    });
  }

  /**
   * The open incident whose evidence needs `key` (a quarantined queue holding data sealed under it), if any:
   * its material must not be destroyed, by deletion or retirement, before the incident is released.
   */
  async evidenceUnder(key: { keyId: string; arn: string; accountId: string }): Promise<EvidenceHold | undefined> {
    return (await this.usersOf(key)).find((user): user is EvidenceHold => user.incident !== undefined);
  }

  /** Refuses (`refused` says what) while an open incident's evidence needs `key`: see `evidenceUnder`. */
  async requireNoEvidenceUnder(key: { keyId: string; arn: string; accountId: string }, refused: string): Promise<void> {
    const hold = await this.evidenceUnder(key);
    if (hold) throw evidenceHeld(key.arn, hold, refused);
  }

  private warnDeletionHeld(keyArn: string, hold: EvidenceHold): void {
    if (this.heldDeletions.has(keyArn)) return;
    this.heldDeletions.add(keyArn);
    process.emitWarning(
      `${keyArn} is due for deletion, but ${hold.resource} (quarantined by incident ${hold.incident}) holds data sealed under it: its material is kept until the incident is released`,
      { code: 'PCIQ_KEY_DELETION_HELD' },
    );
  }

  /** Crypto-shredding at the end of the waiting period: material destroyed, aliases gone, a tombstone kept. */
  private async destroyKey(keyId: string, now: number): Promise<void> {
    const destroyed = await this.change(async (tx, set, emit) => {
      const key = set.keys.get(keyId);
      if (key?.row.state !== 'PendingDeletion' || (key.row.deletionAtMs ?? now + 1) > now) return undefined;
      const versions: number[] = [];
      for (const version of key.versions) {
        if (version.row.wrappedMaterial === null) continue;
        await tx.keys.setVersionMaterial(keyId, version.row.version, null, now);
        versions.push(version.row.version);
      }
      for (const alias of set.aliasesOf(keyId)) {
        await tx.keys.deleteAlias(alias.accountId, alias.aliasName);
        emit({
          type: 'AliasDeleted',
          atMs: now,
          aliasArn: aliasArn(this.region, alias.accountId, alias.aliasName),
          keyArn: key.arn,
        });
      }
      await tx.keys.updateKey({ ...key.row, state: 'Deleted', tags: {}, policy: '' });
      emit({ type: 'KeyMaterialDestroyed', atMs: now, keyArn: key.arn, versions, reason: 'key-deleted' });
      return key.arn;
    });
    if (destroyed) {
      // The wrapped material must not survive in the store's files either: the root key would open it.
      await this.store.scrubDeleted();
      await this.reportDataUnder(keyId, destroyed, 'key-deleted');
    }
  }

  /** Counts the records still sealed under `keyId` and reports them unreadable, per resource (never silently). */
  async reportDataUnder(keyId: string, keyArn: string, reason: UnreadableReason): Promise<number> {
    let total = 0;
    for (const source of this.sources) {
      const counts = new Map<string, number>();
      let cursor: string | undefined;
      do {
        const page = await this.store.read((tx) => source.scan(tx, cursor, 500));
        for (const record of page.records) {
          if (readHeader(record.sealed)?.keyId === keyId)
            counts.set(record.resource, (counts.get(record.resource) ?? 0) + 1);
        }
        cursor = page.next;
      } while (cursor !== undefined);
      for (const [resource, records] of counts) {
        total += records;
        this.events.onKeyEvent({
          type: 'SealedDataUnreadable',
          atMs: this.clock.now(),
          source: source.name,
          resource,
          keyArn,
          reason,
          records,
        });
        process.emitWarning(`${records} records in ${resource} are unreadable: ${keyArn} was deleted`, {
          code: 'PCIQ_SEALED_DATA_UNREADABLE',
        });
      }
    }
    return total;
  }

  /** Writes the seals and opens counted in memory to each key version's usage count. */
  async flushUsage(): Promise<void> {
    const set = this.current;
    if (!set) return;
    const usage: Array<{ keyId: string; keyArn: string; version: number; invocations: number }> = [];
    for (const key of set.keys.values()) {
      for (const version of key.versions) {
        const invocations = version.material?.takeUsage() ?? 0;
        if (invocations > 0)
          usage.push({ keyId: key.row.keyId, keyArn: key.arn, version: version.row.version, invocations });
      }
    }
    if (usage.length === 0) return;
    await this.store.write(async (tx) => {
      for (const item of usage) await tx.keys.addUsage(item.keyId, item.version, item.invocations);
    });
    const now = this.clock.now();
    for (const item of usage)
      this.events.onKeyEvent({
        type: 'KeyUsage',
        atMs: now,
        keyArn: item.keyArn,
        version: item.version,
        invocations: item.invocations,
      });
  }

  /**
   * Re-wraps every key version's material and pciq's internal keys under `newRoot`, in one transaction;
   * sealed data is not touched (its data keys derive from the unchanged material).
   */
  async rewrapRoot(newRoot: RootKey, record: RootKeyRecord): Promise<number> {
    const old = this.rootKey;
    const count = await this.change(async (tx, _set, emit) => {
      await assertRootCurrent(tx, old);
      let rewrapped = 0;
      for (const version of await tx.keys.listVersions()) {
        if (version.wrappedMaterial === null) continue;
        const label = versionLabel(version.keyId, version.version, version.materialId);
        const secret = old.unwrap(version.wrappedMaterial, label);
        await tx.keys.setVersionMaterial(version.keyId, version.version, newRoot.wrap(secret, label), null);
        secret.fill(0);
        rewrapped++;
      }
      for (const internal of await tx.keys.listInternalKeys()) {
        const label = internalKeyLabel(internal.name);
        const secret = old.unwrap(internal.wrappedMaterial, label);
        await tx.keys.putInternalKey({ ...internal, wrappedMaterial: newRoot.wrap(secret, label) });
        secret.fill(0);
        rewrapped++;
      }
      await tx.setMeta(rootMeta.checkValue, newRoot.checkValue);
      await tx.setMeta(rootMeta.record, JSON.stringify(record));
      emit({ type: 'RootKeyReplaced', atMs: this.clock.now(), provider: record.provider, rewrapped });
      return rewrapped;
    });
    this.rootKey = newRoot;
    return count;
  }

  /** Starts the clock-driven work: rotation, deletion, usage counts. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const schedule = () => {
      const cancel = this.clock.setTimer(dueWorkIntervalMs, () => {
        this.timers = this.timers.filter((timer) => timer !== cancel);
        this.runDueWork()
          .catch((error: unknown) => process.emitWarning(`background key work failed: ${(error as Error).message}`))
          .finally(() => {
            if (this.running) schedule();
          });
      });
      this.timers.push(cancel);
    };
    schedule();
  }

  stop(): void {
    this.running = false;
    for (const cancel of this.timers) cancel();
    this.timers = [];
  }
}

export { dayMs };
