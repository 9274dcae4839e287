/**
 * What happens to keys and to data sealed under them, for the audit trail (PCI DSS 10.2.1.7 creation and
 * deletion of system-level objects, 3.7 key lifecycle, 10.7.2 failures of encryption controls). Events
 * carry ARNs, ids, counts and instants: never key material, plaintext or card data. Lifecycle events are
 * emitted after their change committed.
 */
export type KeyEvent =
  | { type: 'KeyCreated'; atMs: number; keyArn: string; accountId: string; keyManager: 'CUSTOMER' | 'AWS' }
  | {
      type: 'KeyEnabled' | 'KeyDisabled' | 'KeyDeletionCancelled' | 'KeyRotationDisabled' | 'KeyTagsChanged';
      atMs: number;
      keyArn: string;
    }
  | { type: 'KeyRotationEnabled'; atMs: number; keyArn: string; rotationPeriodDays: number }
  | { type: 'KeyRotated'; atMs: number; keyArn: string; version: number; rotationType: 'AUTOMATIC' | 'ON_DEMAND' }
  | { type: 'KeyDeletionScheduled'; atMs: number; keyArn: string; deletionAtMs: number }
  | {
      type: 'KeyMaterialDestroyed';
      atMs: number;
      keyArn: string;
      versions: number[];
      reason: 'key-deleted' | 'versions-retired';
    }
  | { type: 'AliasCreated' | 'AliasUpdated' | 'AliasDeleted'; atMs: number; aliasArn: string; keyArn: string }
  | { type: 'RootKeyReplaced'; atMs: number; provider: string; rewrapped: number }
  | { type: 'DataReencrypted'; atMs: number; keyArn: string; source: string; records: number }
  | { type: 'KeyUsage'; atMs: number; keyArn: string; version: number; invocations: number }
  | {
      type: 'SealedDataUnreadable';
      atMs: number;
      source: string;
      /** The queue ARN, access key id, … that holds the data. */
      resource: string;
      /** The record (message id, …) when one is concerned; absent in counts. */
      recordId?: string;
      keyArn?: string;
      reason: UnreadableReason;
      records: number;
    };

/** Integrity: altered or moved ciphertext. The others: crypto-shredded by deletion or version retirement. */
export type UnreadableReason = 'integrity' | 'key-deleted' | 'version-retired';

/** Subscribers of key events (the audit trail). Must not throw or block: called on the request path. */
export interface KeyEventListener {
  onKeyEvent(event: KeyEvent): void;
}

export const ignoreKeyEvents: KeyEventListener = { onKeyEvent() {} };
