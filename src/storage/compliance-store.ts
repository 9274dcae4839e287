/**
 * The compliance scanner's and incident response's part of the storage contract (`tx.compliance`,
 * `tx.incidents`). Drivers keep rows; rule evaluation, plans and snapshots live in `compliance/` and
 * `incident/`. Documents (evidence, summaries, incident bodies) are JSON text the modules own.
 */

export type FindingStatus = 'pass' | 'fail';

/** The latest result of one rule on one resource. */
export interface FindingRow {
  rule: string;
  /** The resource's id (an ARN, or a name such as `pciq:server`). */
  resource: string;
  resourceType: string;
  status: FindingStatus;
  severity: string;
  /** JSON array of PCI DSS requirement ids. */
  requirements: string;
  /** JSON of what the rule saw: the values its filters compared. Never secrets or card data. */
  evidence: string;
  remediation: string;
  firstSeenAtMs: number;
  lastSeenAtMs: number;
  /** Since when the status is what it is (a fixed finding keeps the instant it passed). */
  statusSinceMs: number;
}

/** One scan's totals, kept for the score history. */
export interface ScanRow {
  id: number;
  timeMs: number;
  /** on-demand, periodic, on-change, release. */
  trigger: string;
  /** JSON of the scan's summary (counts overall and per requirement). */
  summary: string;
}

export interface MuteRow {
  /** A rule name, or `*` for every rule. */
  rule: string;
  /** A resource id, or a pattern with `*`. */
  resource: string;
  reason: string;
  owner: string;
  expiresAtMs: number;
  createdAtMs: number;
  createdBy: string;
}

export interface RemediationRow {
  id: number;
  timeMs: number;
  rule: string;
  resource: string;
  action: string;
  /** JSON of the state the action changed, before and after. */
  before: string;
  after: string;
  /** The plan the change was approved in; null when the policy ran it automatically. */
  planId: string | null;
  actor: string;
  outcome: 'success' | 'failure';
  error: string | null;
}

export interface ComplianceReads {
  findings(): Promise<FindingRow[]>;
  scans(limit: number): Promise<ScanRow[]>;
  mutes(): Promise<MuteRow[]>;
  remediations(limit: number): Promise<RemediationRow[]>;
  getState(key: string): Promise<string | undefined>;
}

export interface ComplianceWrites extends ComplianceReads {
  putFinding(finding: FindingRow): Promise<void>;
  deleteFinding(rule: string, resource: string): Promise<void>;
  insertScan(scan: Omit<ScanRow, 'id'>): Promise<number>;
  putMute(mute: MuteRow): Promise<void>;
  deleteMute(rule: string, resource: string): Promise<boolean>;
  insertRemediation(remediation: Omit<RemediationRow, 'id'>): Promise<number>;
  setState(key: string, value: string): Promise<void>;
}

export type IncidentStatus = 'contained' | 'released';

export interface IncidentRow {
  id: string;
  /** principal, queue, key, function. */
  kind: string;
  target: string;
  status: IncidentStatus;
  openedAtMs: number;
  updatedAtMs: number;
  /** JSON of the incident: snapshot digest and file, containment and its prior state, timeline. */
  body: string;
}

/** A signing key of forensic snapshots; the private half sealed by the root key, as the audit's. */
export interface IncidentSigningKeyRow {
  keyId: string;
  publicKey: Uint8Array;
  sealedPrivateKey: Uint8Array;
  createdAtMs: number;
}

export interface IncidentReads {
  get(id: string): Promise<IncidentRow | undefined>;
  list(): Promise<IncidentRow[]>;
  signingKeys(): Promise<IncidentSigningKeyRow[]>;
}

export interface IncidentWrites extends IncidentReads {
  put(incident: IncidentRow): Promise<void>;
  insertSigningKey(key: IncidentSigningKeyRow): Promise<void>;
}
