import { AsyncLocalStorage } from 'node:async_hooks';
import type { Actor, AffectedData, DetailValue, Origin, Outcome, RecordCategory, RecordDraft } from './record.ts';

/**
 * The audit record of one API request while the request runs. It is written exactly once: inside the
 * first unit of work that commits an effect for the request (so effect and record commit together), or,
 * when no unit carried it (reads, failures, refused authentication), by the request pipeline before the
 * response is sent.
 */
export class RequestAudit {
  readonly requestId: string;
  readonly origin: Origin;
  private type: string;
  private category: RecordCategory;
  private actor: Actor = { principal: null, accessKeyId: null, accountId: null };
  private resource: string | null = null;
  private details: Record<string, DetailValue> | null = null;
  private state: 'open' | 'carrying' | 'recorded' = 'open';
  private expectedError: string | null = null;

  constructor(start: { requestId: string; origin: Origin; type: string; category: RecordCategory }) {
    this.requestId = start.requestId;
    this.origin = start.origin;
    this.type = start.type;
    this.category = start.category;
  }

  /**
   * What the request does, once routing knows: e.g. `sqs:SendMessage`, data, the queue's ARN; and details an
   * action adds (which token, why), merged with those noted before.
   */
  describe(action: {
    type?: string;
    category?: RecordCategory;
    resource?: string | null;
    details?: Record<string, DetailValue>;
  }): void {
    if (action.type !== undefined) this.type = action.type;
    if (action.category !== undefined) this.category = action.category;
    if (action.resource !== undefined) this.resource = action.resource;
    if (action.details !== undefined) this.details = { ...this.details, ...action.details };
  }

  /** Who made it: the authenticated caller, or for a refused request the key it claimed. */
  identify(actor: Actor): void {
    this.actor = actor;
  }

  /** The caller as known so far: events reported inside the request are attributed to it. */
  get actorOf(): Actor {
    return this.actor;
  }

  /**
   * Says that the request will answer with `errorCode` although a unit of work commits for it (a refused
   * sign-in still counts the failed attempt): the record that unit carries says the request failed.
   */
  willFail(errorCode: string): void {
    this.expectedError = errorCode;
  }

  /** The draft a committing unit carries: success, unless the request said it will fail. */
  carriedDraft(data: AffectedData | null): RecordDraft {
    return this.expectedError === null
      ? this.draft('success', null, data)
      : this.draft('failure', this.expectedError, data);
  }

  /** True until a unit of work has started carrying the record. */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  get isRecorded(): boolean {
    return this.state === 'recorded';
  }

  /** Called by the unit that appends the record; `settle` says whether its commit held. */
  carry(): void {
    this.state = 'carrying';
  }

  settle(isCommitted: boolean): void {
    this.state = isCommitted ? 'recorded' : 'open';
  }

  draft(outcome: Outcome, error: string | null, data: AffectedData | null): RecordDraft {
    return {
      kind: 'request',
      type: this.type,
      category: this.category,
      outcome,
      error,
      requestId: this.requestId,
      actor: this.actor,
      origin: this.origin,
      resource: this.resource,
      data,
      details: this.details,
    };
  }
}

const current = new AsyncLocalStorage<RequestAudit>();

/** Runs `work` with `audit` as the current request: units of work it starts are attributed to it. */
export function runAsRequest<T>(audit: RequestAudit, work: () => Promise<T>): Promise<T> {
  return current.run(audit, work);
}

/**
 * Runs `work` as no request: background work (review, alert delivery) scheduled from inside a request must
 * not have its writes taken for that request's.
 */
export function outsideRequests<T>(work: () => T): T {
  return current.exit(work);
}

/** The request the calling code runs for, if any (read where a unit of work is submitted, not inside it). */
export function currentRequest(): RequestAudit | undefined {
  return current.getStore();
}
