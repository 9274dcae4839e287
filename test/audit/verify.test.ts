import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { AuditTrail, parseCheckpoint } from '../../src/audit/index.ts';
import { leafHash } from '../../src/audit/merkle/hashes.ts';
import { verifyConsistency, verifyInclusion } from '../../src/audit/merkle/proofs.ts';
import { publicKeyFromDer, verifyBytes } from '../../src/audit/signing-key.ts';
import { verifyTrail } from '../../src/audit/verify/verify-trail.ts';
import { AuditHarness, caller } from '../support/audit-harness.ts';
import { editOneByte, swapRecords, tamper } from '../support/tamper.ts';

const harnesses: AuditHarness[] = [];
after(async () => {
  for (const h of harnesses) await h.close();
});

/** A trail of 37 records (the signing key's creation, 36 sends) with checkpoints along the way, the last one covering everything. */
async function trailWithRecords(): Promise<AuditHarness> {
  const h = await new AuditHarness().open();
  harnesses.push(h);
  const queue = await h.createQueue('orders');
  for (let i = 0; i < 36; i++) {
    await h.request('sqs:SendMessage', () =>
      h.queues.sendMessages(caller, queue, [{ id: 'a', body: `m${i}`, attributes: {}, systemAttributes: {} }], false),
    );
    h.clock.advance(1_000);
    if (i % 10 === 9) await h.checkpointer.checkpoint('interval');
  }
  await h.checkpointer.checkpoint('shutdown');
  return h;
}

function failures(report: Awaited<ReturnType<typeof verifyTrail>>) {
  return report.findings.filter((finding) => finding.isFailure);
}

describe('pciq audit verify, on the store', () => {
  it('verifies an untouched trail: every record, checkpoint signature and root', async () => {
    const h = await trailWithRecords();
    const report = await verifyTrail(h.trail);
    assert.deepEqual(failures(report), []);
    assert.ok(report.isValid);
    assert.equal(report.recordsChecked, 37);
    assert.equal(report.checkpointsChecked, 4);
    assert.equal(report.lastSeq, 36);
  });

  it('names a record with one byte edited', async () => {
    const h = await trailWithRecords();
    tamper(h.databasePath, (db) => editOneByte(db, 17));
    const report = await verifyTrail(h.trail);
    assert.equal(report.isValid, false);
    const [first] = failures(report);
    assert.equal(first?.kind, 'altered');
    assert.equal(first?.firstSeq, 17);
    assert.match(first!.message, /record 17 altered/);
    assert.ok(
      failures(report).some((finding) => finding.kind === 'checkpoint'),
      'the covering checkpoint no longer matches',
    );
  });

  it('names a record rewritten with a fresh hash: its MAC gives it away', async () => {
    const h = await trailWithRecords();
    tamper(h.databasePath, (db) => {
      const { body } = db.prepare('SELECT body FROM audit_records WHERE seq = 9').get() as { body: string };
      const edited = body.replace('"outcome":"success"', '"outcome":"failure"');
      db.prepare('UPDATE audit_records SET body = ?, hash = ?, outcome = ? WHERE seq = 9').run(
        edited,
        leafHash(edited),
        'failure',
      );
    });
    const [first] = failures(await verifyTrail(h.trail));
    assert.equal(first?.kind, 'altered');
    assert.equal(first?.firstSeq, 9);
  });

  it('names a removed record', async () => {
    const h = await trailWithRecords();
    tamper(h.databasePath, (db) => db.prepare('DELETE FROM audit_records WHERE seq = 12').run());
    const report = await verifyTrail(h.trail);
    const [first] = failures(report);
    assert.equal(first?.kind, 'removed');
    assert.equal(first?.firstSeq, 12);
    assert.equal(first?.lastSeq, 12);
    assert.match(first!.message, /record 12 removed/);
  });

  it('names two swapped records', async () => {
    const h = await trailWithRecords();
    tamper(h.databasePath, (db) => swapRecords(db, 5, 21));
    const report = await verifyTrail(h.trail);
    const reordered = failures(report).filter((finding) => finding.kind === 'reordered');
    assert.equal(reordered.length, 1);
    assert.match(reordered[0]!.message, /records 5 and 21 swapped/);
  });

  it('names a forged record appended to the end, chained and hashed correctly but without the key', async () => {
    const h = await trailWithRecords();
    tamper(h.databasePath, (db) => {
      const last = db.prepare('SELECT seq, hash, body FROM audit_records ORDER BY seq DESC LIMIT 1').get() as {
        seq: number;
        hash: Uint8Array;
        body: string;
      };
      const forged = JSON.stringify({
        ...JSON.parse(last.body),
        seq: last.seq + 1,
        prev: Buffer.from(last.hash).toString('hex'),
        type: 'sqs:DeleteQueue',
      });
      db.prepare(
        `INSERT INTO audit_records (seq, time_ms, event_type, outcome, principal, source_ip, resource, request_id, body, hash, mac)
         SELECT ?, time_ms, 'sqs:DeleteQueue', outcome, principal, source_ip, resource, request_id, ?, ?, mac
         FROM audit_records WHERE seq = ?`,
      ).run(last.seq + 1, forged, leafHash(forged), last.seq);
    });
    const report = await verifyTrail(h.trail);
    const [first, ...rest] = failures(report);
    assert.equal(first?.kind, 'inserted');
    assert.equal(first?.firstSeq, 37);
    assert.match(first!.message, /record 37 inserted/);
    assert.deepEqual(rest, []);
  });

  it('names records cut from the end that a signed checkpoint covers', async () => {
    const h = await trailWithRecords();
    tamper(h.databasePath, (db) => db.prepare('DELETE FROM audit_records WHERE seq >= 35').run());
    const [first] = failures(await verifyTrail(h.trail));
    assert.equal(first?.kind, 'truncated');
    assert.match(first!.message, /records 35\.\.36 removed from the end/);
  });

  it('names an edited, and a removed, checkpoint', async () => {
    const h = await trailWithRecords();
    tamper(h.databasePath, (db) => {
      const { body } = db.prepare('SELECT body FROM audit_checkpoints WHERE seq = 1').get() as { body: string };
      db.prepare('UPDATE audit_checkpoints SET body = ? WHERE seq = 1').run(body.replace('"interval"', '"shutdown"'));
    });
    assert.match(failures(await verifyTrail(h.trail))[0]!.message, /checkpoint 1 altered: its signature/);
    tamper(h.databasePath, (db) => db.prepare('DELETE FROM audit_checkpoints WHERE seq = 1').run());
    const messages = failures(await verifyTrail(h.trail)).map((finding) => finding.message);
    assert.ok(
      messages.some((message) => /checkpoints 1\.\.1 removed/.test(message)),
      messages.join('\n'),
    );
  });

  it('names search columns that no longer say what the record says', async () => {
    const h = await trailWithRecords();
    tamper(h.databasePath, (db) =>
      db
        .prepare("UPDATE audit_records SET principal = 'arn:aws:iam::123456789012:user/someone-else' WHERE seq = 3")
        .run(),
    );
    const [first] = failures(await verifyTrail(h.trail));
    assert.equal(first?.firstSeq, 3);
    assert.match(first!.message, /search columns/);
  });

  it('reports a signing key planted without the root key, and never signs with it', async () => {
    const h = await trailWithRecords();
    const { generateSigningKey } = await import('../../src/audit/signing-key.ts');
    const { SystemKeyring } = await import('../../src/crypto/index.ts');
    const { randomBytes } = await import('node:crypto');
    const planted = generateSigningKey(new SystemKeyring(randomBytes(32)), h.clock.now() + 1_000).row;
    await h.store.write((tx) => tx.audit.insertSigningKey(planted));
    const reopened = new AuditTrail({ store: h.store, keyring: h.keyring, clock: h.clock });
    await reopened.open();
    assert.equal(reopened.signingKey.keyId, h.trail.signingKey.keyId);
    const [first] = failures(await verifyTrail(h.trail));
    assert.equal(first?.kind, 'key');
    assert.match(first!.message, new RegExp(`signing key ${planted.keyId} is not authentic`));
  });

  it('verifies a time range, and names an altered record inside it', async () => {
    const h = await trailWithRecords();
    const from = Date.UTC(2026, 0, 1) + 10_000;
    const to = Date.UTC(2026, 0, 1) + 20_000;
    const report = await verifyTrail(h.trail, { fromMs: from, toMs: to });
    assert.deepEqual(failures(report), []);
    assert.ok(report.recordsChecked >= 10 && report.recordsChecked < 15, String(report.recordsChecked));
    tamper(h.databasePath, (db) => editOneByte(db, report.firstSeq! + 2));
    const [first] = failures(await verifyTrail(h.trail, { fromMs: from, toMs: to }));
    assert.equal(first?.firstSeq, report.firstSeq! + 2);
  });
});

describe('checkpoints and proofs', () => {
  it('proves a chosen record is in the tree a signed checkpoint commits to', async () => {
    const h = await trailWithRecords();
    const evidence = await h.service.proveInclusion(20);
    const [keyRow] = await h.store.read((tx) => tx.audit.signingKeys());
    const publicKey = publicKeyFromDer(keyRow!.publicKey);
    const statement = parseCheckpoint(evidence.checkpoint.statement);
    assert.ok(
      verifyBytes(publicKey, evidence.checkpoint.statement, Buffer.from(evidence.checkpoint.signature, 'base64')),
    );
    const [row] = await h.store.read((tx) => tx.audit.records(20, 1));
    assert.equal(evidence.leafHash, leafHash(row!.body).toString('hex'));
    assert.ok(
      verifyInclusion(
        Buffer.from(evidence.leafHash, 'hex'),
        20,
        statement.treeSize,
        evidence.proof.map((node) => Buffer.from(node, 'hex')),
        Buffer.from(statement.rootHash, 'hex'),
      ),
    );
    assert.ok(
      !verifyInclusion(
        leafHash('another record'),
        20,
        statement.treeSize,
        evidence.proof.map((node) => Buffer.from(node, 'hex')),
        Buffer.from(statement.rootHash, 'hex'),
      ),
    );
  });

  it('proves two checkpoints consistent, and chains each to the one before', async () => {
    const h = await trailWithRecords();
    const evidence = await h.service.proveConsistency(0, 3);
    const from = parseCheckpoint(evidence.from.statement);
    const to = parseCheckpoint(evidence.to.statement);
    assert.ok(
      verifyConsistency(
        from.treeSize,
        to.treeSize,
        Buffer.from(from.rootHash, 'hex'),
        Buffer.from(to.rootHash, 'hex'),
        evidence.proof.map((node) => Buffer.from(node, 'hex')),
      ),
    );
    const [, second] = await h.store.read((tx) => tx.audit.checkpoints(0, 2));
    const first = (await h.store.read((tx) => tx.audit.checkpoints(0, 1)))[0]!;
    assert.equal(parseCheckpoint(second!.body).prev, createHash('sha256').update(first.body).digest('hex'));
  });

  it('writes nothing at an interval when no record came since, and signs a shutdown checkpoint all the same', async () => {
    const h = await trailWithRecords();
    assert.equal((await h.checkpointer.checkpoint('interval')).checkpoint, undefined);
    const { checkpoint } = await h.checkpointer.checkpoint('shutdown');
    assert.equal(parseCheckpoint(checkpoint!.body).reason, 'shutdown');
  });

  it('refuses to sign a record altered before it was sealed, and says which', async () => {
    const h = await trailWithRecords();
    await h.request('sqs:ListQueues', () => h.queues.listQueues(caller, {}), { category: 'management' });
    tamper(h.databasePath, (db) => editOneByte(db, 37));
    const result = await h.checkpointer.checkpoint('interval');
    assert.equal(result.checkpoint, undefined);
    assert.deepEqual(
      result.problems.map(({ seq }) => seq),
      [37],
    );
    assert.ok(result.problems[0]!.problems.includes('hash-mismatch'));
  });
});
