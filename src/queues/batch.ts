import { type ErrorCode, isPciqError, PciqError } from '../core/index.ts';
import { limits } from './limits.ts';
import { isValidBatchEntryId } from './names.ts';

/** One entry's result in a batch: SQS reports failures per entry in `Failed` and the rest in `Successful`. */
export type EntryOutcome<T> =
  | { ok: true; id: string; value: T }
  | { ok: false; id: string; code: ErrorCode; message: string; senderFault: boolean };

/**
 * The checks that fail a whole batch request, in SQS's order: empty, too many, malformed ids, repeated ids.
 * `entryName` is the wire name, e.g. SendMessageBatchRequestEntry, used in messages.
 */
export function validateBatch(entries: ReadonlyArray<{ id: string }>, entryName: string): void {
  if (entries.length === 0) {
    throw new PciqError('EmptyBatchRequest', `There should be at least one ${entryName} in the request.`);
  }
  if (entries.length > limits.maxBatchEntries) {
    throw new PciqError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${limits.maxBatchEntries}. You have sent ${entries.length}.`,
    );
  }
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!isValidBatchEntryId(entry.id)) {
      throw new PciqError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (seen.has(entry.id)) throw new PciqError('BatchEntryIdsNotDistinct', `Id ${entry.id} repeated.`);
    seen.add(entry.id);
  }
}

/** Turns an entry's error into its `Failed` record; unexpected errors stay errors (they are ours, not the caller's). */
export function failedEntry(id: string, error: unknown): EntryOutcome<never> {
  if (!isPciqError(error) || error.code === 'InternalFailure') throw error;
  return { ok: false, id, code: error.code, message: error.message, senderFault: true };
}

/** Runs `run` for each entry in order, collecting each entry's success or failure. */
export async function eachEntry<E extends { id: string }, T>(
  entries: readonly E[],
  run: (entry: E) => Promise<T>,
): Promise<Array<EntryOutcome<T>>> {
  const outcomes: Array<EntryOutcome<T>> = [];
  for (const entry of entries) {
    try {
      outcomes.push({ ok: true, id: entry.id, value: await run(entry) });
    } catch (error) {
      outcomes.push(failedEntry(entry.id, error));
    }
  }
  return outcomes;
}
