import { createSecretKey, hkdfSync, type KeyObject, randomBytes } from 'node:crypto';
import { aeadOpen, aeadSeal } from './aead.ts';
import {
  additionalData,
  additionalDataAt,
  additionalDataPrefix,
  type EnvelopeHeader,
  encodeHeader,
  headerBytes,
  requireHeader,
} from './envelope.ts';
import { type SealItem, sealingPool } from './sealing-pool.ts';

/**
 * A data key is retired after this many seals, far below the 2^32 invocations NIST SP 800-38D allows a key
 * with random 96-bit nonces (OpenBao rotates at 3,865,470,566); counting is exact because a data key never
 * outlives the process that created it.
 */
export const maxSealsPerDataKey = 2 ** 30;
/** Data keys kept for opening, per key version: the most recently used, so receives rarely derive. */
const openingCacheLimit = 1024;

/** One data key (DEK): derived from a key version's material and a random id, for one scope. */
export interface DataKey {
  readonly id: Buffer;
  readonly key: KeyObject;
  readonly header: Buffer;
  /** The additional authenticated data's header and scope, the same for each seal. */
  readonly aadPrefix: Buffer;
  readonly createdAtMs: number;
  seals: number;
}

function deriveDataKey(material: Buffer, dataKeyId: Uint8Array, scope: Uint8Array): KeyObject {
  const info = Buffer.concat([Buffer.from('pciq/data-key/v2\0', 'utf8'), scope]);
  const bytes = Buffer.from(hkdfSync('sha256', material, dataKeyId, info, 32));
  const key = createSecretKey(bytes);
  bytes.fill(0);
  return key;
}

const scopeCache = new Map<string, Buffer>();

/** Scopes are few (queues, purposes) and used on every open: encode each once. */
function scopeBytesOf(scope: string): Buffer {
  let bytes = scopeCache.get(scope);
  if (!bytes) {
    bytes = Buffer.from(scope, 'utf8');
    if (scopeCache.size >= 10_000) scopeCache.clear();
    scopeCache.set(scope, bytes);
  }
  return bytes;
}

export interface SealPolicy {
  nowMs: number;
  /** How long one data key may be reused (SQS KmsDataKeyReusePeriodSeconds). */
  reuseMs: number;
  maxSeals?: number;
}

/**
 * The unwrapped material of one version of a customer master key, held only in memory. Seals derive data
 * keys per scope (a queue, a purpose) and reuse each for at most the reuse period and `maxSeals` seals;
 * opens derive the data key the envelope names. Usage is counted per data key and per version.
 */
export class KeyMaterial {
  readonly keyId: string;
  readonly version: number;
  readonly materialId: string;
  private secret: Buffer;
  private readonly sealing = new Map<string, DataKey>();
  private readonly opening = new Map<string, KeyObject>();
  /** Seals and opens since usage was last collected. */
  private uncounted = 0;

  constructor(keyId: string, version: number, materialId: string, secret: Buffer) {
    this.keyId = keyId;
    this.version = version;
    this.materialId = materialId;
    this.secret = secret;
  }

  /** The data key for `scope` with room for `seals` more seals, made anew when the current one has none or is old. */
  dataKeyFor(scope: string, policy: SealPolicy, seals = 1): DataKey {
    const current = this.sealing.get(scope);
    const maxSeals = policy.maxSeals ?? maxSealsPerDataKey;
    if (current && current.seals + seals <= maxSeals && policy.nowMs - current.createdAtMs < policy.reuseMs)
      return current;
    const id = randomBytes(16);
    const scopeBytes = scopeBytesOf(scope);
    const header = encodeHeader(this.keyId, this.version, id);
    const dataKey: DataKey = {
      id,
      key: deriveDataKey(this.secret, id, scopeBytes),
      header,
      aadPrefix: additionalDataPrefix(header, scopeBytes),
      createdAtMs: policy.nowMs,
      seals: 0,
    };
    this.sealing.set(scope, dataKey);
    return dataKey;
  }

  seal(dataKey: DataKey, plaintext: Uint8Array, place: string): Buffer {
    dataKey.seals++;
    this.uncounted++;
    return aeadSeal(dataKey.key, dataKey.header, plaintext, additionalDataAt(dataKey.aadPrefix, place));
  }

  /**
   * Seals items under one data key, counted now: with what other callers ask for under it in this turn of the
   * event loop, on a worker thread when they are many together (`sealingPool`).
   */
  sealMany(dataKey: DataKey, items: readonly SealItem[]): Promise<Buffer[]> {
    dataKey.seals += items.length;
    this.uncounted += items.length;
    return sealingPool.sealGathered(dataKey, items);
  }

  /** Opens an envelope sealed under this version (the caller matched key id and version). */
  open(sealed: Uint8Array, scope: string, place: string, header: EnvelopeHeader = requireHeader(sealed)): Buffer {
    const scopeBytes = scopeBytesOf(scope);
    const cacheKey = `${header.dataKeyId.toString('latin1')}\n${scope}`;
    let key = this.opening.get(cacheKey);
    if (!key) {
      key = deriveDataKey(this.secret, header.dataKeyId, scopeBytes);
      if (this.opening.size >= openingCacheLimit) this.opening.delete(this.opening.keys().next().value!);
      this.opening.set(cacheKey, key);
    }
    this.uncounted++;
    return aeadOpen(key, sealed, headerBytes, additionalData(sealed, scopeBytes, place));
  }

  /** Invocations since the last call, for the per-key usage count (PCI DSS 3.7: keys managed through their life). */
  takeUsage(): number {
    const count = this.uncounted;
    this.uncounted = 0;
    return count;
  }

  /**
   * Overwrites the material and drops every data key (best effort: data keys live in native key objects
   * that the runtime frees, and the runtime may hold other copies).
   */
  destroy(): void {
    this.secret.fill(0);
    this.sealing.clear();
    this.opening.clear();
  }
}
