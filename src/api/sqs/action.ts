import type { Caller } from '../../core/index.ts';
import type { EntryOutcome, QueueService } from '../../queues/index.ts';
import { wireErrorOf } from '../error-codes.ts';
import type { ActionInput } from './input.ts';

export interface ActionContext {
  queues: QueueService;
  caller: Caller;
  region: string;
  /** Aborts when the client goes away or the server drains; long polls return early on it. */
  signal: AbortSignal;
}

/** A JSON-shaped response body, as the JSON protocol sends it; the Query encoder turns it into XML. */
export type ActionOutput = Record<string, unknown>;

/**
 * One SQS action: decode the input, call the queue engine, encode the result. Semantics live in `queues/`;
 * this layer only translates.
 */
export interface SqsAction {
  name: string;
  /** The resource `authorize` is asked about (a queue ARN, or the account's queue namespace). */
  resource(input: ActionInput, context: ActionContext): string;
  run(input: ActionInput, context: ActionContext): Promise<ActionOutput | undefined>;
  /** Element names of flattened lists in the Query protocol's XML result, by member name. */
  queryListElements?: Record<string, string>;
}

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
