import type { AuditAlertRow, Store } from '../storage/index.ts';
import { type ConsistencyEvidence, type InclusionEvidence, proveConsistency, proveInclusion } from './proofs.ts';
import { type SearchPage, type SearchQuery, searchRecords } from './search.ts';
import { publicKeyPem } from './signing-key.ts';
import type { AuditTrail } from './trail.ts';

export interface AlertView {
  id: number;
  ruleId: string;
  severity: string;
  time: string;
  summary: string;
  detail: Record<string, unknown>;
  recordSeq: number;
  delivery: Record<string, unknown>;
}

export function alertViewOf(row: AuditAlertRow): AlertView {
  return {
    id: row.id,
    ruleId: row.ruleId,
    severity: row.severity,
    time: new Date(row.timeMs).toISOString(),
    summary: row.summary,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
    recordSeq: row.recordSeq,
    delivery: JSON.parse(row.delivery) as Record<string, unknown>,
  };
}

/**
 * Reading the trail, for the admin API and the CLI: search, alerts, proofs, the public key. Every call made
 * through the API is itself recorded by the request pipeline (PCI DSS 10.2.1.3).
 */
export class AuditService {
  private readonly trail: AuditTrail;
  private readonly store: Store;

  constructor(trail: AuditTrail) {
    this.trail = trail;
    this.store = trail.store;
  }

  search(query: SearchQuery): Promise<SearchPage> {
    return searchRecords(this.store, this.trail, query);
  }

  async listAlerts(sinceMs: number, limit: number): Promise<AlertView[]> {
    return (await this.store.read((tx) => tx.audit.alerts(sinceMs, limit))).map(alertViewOf);
  }

  proveInclusion(seq: number, checkpointSeq?: number): Promise<InclusionEvidence> {
    return proveInclusion(this.store, seq, checkpointSeq);
  }

  proveConsistency(fromSeq: number, toSeq: number): Promise<ConsistencyEvidence> {
    return proveConsistency(this.store, fromSeq, toSeq);
  }

  publicKey(): { keyId: string; pem: string } {
    const key = this.trail.signingKey;
    return { keyId: key.keyId, pem: publicKeyPem(key.publicKey) };
  }
}
