import { DatabaseSync } from 'node:sqlite';

/**
 * Edits the audit tables the way someone with write access to the database file would: directly, with the
 * append-only triggers dropped first.
 */
export function tamper(databasePath: string, edit: (db: DatabaseSync) => void): void {
  const db = new DatabaseSync(databasePath);
  try {
    db.exec(`
      DROP TRIGGER IF EXISTS audit_records_no_update;
      DROP TRIGGER IF EXISTS audit_records_delete_archived_only;
      DROP TRIGGER IF EXISTS audit_checkpoints_no_change;
      DROP TRIGGER IF EXISTS audit_checkpoints_no_delete;
    `);
    edit(db);
  } finally {
    db.close();
  }
}

/** Changes one byte of a record's body (a letter of its event type), leaving its hash and MAC as they were. */
export function editOneByte(db: DatabaseSync, seq: number): void {
  const row = db.prepare('SELECT body FROM audit_records WHERE seq = ?').get(seq) as { body: string };
  const at = row.body.indexOf('"type":"') + 8;
  const edited = row.body.slice(0, at) + (row.body[at] === 'x' ? 'y' : 'x') + row.body.slice(at + 1);
  db.prepare('UPDATE audit_records SET body = ? WHERE seq = ?').run(edited, seq);
}

/** Swaps two records' contents between their positions. */
export function swapRecords(db: DatabaseSync, a: number, b: number): void {
  db.exec('BEGIN');
  db.prepare('UPDATE audit_records SET seq = -1 WHERE seq = ?').run(a);
  db.prepare('UPDATE audit_records SET seq = ? WHERE seq = ?').run(a, b);
  db.prepare('UPDATE audit_records SET seq = ? WHERE seq = -1').run(b);
  db.exec('COMMIT');
}
