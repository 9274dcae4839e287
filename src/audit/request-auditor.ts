import type { DetailValue, Origin, RecordCategory } from './record.ts';
import { RequestAudit, runAsRequest } from './request-audit.ts';
import type { AuditTrail } from './trail.ts';

/**
 * What the API pipeline uses to audit requests: open a request's record, run the request under it, and
 * close it with the outcome. Exactly one record per request, whatever happens (PCI DSS 10.2.1, 10.2.1.4).
 */
export class RequestAuditor {
  private readonly trail: AuditTrail;

  constructor(trail: AuditTrail) {
    this.trail = trail;
  }

  begin(start: {
    requestId: string;
    origin: Omit<Origin, 'node'>;
    type: string;
    category: RecordCategory;
  }): RequestAudit {
    return new RequestAudit({ ...start, origin: { ...start.origin, node: this.trail.node } });
  }

  run<T>(audit: RequestAudit, work: () => Promise<T>): Promise<T> {
    return runAsRequest(audit, work);
  }

  /**
   * A connection refused before any request on it was read: a TLS handshake that failed (no client
   * certificate where one is required, an untrusted one, no common protocol), or bytes that are no HTTP
   * request. Recorded with its origin, never the bytes it sent (PCI DSS 10.2.1.4: invalid logical access
   * attempts). Resolves once the record is durable.
   *
   * With `occurrences`, the record stands for that many connections refused alike (see `occurrencesOf`):
   * the summary of a flood, whose first refusals were recorded one by one.
   */
  async refused(refusal: {
    origin: Omit<Origin, 'node'>;
    type: string;
    error: string;
    details: Record<string, DetailValue>;
    occurrences?: number;
  }): Promise<void> {
    const details =
      refusal.occurrences === undefined ? refusal.details : { ...refusal.details, occurrences: refusal.occurrences };
    await this.trail.record({
      kind: 'request',
      type: refusal.type,
      category: 'system',
      outcome: 'failure',
      error: refusal.error,
      requestId: null,
      actor: { principal: null, accessKeyId: null, accountId: null },
      origin: { ...refusal.origin, node: this.trail.node },
      resource: null,
      data: null,
      details,
    });
  }

  /**
   * Writes the record if no unit of work carried it, and resolves once it is durable: the response waits,
   * so every answered request has its record. `errorCode` is set for failures.
   */
  async finish(audit: RequestAudit, errorCode: string | undefined): Promise<void> {
    if (audit.isRecorded) return;
    await this.trail.record(audit.draft(errorCode === undefined ? 'success' : 'failure', errorCode ?? null, null));
    audit.settle(true);
  }
}
