import type { Clock } from '../core/index.ts';
import type { Store } from '../storage/index.ts';
import { type Finding, loadFindings, sortFindings } from './findings.ts';
import type { ScanSummary } from './scanner.ts';

export interface FindingQuery {
  status?: 'fail' | 'pass' | 'muted';
  rule?: string;
  resource?: string;
}

/** Reading findings and the score history, for the admin API (PciqCompliance). */
export class ComplianceService {
  private readonly store: Store;
  private readonly clock: Clock;

  constructor(store: Store, clock: Clock) {
    this.store = store;
    this.clock = clock;
  }

  async findings(query: FindingQuery): Promise<Finding[]> {
    const all = sortFindings(await loadFindings(this.store, this.clock));
    return all.filter(
      (finding) =>
        (query.rule === undefined || finding.rule === query.rule) &&
        (query.resource === undefined || finding.resource === query.resource) &&
        (query.status === undefined ||
          (query.status === 'muted' ? finding.muted !== null : finding.status === query.status)),
    );
  }

  /** Full scans, newest first. */
  async history(limit: number): Promise<ScanSummary[]> {
    const rows = await this.store.read((tx) => tx.compliance.scans(limit));
    return rows.map((row) => JSON.parse(row.summary) as ScanSummary);
  }
}
