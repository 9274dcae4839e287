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

/**
 * A resource that needs a key: configured to seal under it, or holding data sealed under it; `incident` when
 * incident response keeps it as evidence (PCI DSS 12.10).
 */
export interface KeyUser {
  resource: string;
  incident?: string;
}

/** A key user held as evidence by an open incident. */
export type EvidenceHold = Required<KeyUser>;

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
  /** The resources of this module that need `key`, so that neither reports nor deletions take it as unused. */
  usersOf?(
    tx: ReadTx,
    keys: Pick<KeySet, 'keyOf'>,
    key: { keyId: string; arn: string; accountId: string },
  ): Promise<KeyUser[]>;
}
