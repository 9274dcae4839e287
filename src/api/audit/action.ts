import { type AuditService, maxSearchLimit } from '../../audit/index.ts';
import { invalidParameter, PciqError } from '../../core/index.ts';
import type { ActionInput } from '../action-input.ts';
import type { ActionContext, ApiAction } from '../service.ts';

/** Actions of the audit API are API actions; the alias keeps their files short. */
export type AuditAction = ApiAction;

/** The resource every audit action is authorized against: the account's trail. */
export function trailResource(_input: ActionInput, { caller, region }: ActionContext): string {
  return `arn:aws:pciq:${region}:${caller.accountId}:audit-trail`;
}

export function auditServiceOf(context: ActionContext): AuditService {
  if (!context.app.audit) throw new PciqError('ServiceUnavailable', 'Auditing is not enabled on this endpoint.');
  return context.app.audit;
}

/**
 * A time as epoch seconds (as AWS JSON APIs send timestamps) or an ISO 8601 string; without an offset it is
 * UTC, as the trail's times are (JavaScript would read it in the server's own time zone).
 */
export function optionalTime(input: ActionInput, name: string): number | undefined {
  const value = input.raw[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value * 1000);
  const iso = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.exec(value);
  if (iso) {
    const ms = Date.parse(iso[1] && !iso[2] ? `${value}Z` : value);
    if (Number.isFinite(ms)) return ms;
  }
  throw invalidParameter(`Value for parameter ${name} must be epoch seconds or an ISO 8601 time.`);
}

export function maxResults(input: ActionInput, fallback: number): number {
  const value = input.optionalInteger('MaxResults') ?? fallback;
  if (value < 1 || value > maxSearchLimit) {
    throw invalidParameter(
      `Value ${value} for parameter MaxResults is invalid. Reason: must be between 1 and ${maxSearchLimit}.`,
    );
  }
  return value;
}
