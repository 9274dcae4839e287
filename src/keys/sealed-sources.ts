import type { ReadTx, WriteTx } from '../storage/index.ts';
import type { KeySet } from './key-set.ts';

/** One sealed record somewhere in the store, with what binds it to its place and how to replace it. */
export interface SealedRecord {
  sealed: Uint8Array;
  scope: string;
  place: string;
  /** Where it lives, for reports: a queue ARN, an access key id. */
  resource: string;
  recordId: string;
  replace(tx: WriteTx, sealed: Buffer): Promise<void>;
}

/** A resource whose sealed data incident response keeps as evidence (PCI DSS 12.10), and by which incident. */
export interface EvidenceHold {
  resource: string;
  incident: string;
}

/**
 * A module's sealed data, walked page by page for re-encryption under the newest key version and for
 * counting what a key deletion made unreadable. Each module that seals registers one (queues: message
 * payloads; iam: access key secrets; later vault entries, TOTP seeds, snapshots).
 */
export interface SealedDataSource {
  readonly name: string;
  /** Records after `cursor` (undefined: from the start), at most about `limit`; `next` undefined at the end. */
  scan(
    tx: ReadTx,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ records: SealedRecord[]; next: string | undefined }>;
  /**
   * A quarantined resource of this module that needs `key` (it seals or is to seal what the resource holds),
   * if any: destroying the key's material would crypto-shred the evidence of an open incident.
   */
  evidenceUnder?(
    tx: ReadTx,
    keys: Pick<KeySet, 'keyOf'>,
    key: { keyId: string; arn: string; accountId: string },
  ): Promise<EvidenceHold | undefined>;
}
