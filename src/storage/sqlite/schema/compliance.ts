/** Migrations of the compliance scanner's and incident response's tables. Append only. */
export const complianceMigrations: readonly string[] = [
  `
  CREATE TABLE compliance_findings (
    rule TEXT NOT NULL,
    resource TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    requirements TEXT NOT NULL,
    evidence TEXT NOT NULL,
    remediation TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    status_since INTEGER NOT NULL,
    PRIMARY KEY (rule, resource)
  ) WITHOUT ROWID;

  CREATE TABLE compliance_scans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time_ms INTEGER NOT NULL,
    trigger TEXT NOT NULL,
    summary TEXT NOT NULL
  );

  CREATE TABLE compliance_mutes (
    rule TEXT NOT NULL,
    resource TEXT NOT NULL,
    reason TEXT NOT NULL,
    owner TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (rule, resource)
  ) WITHOUT ROWID;

  CREATE TABLE compliance_remediations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time_ms INTEGER NOT NULL,
    rule TEXT NOT NULL,
    resource TEXT NOT NULL,
    action TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    plan_id TEXT,
    actor TEXT NOT NULL,
    outcome TEXT NOT NULL,
    error TEXT
  );

  CREATE TABLE compliance_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    body TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE incident_signing_keys (
    key_id TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    sealed_private_key BLOB NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
];
