import type { SQLInputValue, StatementSync } from 'node:sqlite';
import type {
  ComplianceWrites,
  FindingRow,
  FindingStatus,
  IncidentRow,
  IncidentSigningKeyRow,
  IncidentStatus,
  IncidentWrites,
  MuteRow,
  RemediationRow,
  ScanRow,
} from '../compliance-store.ts';

type Row = Record<string, SQLInputValue>;

/** The compliance scanner's statements (`tx.compliance`). */
export class SqliteCompliance implements ComplianceWrites {
  private readonly sql: (text: string) => StatementSync;

  constructor(sql: (text: string) => StatementSync) {
    this.sql = sql;
  }

  async findings(): Promise<FindingRow[]> {
    return (this.sql('SELECT * FROM compliance_findings ORDER BY rule, resource').all() as Row[]).map((row) => ({
      rule: String(row.rule),
      resource: String(row.resource),
      resourceType: String(row.resource_type),
      status: String(row.status) as FindingStatus,
      severity: String(row.severity),
      requirements: String(row.requirements),
      evidence: String(row.evidence),
      remediation: String(row.remediation),
      firstSeenAtMs: Number(row.first_seen_at),
      lastSeenAtMs: Number(row.last_seen_at),
      statusSinceMs: Number(row.status_since),
    }));
  }

  async putFinding(finding: FindingRow): Promise<void> {
    this.sql(
      `INSERT INTO compliance_findings (rule, resource, resource_type, status, severity, requirements, evidence,
         remediation, first_seen_at, last_seen_at, status_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (rule, resource) DO UPDATE SET resource_type = excluded.resource_type, status = excluded.status,
         severity = excluded.severity, requirements = excluded.requirements, evidence = excluded.evidence,
         remediation = excluded.remediation, first_seen_at = excluded.first_seen_at,
         last_seen_at = excluded.last_seen_at, status_since = excluded.status_since`,
    ).run(
      finding.rule,
      finding.resource,
      finding.resourceType,
      finding.status,
      finding.severity,
      finding.requirements,
      finding.evidence,
      finding.remediation,
      finding.firstSeenAtMs,
      finding.lastSeenAtMs,
      finding.statusSinceMs,
    );
  }

  async deleteFinding(rule: string, resource: string): Promise<void> {
    this.sql('DELETE FROM compliance_findings WHERE rule = ? AND resource = ?').run(rule, resource);
  }

  async scans(limit: number): Promise<ScanRow[]> {
    const rows = this.sql('SELECT * FROM compliance_scans ORDER BY id DESC LIMIT ?').all(limit) as Row[];
    return rows.map((row) => ({
      id: Number(row.id),
      timeMs: Number(row.time_ms),
      trigger: String(row.trigger),
      summary: String(row.summary),
    }));
  }

  async insertScan(scan: Omit<ScanRow, 'id'>): Promise<number> {
    const result = this.sql('INSERT INTO compliance_scans (time_ms, trigger, summary) VALUES (?, ?, ?)').run(
      scan.timeMs,
      scan.trigger,
      scan.summary,
    );
    return Number(result.lastInsertRowid);
  }

  async mutes(): Promise<MuteRow[]> {
    return (this.sql('SELECT * FROM compliance_mutes ORDER BY rule, resource').all() as Row[]).map((row) => ({
      rule: String(row.rule),
      resource: String(row.resource),
      reason: String(row.reason),
      owner: String(row.owner),
      expiresAtMs: Number(row.expires_at),
      createdAtMs: Number(row.created_at),
      createdBy: String(row.created_by),
    }));
  }

  async putMute(mute: MuteRow): Promise<void> {
    this.sql(
      `INSERT INTO compliance_mutes (rule, resource, reason, owner, expires_at, created_at, created_by)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (rule, resource) DO UPDATE SET reason = excluded.reason, owner = excluded.owner,
         expires_at = excluded.expires_at, created_at = excluded.created_at, created_by = excluded.created_by`,
    ).run(mute.rule, mute.resource, mute.reason, mute.owner, mute.expiresAtMs, mute.createdAtMs, mute.createdBy);
  }

  async deleteMute(rule: string, resource: string): Promise<boolean> {
    const result = this.sql('DELETE FROM compliance_mutes WHERE rule = ? AND resource = ?').run(rule, resource);
    return Number(result.changes) > 0;
  }

  async remediations(limit: number): Promise<RemediationRow[]> {
    const rows = this.sql('SELECT * FROM compliance_remediations ORDER BY id DESC LIMIT ?').all(limit) as Row[];
    return rows.map((row) => ({
      id: Number(row.id),
      timeMs: Number(row.time_ms),
      rule: String(row.rule),
      resource: String(row.resource),
      action: String(row.action),
      before: String(row.before),
      after: String(row.after),
      planId: row.plan_id === null ? null : String(row.plan_id),
      actor: String(row.actor),
      outcome: String(row.outcome) as RemediationRow['outcome'],
      error: row.error === null ? null : String(row.error),
    }));
  }

  async insertRemediation(remediation: Omit<RemediationRow, 'id'>): Promise<number> {
    const result = this.sql(
      `INSERT INTO compliance_remediations (time_ms, rule, resource, action, before, after, plan_id, actor, outcome,
         error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      remediation.timeMs,
      remediation.rule,
      remediation.resource,
      remediation.action,
      remediation.before,
      remediation.after,
      remediation.planId,
      remediation.actor,
      remediation.outcome,
      remediation.error,
    );
    return Number(result.lastInsertRowid);
  }

  async getState(key: string): Promise<string | undefined> {
    const row = this.sql('SELECT value FROM compliance_state WHERE key = ?').get(key) as Row | undefined;
    return row ? String(row.value) : undefined;
  }

  async setState(key: string, value: string): Promise<void> {
    this.sql(
      'INSERT INTO compliance_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(key, value);
  }
}

function toIncident(row: Row): IncidentRow {
  return {
    id: String(row.id),
    kind: String(row.kind),
    target: String(row.target),
    status: String(row.status) as IncidentStatus,
    openedAtMs: Number(row.opened_at),
    updatedAtMs: Number(row.updated_at),
    body: String(row.body),
  };
}

/** Incident response's statements (`tx.incidents`). */
export class SqliteIncidents implements IncidentWrites {
  private readonly sql: (text: string) => StatementSync;

  constructor(sql: (text: string) => StatementSync) {
    this.sql = sql;
  }

  async get(id: string): Promise<IncidentRow | undefined> {
    const row = this.sql('SELECT * FROM incidents WHERE id = ?').get(id) as Row | undefined;
    return row ? toIncident(row) : undefined;
  }

  async list(): Promise<IncidentRow[]> {
    return (this.sql('SELECT * FROM incidents ORDER BY opened_at, id').all() as Row[]).map(toIncident);
  }

  async put(incident: IncidentRow): Promise<void> {
    this.sql(
      `INSERT INTO incidents (id, kind, target, status, opened_at, updated_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, body = excluded.body`,
    ).run(
      incident.id,
      incident.kind,
      incident.target,
      incident.status,
      incident.openedAtMs,
      incident.updatedAtMs,
      incident.body,
    );
  }

  async signingKeys(): Promise<IncidentSigningKeyRow[]> {
    return (this.sql('SELECT * FROM incident_signing_keys ORDER BY created_at, key_id').all() as Row[]).map((row) => ({
      keyId: String(row.key_id),
      publicKey: row.public_key as Uint8Array,
      sealedPrivateKey: row.sealed_private_key as Uint8Array,
      createdAtMs: Number(row.created_at),
    }));
  }

  async insertSigningKey(key: IncidentSigningKeyRow): Promise<void> {
    this.sql(
      'INSERT INTO incident_signing_keys (key_id, public_key, sealed_private_key, created_at) VALUES (?, ?, ?, ?)',
    ).run(key.keyId, key.publicKey, key.sealedPrivateKey, key.createdAtMs);
  }
}
