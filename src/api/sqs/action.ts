import type { EntryOutcome } from '../../queues/index.ts';
import { wireErrorOf } from '../error-codes.ts';
import type { ActionOutput, ApiAction } from '../service.ts';

export type { ActionContext, ActionOutput } from '../service.ts';
/** SQS actions are API actions; the alias keeps their files short. */
export type SqsAction = ApiAction;

/** `Successful` and `Failed` of a batch response. */
export function batchOutput<T>(
  outcomes: Array<EntryOutcome<T>>,
  encode: (value: T) => Record<string, unknown>,
): ActionOutput {
  const successful: unknown[] = [];
  const failed: unknown[] = [];
  for (const outcome of outcomes) {
    if (outcome.ok) successful.push({ Id: outcome.id, ...encode(outcome.value) });
    else {
      failed.push({
        Id: outcome.id,
        SenderFault: outcome.senderFault,
        Code: wireErrorOf(outcome.code).queryCode,
        Message: outcome.message,
      });
    }
  }
  return { Successful: successful, Failed: failed };
}

/** Drops undefined members so neither protocol emits empty fields. */
export function compact(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (value !== undefined) out[key] = value;
  return out;
}
