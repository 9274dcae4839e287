/** Migrations of the audit trail's tables. Append only. */
export const auditMigrations: readonly string[] = [
  `
  -- seq is the record's leaf index in the Merkle tree, assigned by the sequencer: a gap is evidence of removal.
  CREATE TABLE audit_records (
    seq bigint PRIMARY KEY,
    time_ms bigint NOT NULL,
    event_type text NOT NULL,
    outcome text NOT NULL,
    principal text,
    source_ip text,
    resource text,
    request_id text,
    body text NOT NULL,
    hash bytea NOT NULL,
    mac text NOT NULL
  );
  CREATE INDEX audit_records_by_time ON audit_records (time_ms);
  CREATE INDEX audit_records_by_request ON audit_records (request_id);

  -- What nodes wrote and the sequencer has not chained yet: inserts only, so requests on different nodes
  -- never wait for each other here.
  CREATE TABLE audit_pending (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time_ms bigint NOT NULL,
    body text NOT NULL,
    mac text NOT NULL
  );

  CREATE TABLE audit_checkpoints (
    seq bigint PRIMARY KEY,
    tree_size bigint NOT NULL,
    time_ms bigint NOT NULL,
    body text NOT NULL,
    signature bytea NOT NULL,
    frontier text NOT NULL
  );
  CREATE INDEX audit_checkpoints_by_size ON audit_checkpoints (tree_size);

  CREATE TABLE audit_tree_nodes (
    level integer NOT NULL,
    idx bigint NOT NULL,
    hash bytea NOT NULL,
    PRIMARY KEY (level, idx)
  );

  CREATE TABLE audit_signing_keys (
    key_id text PRIMARY KEY,
    public_key bytea NOT NULL,
    sealed_private_key bytea NOT NULL,
    created_at bigint NOT NULL
  );

  CREATE TABLE audit_segments (
    first_seq bigint PRIMARY KEY,
    last_seq bigint NOT NULL,
    first_time_ms bigint NOT NULL,
    last_time_ms bigint NOT NULL,
    last_hash bytea NOT NULL,
    file_name text NOT NULL,
    manifest text NOT NULL,
    signature bytea NOT NULL,
    archived_at bigint NOT NULL,
    purged_at bigint
  );

  CREATE TABLE audit_alerts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule_id text NOT NULL,
    severity text NOT NULL,
    time_ms bigint NOT NULL,
    summary text NOT NULL,
    detail text NOT NULL,
    record_seq bigint NOT NULL,
    delivery text NOT NULL,
    is_pending boolean NOT NULL
  );
  CREATE INDEX audit_alerts_by_time ON audit_alerts (time_ms);
  CREATE INDEX audit_alerts_pending ON audit_alerts (id) WHERE is_pending;

  CREATE TABLE audit_state (
    key text PRIMARY KEY,
    value text NOT NULL
  );

  -- PCI DSS 10.3.2: records cannot be changed through pciq, and only archived ones can be deleted. These
  -- triggers stop mistakes, not a database superuser; the hash chain, MACs and signed checkpoints are
  -- what detect that. Operators should also grant pciq's role no UPDATE or DELETE beyond this (docs).
  CREATE FUNCTION pciq_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_records'
       AND OLD.seq <= (SELECT COALESCE(max(last_seq), -1) FROM audit_segments) THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit % are append-only', replace(TG_TABLE_NAME, 'audit_', '');
  END $$;
  CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records
    FOR EACH ROW EXECUTE FUNCTION pciq_audit_append_only();
  CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION pciq_audit_append_only();
  `,
];
