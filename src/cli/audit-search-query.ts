import type { SearchPage, SearchQuery } from '../audit/index.ts';
import { systemClock } from '../core/index.ts';
import { parseTimeRange } from './audit-session.ts';
import { CliError } from './data-dir.ts';

export type { SearchPage, SearchQuery };

/** Turns `pciq audit search` options into a query; the service checks the rest. */
export function searchQueryFromOptions(values: {
  from?: string | undefined;
  to?: string | undefined;
  principal?: string | undefined;
  'event-type'?: string | undefined;
  resource?: string | undefined;
  outcome?: string | undefined;
  'source-ip'?: string | undefined;
  'request-id'?: string | undefined;
  limit?: string | undefined;
  'next-token'?: string | undefined;
}): SearchQuery {
  const now = systemClock.now();
  const query: SearchQuery = {};
  const { fromMs, toMs } = parseTimeRange(values, now);
  if (fromMs !== undefined) query.fromMs = fromMs;
  if (toMs !== undefined) query.toMs = toMs;
  if (values.principal !== undefined) query.principal = values.principal;
  if (values['event-type'] !== undefined) query.eventType = values['event-type'];
  if (values.resource !== undefined) query.resource = values.resource;
  if (values['source-ip'] !== undefined) query.sourceIp = values['source-ip'];
  if (values['request-id'] !== undefined) query.requestId = values['request-id'];
  if (values['next-token'] !== undefined) query.nextToken = values['next-token'];
  if (values.outcome !== undefined) {
    if (values.outcome !== 'success' && values.outcome !== 'failure')
      throw new CliError('--outcome is success or failure');
    query.outcome = values.outcome;
  }
  if (values.limit !== undefined) {
    if (!/^\d{1,7}$/.test(values.limit)) throw new CliError('--limit must be a whole number');
    query.limit = Number(values.limit);
  }
  return query;
}
