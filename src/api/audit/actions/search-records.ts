import type { SearchQuery } from '../../../audit/index.ts';
import { invalidParameter } from '../../../core/index.ts';
import { type AuditAction, auditServiceOf, maxResults, optionalTime, trailResource } from '../action.ts';

/** SearchRecords: the hot trail by time, principal, event type, resource, outcome, source IP or request id. */
export const searchRecordsAction: AuditAction = {
  name: 'SearchRecords',
  resource: trailResource,
  async run(input, context) {
    const query: SearchQuery = { limit: maxResults(input, 100) };
    const fromMs = optionalTime(input, 'StartTime');
    const toMs = optionalTime(input, 'EndTime');
    if (fromMs !== undefined) query.fromMs = fromMs;
    if (toMs !== undefined) query.toMs = toMs;
    const filters = [
      ['Principal', 'principal'],
      ['EventType', 'eventType'],
      ['Resource', 'resource'],
      ['SourceIp', 'sourceIp'],
      ['RequestId', 'requestId'],
      ['NextToken', 'nextToken'],
    ] as const;
    for (const [parameter, key] of filters) {
      const value = input.optionalString(parameter);
      if (value !== undefined) query[key] = value;
    }
    const outcome = input.optionalString('Outcome');
    if (outcome !== undefined) {
      if (outcome !== 'success' && outcome !== 'failure') throw invalidParameter('Outcome must be success or failure.');
      query.outcome = outcome;
    }
    const page = await auditServiceOf(context).search(query);
    return {
      Records: page.records.map((found) => ({ Record: found.record, IsIntact: found.isIntact })),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  },
};
