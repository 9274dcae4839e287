/** Migrations of the compliance scanner's and incident response's tables. Append only. */
export const complianceMigrations: readonly string[] = [
  `
  CREATE TABLE compliance_findings (
    rule text NOT NULL,
    resource text NOT NULL,
    resource_type text NOT NULL,
    status text NOT NULL,
    severity text NOT NULL,
    requirements text NOT NULL,
    evidence text NOT NULL,
    remediation text NOT NULL,
    first_seen_at bigint NOT NULL,
    last_seen_at bigint NOT NULL,
    status_since bigint NOT NULL,
    PRIMARY KEY (rule, resource)
  );

  CREATE TABLE compliance_scans (
    id bigserial PRIMARY KEY,
    time_ms bigint NOT NULL,
    trigger text NOT NULL,
    summary text NOT NULL
  );

  CREATE TABLE compliance_mutes (
    rule text NOT NULL,
    resource text NOT NULL,
    reason text NOT NULL,
    owner text NOT NULL,
    expires_at bigint NOT NULL,
    created_at bigint NOT NULL,
    created_by text NOT NULL,
    PRIMARY KEY (rule, resource)
  );

  CREATE TABLE compliance_remediations (
    id bigserial PRIMARY KEY,
    time_ms bigint NOT NULL,
    rule text NOT NULL,
    resource text NOT NULL,
    action text NOT NULL,
    before text NOT NULL,
    after text NOT NULL,
    plan_id text,
    actor text NOT NULL,
    outcome text NOT NULL,
    error text
  );

  CREATE TABLE compliance_state (
    key text PRIMARY KEY,
    value text NOT NULL
  );

  CREATE TABLE incidents (
    id text PRIMARY KEY,
    kind text NOT NULL,
    target text NOT NULL,
    status text NOT NULL,
    opened_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    body text NOT NULL
  );

  CREATE TABLE incident_signing_keys (
    key_id text PRIMARY KEY,
    public_key bytea NOT NULL,
    sealed_private_key bytea NOT NULL,
    created_at bigint NOT NULL
  );
  `,
];
