import type { Origin, RecordCategory } from './record.ts';
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
   * Writes the record if no unit of work carried it, and resolves once it is durable: the response waits,
   * so every answered request has its record. `errorCode` is set for failures.
   */
  async finish(audit: RequestAudit, errorCode: string | undefined): Promise<void> {
    if (audit.isRecorded) return;
    await this.trail.record(audit.draft(errorCode === undefined ? 'success' : 'failure', errorCode ?? null, null));
    audit.settle(true);
  }
}
