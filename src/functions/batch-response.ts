/**
 * What a batch's invocation decided, from the handler's result (AWS Lambda, "Implementing partial batch
 * responses"). Without ReportBatchItemFailures a returned value is success and a thrown error fails the
 * whole batch. With it, an empty or null `batchItemFailures` (or an empty or null response) is complete
 * success, listed ids fail alone, and a malformed response — not an object, `batchItemFailures` not a list,
 * an entry without `itemIdentifier`, an empty, null or unknown identifier — fails the whole batch.
 */
export type BatchVerdict =
  | { kind: 'success' }
  | { kind: 'partial'; failedIds: ReadonlySet<string> }
  | { kind: 'failure'; reason: string };

export function judgeBatchResponse(
  response: unknown,
  messageIds: readonly string[],
  reportsItemFailures: boolean,
): BatchVerdict {
  if (!reportsItemFailures || response === null || response === undefined) return { kind: 'success' };
  if (typeof response !== 'object' || Array.isArray(response)) {
    return { kind: 'failure', reason: 'the response is not an object with batchItemFailures' };
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'failure', reason: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'success' };
  const known = new Set(messageIds);
  const failedIds = new Set<string>();
  for (const entry of failures) {
    const identifier =
      typeof entry === 'object' && entry !== null ? (entry as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof identifier !== 'string' || identifier === '') {
      return { kind: 'failure', reason: 'an entry of batchItemFailures has no itemIdentifier string' };
    }
    if (!known.has(identifier)) {
      return { kind: 'failure', reason: 'batchItemFailures names a message that is not in the batch' };
    }
    failedIds.add(identifier);
  }
  return { kind: 'partial', failedIds };
}
