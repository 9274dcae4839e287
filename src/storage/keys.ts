/**
 * The key-management part of the storage contract (`tx.keys`): customer master keys, the versions of their
 * material (only ever wrapped by the root key), aliases and pciq's internal keys. Every change to key
 * metadata or material replaces the revision, a random token, so every process and node can tell cheaply,
 * inside its own transaction, whether the keys it holds in memory are still what the store says.
 */
export type KmsKeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'Deleted';

export interface KmsKeyRow {
  /** A UUID. */
  keyId: string;
  accountId: string;
  description: string;
  keyManager: 'CUSTOMER' | 'AWS';
  /** 'Deleted' is a tombstone: the material is destroyed and the key is gone for clients. */
  state: KmsKeyState;
  createdAtMs: number;
  deletionAtMs: number | null;
  pendingWindowDays: number | null;
  /** Null when automatic rotation is off. */
  rotationPeriodDays: number | null;
  nextRotationAtMs: number | null;
  currentVersion: number;
  /** Versions below this are retired: refused for opening, their material destroyed. */
  minDecryptVersion: number;
  policy: string;
  tags: Record<string, string>;
}

export type KeyRotationType = 'INITIAL' | 'AUTOMATIC' | 'ON_DEMAND';

export interface KmsKeyVersionRow {
  keyId: string;
  version: number;
  /** Random, 64 hex digits (KMS KeyMaterialId). */
  materialId: string;
  /** The material wrapped by the root key; null once destroyed. */
  wrappedMaterial: Uint8Array | null;
  rotationType: KeyRotationType;
  createdAtMs: number;
  destroyedAtMs: number | null;
  /** Seals and opens counted so far. */
  invocations: number;
}

export interface KmsAliasRow {
  accountId: string;
  /** `alias/...` */
  aliasName: string;
  keyId: string;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface InternalKeyRow {
  name: string;
  wrappedMaterial: Uint8Array;
  createdAtMs: number;
}

export interface KeyReadTx {
  revision(): Promise<string>;
  listKeys(): Promise<KmsKeyRow[]>;
  listVersions(): Promise<KmsKeyVersionRow[]>;
  listAliases(): Promise<KmsAliasRow[]>;
  listInternalKeys(): Promise<InternalKeyRow[]>;
}

export interface KeyWriteTx extends KeyReadTx {
  insertKey(key: KmsKeyRow): Promise<void>;
  updateKey(key: KmsKeyRow): Promise<void>;
  insertVersion(version: KmsKeyVersionRow): Promise<void>;
  /** Replaces a version's wrapped material (root re-wrap) or destroys it (null, with the instant). */
  setVersionMaterial(
    keyId: string,
    version: number,
    wrappedMaterial: Uint8Array | null,
    destroyedAtMs: number | null,
  ): Promise<void>;
  /** Adds to a version's invocation count; does not change the revision (usage is not metadata). */
  addUsage(keyId: string, version: number, invocations: number): Promise<void>;
  /** Creates or re-targets an alias. */
  putAlias(alias: KmsAliasRow): Promise<void>;
  deleteAlias(accountId: string, aliasName: string): Promise<boolean>;
  putInternalKey(key: InternalKeyRow): Promise<void>;
}
