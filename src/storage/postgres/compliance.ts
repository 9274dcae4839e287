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
import type { Row, Sql } from './sql.ts';

/** The compliance scanner's statements (`tx.compliance`) on PostgreSQL. */
export class PgCompliance implements ComplianceWrites {
  private readonly sql: Sql;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  async findings(): Promise<FindingRow[]> {
    const rows = await this.sql.rows('SELECT * FROM compliance_findings ORDER BY rule, resource');
    return rows.map((row) => ({
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
    await this.sql.run(
      `INSERT INTO compliance_findings (rule, resource, resource_type, status, severity, requirements, evidence,
         remediation, first_seen_at, last_seen_at, status_since) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (rule, resource) DO UPDATE SET resource_type = excluded.resource_type, status = excluded.status,
         severity = excluded.severity, requirements = excluded.requirements, evidence = excluded.evidence,
         remediation = excluded.remediation, first_seen_at = excluded.first_seen_at,
         last_seen_at = excluded.last_seen_at, status_since = excluded.status_since`,
      [
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
      ],
    );
  }

  async deleteFinding(rule: string, resource: string): Promise<void> {
    await this.sql.run('DELETE FROM compliance_findings WHERE rule = $1 AND resource = $2', [rule, resource]);
  }

  async scans(limit: number): Promise<ScanRow[]> {
    const rows = await this.sql.rows('SELECT * FROM compliance_scans ORDER BY id DESC LIMIT $1', [limit]);
    return rows.map((row) => ({
      id: Number(row.id),
      timeMs: Number(row.time_ms),
      trigger: String(row.trigger),
      summary: String(row.summary),
    }));
  }

  async insertScan(scan: Omit<ScanRow, 'id'>): Promise<number> {
    const row = await this.sql.one<{ id: number }>(
      'INSERT INTO compliance_scans (time_ms, trigger, summary) VALUES ($1, $2, $3) RETURNING id',
      [scan.timeMs, scan.trigger, scan.summary],
    );
    return Number(row!.id);
  }

  async mutes(): Promise<MuteRow[]> {
    const rows = await this.sql.rows('SELECT * FROM compliance_mutes ORDER BY rule, resource');
    return rows.map((row) => ({
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
    await this.sql.run(
      `INSERT INTO compliance_mutes (rule, resource, reason, owner, expires_at, created_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (rule, resource) DO UPDATE SET reason = excluded.reason, owner = excluded.owner,
         expires_at = excluded.expires_at, created_at = excluded.created_at, created_by = excluded.created_by`,
      [mute.rule, mute.resource, mute.reason, mute.owner, mute.expiresAtMs, mute.createdAtMs, mute.createdBy],
    );
  }

  async deleteMute(rule: string, resource: string): Promise<boolean> {
    return (await this.sql.run('DELETE FROM compliance_mutes WHERE rule = $1 AND resource = $2', [rule, resource])) > 0;
  }

  async remediations(limit: number): Promise<RemediationRow[]> {
    const rows = await this.sql.rows('SELECT * FROM compliance_remediations ORDER BY id DESC LIMIT $1', [limit]);
    return rows.map((row: Row) => ({
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
    const row = await this.sql.one<{ id: number }>(
      `INSERT INTO compliance_remediations (time_ms, rule, resource, action, before, after, plan_id, actor, outcome,
         error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [
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
      ],
    );
    return Number(row!.id);
  }

  async getState(key: string): Promise<string | undefined> {
    return (await this.sql.one<{ value: string }>('SELECT value FROM compliance_state WHERE key = $1', [key]))?.value;
  }

  async setState(key: string, value: string): Promise<void> {
    await this.sql.run(
      'INSERT INTO compliance_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, value],
    );
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

/** Incident response's statements (`tx.incidents`) on PostgreSQL. */
export class PgIncidents implements IncidentWrites {
  private readonly sql: Sql;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  async get(id: string): Promise<IncidentRow | undefined> {
    const row = await this.sql.one('SELECT * FROM incidents WHERE id = $1', [id]);
    return row ? toIncident(row) : undefined;
  }

  async list(): Promise<IncidentRow[]> {
    return (await this.sql.rows('SELECT * FROM incidents ORDER BY opened_at, id')).map(toIncident);
  }

  async put(incident: IncidentRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO incidents (id, kind, target, status, opened_at, updated_at, body) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, body = excluded.body`,
      [
        incident.id,
        incident.kind,
        incident.target,
        incident.status,
        incident.openedAtMs,
        incident.updatedAtMs,
        incident.body,
      ],
    );
  }

  async signingKeys(): Promise<IncidentSigningKeyRow[]> {
    const rows = await this.sql.rows('SELECT * FROM incident_signing_keys ORDER BY created_at, key_id');
    return rows.map((row) => ({
      keyId: String(row.key_id),
      publicKey: row.public_key as Uint8Array,
      sealedPrivateKey: row.sealed_private_key as Uint8Array,
      createdAtMs: Number(row.created_at),
    }));
  }

  async insertSigningKey(key: IncidentSigningKeyRow): Promise<void> {
    await this.sql.run(
      'INSERT INTO incident_signing_keys (key_id, public_key, sealed_private_key, created_at) VALUES ($1, $2, $3, $4)',
      [key.keyId, Buffer.from(key.publicKey), Buffer.from(key.sealedPrivateKey), key.createdAtMs],
    );
  }
}
