import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { parseCheckpoint } from '../../src/audit/index.ts';
import { leafHash } from '../../src/audit/merkle/hashes.ts';
import { verifyInclusion } from '../../src/audit/merkle/proofs.ts';
import { pciq, pciqJson } from '../support/pciq-cli.ts';
import { initDataDir } from '../support/pciq-process.ts';
import { editOneByte, swapRecords, tamper } from '../support/tamper.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/** Deletes the latest checkpoint and the records it alone covers, as someone hiding the trail's end would. */
function cutLatestCheckpoint(db: DatabaseSync, withRecords: boolean): void {
  const [latest, previous] = db
    .prepare('SELECT seq, tree_size AS treeSize FROM audit_checkpoints ORDER BY seq DESC LIMIT 2')
    .all() as Array<{ seq: number; treeSize: number }>;
  assert.ok(latest && previous && latest.treeSize > previous.treeSize);
  db.prepare('DELETE FROM audit_checkpoints WHERE seq = ?').run(latest.seq);
  if (withRecords) db.prepare('DELETE FROM audit_records WHERE seq >= ?').run(previous.treeSize);
}

describe('pciq audit, on a data directory', () => {
  const data = initDataDir();
  const copies = makeTempDir('pciq-tamper-');
  let copyCount = 0;
  const args = (dataDir = data.dataDir) => ['--data-dir', dataDir, '--key-file', data.keyFile];

  before(() => {
    // `pciq init` records five (the signing key, the administrator, its policy, its access key and the key
    // that seals it), each command that reads the trail records itself: six searches make eleven records.
    for (let i = 0; i < 6; i++) assert.equal(pciq(['audit', 'search', ...args()]).status, 0);
  });
  after(() => {
    data.remove();
    copies.remove();
  });

  /** A copy of the data directory to tamper with (the key file stays where it is: it is not data). */
  function copy(): { dataDir: string; database: string } {
    const dataDir = join(copies.path, `copy-${copyCount++}`);
    cpSync(data.dataDir, dataDir, { recursive: true });
    return { dataDir, database: join(dataDir, 'pciq.db') };
  }

  function verifyFails(dataDir: string, pattern: RegExp): void {
    const result = pciq(['audit', 'verify', ...args(dataDir)]);
    assert.equal(result.status, 3, result.stdout + result.stderr);
    assert.match(result.stdout, /^pciq audit verify: FAIL/);
    assert.match(result.stdout, pattern);
  }

  it('verifies an untouched trail and says what it checked', () => {
    const result = pciq(['audit', 'verify', ...args(copy().dataDir)]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^pciq audit verify: PASS\nchecked 11 records \(0\.\.10\), 7 signed checkpoints/m);
  });

  it('fails and names the record when one byte was edited', () => {
    const { dataDir, database } = copy();
    tamper(database, (db) => editOneByte(db, 3));
    verifyFails(dataDir, /FAIL {2}altered +record 3 altered: its content does not match the hash written with it/);
  });

  it('fails and names the record when one was deleted', () => {
    const { dataDir, database } = copy();
    tamper(database, (db) => db.prepare('DELETE FROM audit_records WHERE seq = 4').run());
    verifyFails(dataDir, /FAIL {2}removed +record 4 removed: the chain goes from 3 to 5/);
  });

  it('fails and names both records when two were swapped', () => {
    const { dataDir, database } = copy();
    tamper(database, (db) => swapRecords(db, 2, 5));
    verifyFails(dataDir, /FAIL {2}reordered +records 2 and 5 swapped/);
  });

  it('fails and names the record when a forged one was appended', () => {
    const { dataDir, database } = copy();
    tamper(database, (db) => {
      const last = db.prepare('SELECT body, hash FROM audit_records WHERE seq = 10').get() as {
        body: string;
        hash: Uint8Array;
      };
      const body = JSON.stringify({ ...JSON.parse(last.body), seq: 11, prev: Buffer.from(last.hash).toString('hex') });
      db.prepare(
        `INSERT INTO audit_records (seq, time_ms, event_type, outcome, principal, source_ip, resource, request_id, body, hash, mac)
         SELECT 11, time_ms, event_type, outcome, principal, source_ip, resource, request_id, ?, ?, 'forged'
         FROM audit_records WHERE seq = 10`,
      ).run(body, leafHash(body));
    });
    verifyFails(dataDir, /FAIL {2}inserted +record 11 inserted: pciq did not write it/);
  });

  it("fails when the latest checkpoint and the records after the one before were deleted: the trail's end", () => {
    const { dataDir, database } = copy();
    tamper(database, (db) => cutLatestCheckpoint(db, true));
    verifyFails(dataDir, /FAIL {2}truncated +checkpoint \d+ of \S+ \(records up to \d+\) removed from the end/);
    // The verification's own checkpoint takes the removed one's place: the kept one stays, and so does the finding.
    verifyFails(
      dataDir,
      /FAIL {2}checkpoint +checkpoint \d+ in the store is not the one kept in the archive directory/,
    );
  });

  it('fails when the latest checkpoint alone was deleted', () => {
    const { dataDir, database } = copy();
    tamper(database, (db) => cutLatestCheckpoint(db, false));
    verifyFails(dataDir, /FAIL {2}truncated +checkpoint \d+ of \S+ \(records up to \d+\) removed from the end/);
  });

  it('fails when the checkpoint kept in the archive directory was edited', () => {
    const { dataDir } = copy();
    const kept = join(dataDir, 'audit-archive', 'latest-checkpoint.json');
    const { statement, signature } = JSON.parse(readFileSync(kept, 'utf8')) as Record<string, string>;
    const edited = statement!.replace('"treeSize":11', '"treeSize":12');
    assert.notEqual(edited, statement);
    writeFileSync(kept, JSON.stringify({ statement: edited, signature }));
    verifyFails(
      dataDir,
      /FAIL {2}checkpoint +the checkpoint kept in the archive directory \(checkpoint \d+\) is not signed/,
    );
  });

  it('records each verification, failed ones included, for the review rules', () => {
    const { dataDir, database } = copy();
    tamper(database, (db) => editOneByte(db, 1));
    pciq(['audit', 'verify', ...args(dataDir)]);
    const { records } = pciqJson<{
      records: Array<{ type: string; outcome: string; details: Record<string, unknown> }>;
    }>(['audit', 'search', '--event-type', 'audit:VerifyTrail', '--json', ...args(dataDir)]);
    assert.equal(records.length, 1);
    assert.equal(records[0]?.outcome, 'failure');
    assert.match(String(records[0]?.details.firstFailure), /record 1 altered/);
  });

  it('prints an inclusion proof that verifies against the signed checkpoint', () => {
    const evidence = pciqJson<{ seq: number; leafHash: string; proof: string[]; checkpoint: { statement: string } }>([
      'audit',
      'prove',
      '--record',
      '2',
      ...args(),
    ]);
    const statement = parseCheckpoint(evidence.checkpoint.statement);
    const { records } = pciqJson<{ records: Array<{ seq: number }> }>(['audit', 'search', '--json', ...args()]);
    assert.ok(records.some((record) => record.seq === 2));
    assert.ok(
      verifyInclusion(
        Buffer.from(evidence.leafHash, 'hex'),
        2,
        statement.treeSize,
        evidence.proof.map((node) => Buffer.from(node, 'hex')),
        Buffer.from(statement.rootHash, 'hex'),
      ),
    );
  });

  it('prints a table by default, and a JSON document with --json', () => {
    const table = pciq(['audit', 'search', '--event-type', 'audit:SearchTrail', '--limit', '2', ...args()]);
    assert.equal(table.status, 0);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0]!, /^TIME +SEQ +EVENT +OUTCOME +PRINCIPAL +SOURCE +RESOURCE$/);
    assert.match(lines[1]!, /^\d{4}-\d{2}-\d{2}T\S+Z +5 +audit:SearchTrail +success +local-user:/);
    assert.match(lines.at(-1)!, /^more: --next-token \S+$/);
  });

  it('takes a date as --to to mean the whole of that UTC day, in search, export and verify', () => {
    const first = pciqJson<{ records: Array<{ time: string }> }>([
      'audit',
      'search',
      '--limit',
      '1',
      '--json',
      ...args(),
    ]);
    const day = first.records[0]!.time.slice(0, 10);
    const range = ['--from', day, '--to', day];
    const found = pciqJson<{ records: unknown[] }>(['audit', 'search', ...range, '--json', ...args()]);
    assert.ok(found.records.length >= 11, `${found.records.length} records of ${day}`);
    const bundle = join(copies.path, 'day.json');
    const exported = pciq(['audit', 'export', ...range, '--out', bundle, ...args()]);
    assert.equal(exported.status, 0, exported.stderr);
    const verified = pciq(['audit', 'verify', ...range, ...args(copy().dataDir)]);
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
    assert.doesNotMatch(verified.stdout, /checked 0 records/);
  });

  it('explains bad options in one line', () => {
    for (const [argv, pattern] of [
      [['audit', 'search', '--from', 'yesterday'], /--from must be an ISO 8601 time/],
      [['audit', 'search', '--outcome', 'maybe'], /--outcome is success or failure/],
      [['audit', 'export', '--from', '7d'], /--out FILE is required/],
      [['audit', 'frobnicate'], /unknown audit command 'frobnicate'/],
      [['audit', 'prove', '--record', '99999'], /There is no record 99999: the trail's last record is \d+/],
      [['audit', 'verify', '--from', '2026-03-31', '--to', '2026-01-01'], /--from 2026-03-31 is after --to 2026-01-01/],
      [['audit', 'export', '--from', '2d', '--to', '3d', '--out', '/dev/null'], /--from 2d is after --to 3d/],
      [['alerts', 'list', '--limit', '0'], /--limit must be a whole number/],
      [['audit', 'verify', '--bundle', '/nonexistent/bundle.json'], /cannot read the bundle/],
    ] as const) {
      const result = pciq([...argv, ...((argv as readonly string[]).includes('--bundle') ? [] : args())]);
      assert.notEqual(result.status, 0);
      const stderr = result.stderr.trim().split('\n');
      assert.equal(stderr.length, 1, result.stderr);
      assert.match(stderr[0]!, pattern);
    }
  });

  it('refuses an audit configuration with a misspelt review rule field, naming the rule and the field', () => {
    const config = join(copies.path, 'typo-rules.json');
    const rule = {
      id: 'detokenize-burst',
      severity: 'high',
      kind: 'threshold',
      match: { type: ['vault:Detokenize'] },
      groupBy: 'actor.identity',
      threshold: 20,
      windowSec: 60,
      coolDownSec: 600,
    };
    writeFileSync(config, JSON.stringify({ rules: [rule] }));
    const result = pciq(['audit', 'search', '--audit-config', config, ...args()]);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /--audit-config: rule detokenize-burst: unknown fields coolDownSec; a rule of kind/);
  });

  it('lists the audit commands in the help', () => {
    const help = pciq(['help']).stdout;
    for (const command of ['pciq audit verify', 'pciq audit export', 'pciq audit search', 'pciq alerts list']) {
      assert.ok(help.includes(command), command);
    }
  });
});

describe('the checkpoint kept in the archive directory, after commands that sign one outside pciq serve', () => {
  const data = initDataDir();
  const args = ['--data-dir', data.dataDir, '--key-file', data.keyFile];
  const copies = makeTempDir('pciq-kept-');
  after(() => {
    data.remove();
    copies.remove();
  });

  /** The seq of the checkpoint kept in `dataDir`'s archive directory, and of the store's latest. */
  function keptAndLatest(dataDir: string): { kept: number | undefined; latest: number } {
    const path = join(dataDir, 'audit-archive', 'latest-checkpoint.json');
    let kept: number | undefined;
    try {
      kept = parseCheckpoint((JSON.parse(readFileSync(path, 'utf8')) as { statement: string }).statement).seq;
    } catch {}
    const db = new DatabaseSync(join(dataDir, 'pciq.db'), { readOnly: true });
    try {
      const { latest } = db.prepare('SELECT max(seq) AS latest FROM audit_checkpoints').get() as { latest: number };
      return { kept, latest };
    } finally {
      db.close();
    }
  }

  it('keeps the checkpoints pciq init, pciq iam and pciq keys sign, so deleting the newest is still found', () => {
    const afterInit = keptAndLatest(data.dataDir);
    assert.deepEqual(afterInit, { kept: afterInit.latest, latest: afterInit.latest }, 'pciq init');
    // An audit command keeps its checkpoint; the IAM and key commands after it sign newer ones.
    assert.equal(pciq(['audit', 'search', ...args]).status, 0);
    const created = pciq(['iam', 'create-user', 'bob', ...args]);
    assert.equal(created.status, 0, created.stderr);
    const afterIam = keptAndLatest(data.dataDir);
    assert.deepEqual(afterIam, { kept: afterIam.latest, latest: afterIam.latest }, 'pciq iam');
    const key = pciq(['keys', 'create', '--description', 'orders', ...args]);
    assert.equal(key.status, 0, key.stderr);
    const afterKeys = keptAndLatest(data.dataDir);
    assert.deepEqual(afterKeys, { kept: afterKeys.latest, latest: afterKeys.latest }, 'pciq keys');
    assert.ok(afterKeys.latest > afterIam.latest);

    const untouched = join(copies.path, 'untouched');
    cpSync(data.dataDir, untouched, { recursive: true });
    const passed = pciq(['audit', 'verify', '--data-dir', untouched, '--key-file', data.keyFile]);
    assert.equal(passed.status, 0, passed.stdout + passed.stderr);
    assert.doesNotMatch(passed.stdout, /no checkpoint kept/);

    const cut = join(copies.path, 'cut');
    cpSync(data.dataDir, cut, { recursive: true });
    tamper(join(cut, 'pciq.db'), (db) => cutLatestCheckpoint(db, true));
    const failed = pciq(['audit', 'verify', '--data-dir', cut, '--key-file', data.keyFile]);
    assert.equal(failed.status, 3, failed.stdout + failed.stderr);
    assert.match(
      failed.stdout,
      new RegExp(
        `FAIL {2}truncated +checkpoint ${afterKeys.latest} of \\S+ \\(records up to \\d+\\) removed from the end`,
      ),
    );
  });
});
