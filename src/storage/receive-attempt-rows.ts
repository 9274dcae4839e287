import type { ReceiveAttemptRow } from './store.ts';

/**
 * Rows of receive_attempts as both drivers read and write them (the same snake_case columns; the receive's
 * seqs as a JSON array, since SQLite has no array type).
 */
export function receiveAttemptOf(row: Record<string, unknown>): ReceiveAttemptRow {
  return {
    queueId: Number(row['queue_id']),
    attemptKey: String(row['attempt_key']),
    seqs: JSON.parse(String(row['seqs'])) as number[],
    receiptNonce: String(row['receipt_nonce']),
    visibleAtMs: Number(row['visible_at']),
    expiresAtMs: Number(row['expires_at']),
  };
}

/** The values of an upsert's columns (queue_id, attempt_key, seqs, receipt_nonce, visible_at, expires_at). */
export function receiveAttemptValues(attempt: ReceiveAttemptRow): [number, string, string, string, number, number] {
  return [
    attempt.queueId,
    attempt.attemptKey,
    JSON.stringify(attempt.seqs),
    attempt.receiptNonce,
    attempt.visibleAtMs,
    attempt.expiresAtMs,
  ];
}
