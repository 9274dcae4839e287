import type { WriteTx } from '../storage/index.ts';

export type VaultEventType = 'vault:Tokenize' | 'vault:Detokenize' | 'vault:DeleteToken' | 'vault:ExpireTokens';

export type VaultDetails = Record<string, string | number | boolean | null>;

/**
 * A tokenization event for the audit trail (PCI DSS 10.2.1.1: access to cardholder data): who, which
 * token (by its keyed reference, never the token or the PAN), why (the caller's reason) and the outcome.
 * The shape is the audit module's security event; the vault does not depend on the audit module.
 */
export interface VaultAuditEvent {
  type: VaultEventType;
  outcome: 'success' | 'failure';
  /** The error code of a failure, never its message. */
  error?: string;
  /** The vault's ARN. */
  resource: string;
  data?: { messageIds?: string[]; count?: number };
  details: VaultDetails;
  actor?: { principal: string | null; accessKeyId: string | null; accountId: string | null };
}

/** Where the vault records its events, inside the transaction of the operation (the audit trail). */
export interface VaultAuditSink {
  record(tx: WriteTx, event: VaultAuditEvent): Promise<void>;
}

/**
 * How one operation is recorded. An API request already has its own audit record, so the vault adds what
 * only it knows (token reference, format, outcome details) to that record through `note`; library calls and
 * the guard's work inside other requests record an event of their own.
 */
export type Recording = { kind: 'event' } | { kind: 'request'; note: (details: VaultDetails) => void };

export const asEvent: Recording = { kind: 'event' };

/** Token references listed in one record: enough to follow each token, bounded so records stay small. */
export function listedRefs(refs: readonly string[]): string {
  const shown = refs.slice(0, 5).join(',');
  return refs.length > 5 ? `${shown},+${refs.length - 5}` : shown;
}
