import type { Clock } from '../core/index.ts';
import { PciqError } from '../core/index.ts';
import {
  type EnvelopeHeader,
  KeyMaterial,
  type RootKey,
  readHeader,
  SealIntegrityError,
  type SealItem,
  versionLabel,
} from '../crypto/index.ts';
import type { KmsAliasRow, KmsKeyRow, KmsKeyVersionRow, ReadTx } from '../storage/index.ts';
import { keyDisabled, keyNotFound, keyPendingDeletion, UnreadableSealError } from './errors.ts';
import { type KeyReference, keyArn, parseKeyReference } from './key-references.ts';

export interface VersionEntry {
  row: KmsKeyVersionRow;
  /** Undefined when destroyed, or when the root at hand could not unwrap it (see `isUnavailable`). */
  material: KeyMaterial | undefined;
  isUnavailable: boolean;
}

export interface KeyEntry {
  row: KmsKeyRow;
  arn: string;
  /** Ascending by version. */
  versions: VersionEntry[];
}

/** Seals for one key and scope; obtained from a session, used synchronously inside the same unit of work. */
export interface SealingKey {
  readonly keyId: string;
  readonly keyArn: string;
  seal(plaintext: Uint8Array, place: string): Buffer;
  /**
   * Seals many items under one data key, on a worker thread when they are many: for sealing ahead of a unit of
   * work, whose session must then still be this key's (a key change makes a new session).
   */
  sealMany(items: readonly SealItem[]): Promise<Buffer[]>;
}

/** What the key set needs from its service. */
export interface KeySetContext {
  clock: Clock;
  region: string;
  defaultReuseMs: number;
  maxSealsPerDataKey?: number;
}

/**
 * A consistent picture of all keys at one revision of the store, with the material of every live version
 * unwrapped in memory. It is the session data modules seal and open with inside a transaction: all its
 * methods are synchronous, so sealing never awaits anything but the transaction (group commit stays intact).
 */
export class KeySet {
  readonly revision: string;
  readonly keys: ReadonlyMap<string, KeyEntry>;
  private readonly aliases: ReadonlyMap<string, KmsAliasRow>;
  private readonly context: KeySetContext;

  constructor(
    revision: string,
    keys: Map<string, KeyEntry>,
    aliases: Map<string, KmsAliasRow>,
    context: KeySetContext,
  ) {
    this.revision = revision;
    this.keys = keys;
    this.aliases = aliases;
    this.context = context;
  }

  materialById(materialId: string): KeyMaterial | undefined {
    for (const key of this.keys.values())
      for (const version of key.versions) if (version.row.materialId === materialId) return version.material;
    return undefined;
  }

  alias(accountId: string, aliasName: string): KmsAliasRow | undefined {
    return this.aliases.get(`${accountId}\n${aliasName}`);
  }

  aliasesOf(keyId: string): KmsAliasRow[] {
    return [...this.aliases.values()].filter((alias) => alias.keyId === keyId);
  }

  allAliases(accountId: string): KmsAliasRow[] {
    return [...this.aliases.values()].filter((alias) => alias.accountId === accountId);
  }

  /** The live (not deleted) keys of an account, by key id. */
  accountKeys(accountId: string): KeyEntry[] {
    return [...this.keys.values()].filter((key) => key.row.accountId === accountId && key.row.state !== 'Deleted');
  }

  /**
   * The key a KeyId parameter names in `accountId`. `allowAlias` is false for the management operations that
   * AWS KMS accepts only a key id or key ARN for.
   */
  find(accountId: string, ref: string, allowAlias = true): KeyEntry {
    const parsed: KeyReference = parseKeyReference(ref, this.context.region, accountId);
    let keyId: string;
    if (parsed.kind === 'alias') {
      if (!allowAlias)
        throw new PciqError('NotFoundException', `Invalid keyId '${ref.slice(0, 256)}': use a key id or key ARN`);
      const alias = this.alias(accountId, parsed.aliasName);
      if (!alias) throw new PciqError('NotFoundException', `Alias ${ref.slice(0, 256)} is not found.`);
      keyId = alias.keyId;
    } else keyId = parsed.keyId;
    const key = this.keys.get(keyId);
    if (!key || key.row.accountId !== accountId || key.row.state === 'Deleted') throw keyNotFound(ref);
    return key;
  }

  /**
   * The id and ARN of the key `ref` names, who manages it and its tags: what a use of the key is authorized on,
   * and which key a queue's KmsMasterKeyId stands for.
   */
  keyOf(
    accountId: string,
    ref: string,
  ): { keyId: string; arn: string; awsManaged: boolean; tags: Record<string, string> } {
    const key = this.find(accountId, ref);
    return {
      keyId: key.row.keyId,
      arn: key.arn,
      awsManaged: key.row.keyManager === 'AWS',
      tags: { ...key.row.tags },
    };
  }

  /** Refuses keys that may not seal or open now (PCI DSS 3.7: disabled keys are out of use). */
  requireUsable(key: KeyEntry): void {
    if (key.row.state === 'Disabled') throw keyDisabled(key.arn);
    if (key.row.state === 'PendingDeletion') throw keyPendingDeletion(key.arn);
    if (key.row.state === 'Deleted') throw keyNotFound(key.arn);
  }

  /**
   * The sealing key for data of `accountId` under the key `ref` names, in `scope` (a queue ARN, a purpose):
   * the newest version of the key, a data key reused for at most `reuseSec` (SQS KmsDataKeyReusePeriodSeconds).
   */
  sealingKey(accountId: string, ref: string, scope: string, reuseSec?: number): SealingKey {
    return this.sealingKeyOf(this.find(accountId, ref), scope, reuseSec);
  }

  sealingKeyOf(key: KeyEntry, scope: string, reuseSec?: number): SealingKey {
    this.requireUsable(key);
    const current = key.versions.find((version) => version.row.version === key.row.currentVersion);
    const material = current?.material;
    if (!material) {
      throw new PciqError(
        'KeyUnavailableException',
        `${key.arn} cannot be used: its material is not readable with the root key this process holds (was the root key replaced? restart pciq with the new root key).`,
      );
    }
    const { clock, defaultReuseMs, maxSealsPerDataKey } = this.context;
    const reuseMs = reuseSec === undefined ? defaultReuseMs : reuseSec * 1000;
    // One policy per sealing key, its clock reading renewed at each seal (a seal is synchronous).
    const policy = { nowMs: 0, reuseMs, ...(maxSealsPerDataKey ? { maxSeals: maxSealsPerDataKey } : {}) };
    return {
      keyId: key.row.keyId,
      keyArn: key.arn,
      seal(plaintext, place) {
        policy.nowMs = clock.now();
        return material.seal(material.dataKeyFor(scope, policy), plaintext, place);
      },
      sealMany(items) {
        policy.nowMs = clock.now();
        return material.sealMany(material.dataKeyFor(scope, policy, items.length), items);
      },
    };
  }

  /**
   * Opens sealed data of `scope` at `place`. Throws `SealIntegrityError` for altered, moved or unknown
   * ciphertext, `UnreadableSealError` for data whose key was deleted or version retired, and the KMS errors
   * of a key that is disabled or pending deletion.
   */
  open(sealed: Uint8Array, scope: string, place: string): Buffer {
    return this.openWithKey(sealed, scope, place).plaintext;
  }

  openWithKey(sealed: Uint8Array, scope: string, place: string): { plaintext: Buffer; key: KeyEntry } {
    const { header, key, material } = this.openerOf(sealed);
    return { plaintext: material.open(sealed, scope, place, header), key };
  }

  /**
   * Throws what `open` would throw before it decrypts: for claiming sealed data in a unit of work (a disabled
   * key refuses, a deleted one leaves it unreadable) and decrypting it after the unit, outside the writer's turn.
   * Only an altered ciphertext is left for the decryption to find (`SealIntegrityError`).
   */
  checkOpenable(sealed: Uint8Array): void {
    this.openerOf(sealed);
  }

  private openerOf(sealed: Uint8Array): { header: EnvelopeHeader; key: KeyEntry; material: KeyMaterial } {
    const header = readHeader(sealed);
    if (!header) throw new SealIntegrityError('not a pciq envelope');
    const key = this.keys.get(header.keyId);
    if (!key) throw new SealIntegrityError('sealed under a key pciq does not know');
    if (key.row.state === 'Deleted') throw new UnreadableSealError('key-deleted', key.arn);
    this.requireUsable(key);
    if (header.keyVersion < key.row.minDecryptVersion) throw new UnreadableSealError('version-retired', key.arn);
    const version = key.versions.find((entry) => entry.row.version === header.keyVersion);
    if (!version) throw new SealIntegrityError('sealed under a key version pciq does not know');
    if (!version.material) {
      if (version.row.destroyedAtMs !== null) throw new UnreadableSealError('version-retired', key.arn);
      throw new PciqError('KeyUnavailableException', `${key.arn} cannot be used: its material is not readable.`);
    }
    return { header, key, material: version.material };
  }
}

/**
 * Reads every key, version and alias in `tx` and unwraps the live material with `root`. Material already
 * unwrapped in `previous` is taken over by its material id (unique, random), never by version number, so a
 * version that a rolled-back transaction created can never stand in for a later one.
 */
export async function loadKeySet(
  tx: ReadTx,
  revision: string,
  root: RootKey,
  previous: KeySet | undefined,
  context: KeySetContext,
): Promise<KeySet> {
  const [rows, versions, aliases] = [
    await tx.keys.listKeys(),
    await tx.keys.listVersions(),
    await tx.keys.listAliases(),
  ];
  const keys = new Map<string, KeyEntry>();
  for (const row of rows)
    keys.set(row.keyId, { row, arn: keyArn(context.region, row.accountId, row.keyId), versions: [] });
  for (const row of versions) {
    const key = keys.get(row.keyId);
    if (!key) continue;
    let material: KeyMaterial | undefined;
    let isUnavailable = false;
    if (row.wrappedMaterial !== null && row.version >= key.row.minDecryptVersion) {
      material = previous?.materialById(row.materialId);
      if (!material) {
        try {
          const secret = root.unwrap(row.wrappedMaterial, versionLabel(row.keyId, row.version, row.materialId));
          material = new KeyMaterial(row.keyId, row.version, row.materialId, secret);
        } catch {
          isUnavailable = true;
        }
      }
    }
    key.versions.push({ row, material, isUnavailable });
  }
  const aliasMap = new Map<string, KmsAliasRow>();
  for (const alias of aliases) aliasMap.set(`${alias.accountId}\n${alias.aliasName}`, alias);
  return new KeySet(revision, keys, aliasMap, context);
}
