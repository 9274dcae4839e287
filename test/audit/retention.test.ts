import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { exportEvidence } from '../../src/audit/evidence/export.ts';
import type { ExportBundle } from '../../src/audit/evidence/format.ts';
import { verifyBundle } from '../../src/audit/evidence/verify-bundle.ts';
import { AuditRuntime, parseAuditConfig } from '../../src/audit/index.ts';
import { Archiver } from '../../src/audit/retention/archiver.ts';
import { applyRetention, RetentionError } from '../../src/audit/retention/policy.ts';
import { verifyTrail } from '../../src/audit/verify/verify-trail.ts';
import { AuditHarness, caller } from '../support/audit-harness.ts';
import { tamper } from '../support/tamper.ts';

const dayMs = 24 * 60 * 60 * 1000;
const harnesses: AuditHarness[] = [];
after(async () => {
  for (const h of harnesses) await h.close();
});

/** Three records a day for `days` days, checkpointed daily. */
async function trailOverDays(days: number) {
  const h = await new AuditHarness().open();
  harnesses.push(h);
  const archiveDir = join(h.dir.path, 'audit-archive');
  const queue = await h.createQueue('daily');
  for (let day = 0; day < days; day++) {
    for (let i = 0; i < 3; i++) {
      await h.request('sqs:SendMessage', () =>
        h.queues.sendMessages(
          caller,
          queue,
          [{ id: 'a', body: `d${day}`, attributes: {}, systemAttributes: {} }],
          false,
        ),
      );
      h.clock.advance(60_000);
    }
    await h.checkpointer.checkpoint('interval');
    h.clock.advance(dayMs - 3 * 60_000);
  }
  const archiver = new Archiver(h.trail, h.checkpointer, {
    archiveDir,
    policy: { retainDays: 365, hotDays: 90 },
  });
  return { h, archiveDir, archiver };
}

function failures(findings: Array<{ isFailure: boolean; message: string }>) {
  return findings.filter((finding) => finding.isFailure).map((finding) => finding.message);
}

describe('retention: 3 months searchable, 12 months kept, archived in signed segments', () => {
  it('moves records older than the searchable period into compressed, signed segments that still verify', async () => {
    const { h, archiveDir, archiver } = await trailOverDays(5);
    h.clock.advance(87 * dayMs); // the first two days are now more than 90 days old
    const result = await archiver.run();
    assert.equal(result.archived.length, 2);
    assert.deepEqual(result.purged, []);
    const files = readdirSync(archiveDir).sort();
    assert.equal(files.filter((name) => name.endsWith('.json.gz')).length, 2);
    assert.equal(files.filter((name) => name.endsWith('.manifest.json')).length, 2);
    const firstHot = await h.store.read((tx) => tx.audit.firstHotSeq());
    assert.equal(firstHot, result.archived[1]!.lastSeq + 1, 'the archived records left the store');
    const page = await h.service.search({ limit: 1000 });
    assert.ok(page.records.every((found) => found.record.seq >= firstHot!));
    const events = page.records.filter((found) => found.record.type === 'audit:ArchiveSegment');
    assert.equal(events.length, 2, 'each archive is recorded');

    const report = await verifyTrail(h.trail, { archiveDir });
    assert.deepEqual(failures(report.findings), []);
    assert.equal(report.segmentsChecked, 2);
    assert.equal(report.firstSeq, 0);
    // Checkpoints and proofs keep working over the archived prefix.
    await h.request('sqs:ListQueues', () => h.queues.listQueues(caller, {}), { category: 'management' });
    const { checkpoint } = await h.checkpointer.checkpoint('interval');
    assert.ok(checkpoint);
    assert.deepEqual(failures((await verifyTrail(h.trail, { archiveDir })).findings), []);
    await h.service.proveInclusion(firstHot! + 1);
  });

  it('purges segments past retention only, records the purge, and still verifies what is left', async () => {
    const { h, archiveDir, archiver } = await trailOverDays(4);
    h.clock.advance(100 * dayMs);
    assert.equal((await archiver.run()).archived.length, 4);
    h.clock.advance(263 * dayMs); // day 0 and day 1 are now past 365 days
    const result = await archiver.run();
    assert.deepEqual(
      result.purged.map((segment) => segment.firstSeq),
      [0, 4],
    );
    for (const segment of result.purged) assert.ok(!existsSync(join(archiveDir, segment.fileName)));
    const purges = (await h.service.search({ eventType: 'audit:PurgeSegment', limit: 10 })).records;
    assert.equal(purges.length, 2);
    assert.deepEqual(purges[0]?.record.details, {
      firstSeq: 0,
      lastSeq: 3,
      records: 4,
      lastTime: '2026-01-01T00:02:00.000Z',
      file: result.purged[0]!.fileName,
    });
    assert.equal(result.archived.length, 1, 'the records of the first archiving, now old enough themselves');
    const report = await verifyTrail(h.trail, { archiveDir });
    assert.deepEqual(failures(report.findings), []);
    assert.equal(report.segmentsChecked, 3, 'days 2 and 3, and the archive records');
    assert.equal(report.firstSeq, 7);
  });

  it('keeps 3 calendar months searchable and 12 in all, though months run to 92 days and years to 366', async () => {
    const h = await new AuditHarness().open();
    harnesses.push(h);
    const archiveDir = join(h.dir.path, 'audit-archive');
    const archiver = new Archiver(h.trail, h.checkpointer, { archiveDir, policy: { retainDays: 365, hotDays: 90 } });
    const listAt = async (iso: string) => {
      h.clock.advance(Date.parse(iso) - h.clock.now());
      return (await h.request('sqs:ListQueues', () => h.queues.listQueues(caller, {}), { category: 'management' }))
        .requestId;
    };
    const beforeLeapDay = await listAt('2027-03-01T12:00:00Z');
    const inMay = await listAt('2027-05-01T12:00:00Z');
    h.clock.advance(Date.parse('2027-07-31T12:00:00Z') - h.clock.now());
    // 91 days, yet less than 3 months: May 1st is after April 30th.
    await archiver.run();
    assert.equal((await h.recordsOf(inMay)).length, 1, 'a record of the last 3 months is still searchable');

    h.clock.advance(Date.parse('2028-03-01T00:00:00Z') - h.clock.now());
    // 365.5 days, yet less than 12 months: 2028 has a February 29th.
    const { purged } = await archiver.run();
    const segments = await h.store.read((tx) => tx.audit.segments());
    const holding = segments.find(
      (segment) =>
        segment.firstTimeMs <= Date.parse('2027-03-01T12:00:00Z') &&
        segment.lastTimeMs >= Date.parse('2027-03-01T12:00:00Z'),
    );
    assert.ok(holding, `a segment holds the record of ${beforeLeapDay}`);
    assert.equal(holding.purgedAtMs, null, 'a record of the last 12 months is kept');
    assert.ok(existsSync(join(archiveDir, holding.fileName)));
    assert.ok(purged.every((segment) => segment.lastSeq < holding.firstSeq));
  });

  it('names an archive segment that was altered or removed', async () => {
    const { h, archiveDir, archiver } = await trailOverDays(3);
    h.clock.advance(95 * dayMs);
    const { archived } = await archiver.run();
    const [first, second] = archived;
    const path = join(archiveDir, first!.fileName);
    const piece = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8'));
    piece.records[1] = piece.records[1].replace('"outcome":"success"', '"outcome":"failure"');
    writeFileSync(path, gzipSync(JSON.stringify(piece)));
    const altered = failures((await verifyTrail(h.trail, { archiveDir })).findings);
    assert.match(altered[0]!, new RegExp(`archive segment ${first!.firstSeq}\\.\\.${first!.lastSeq} altered`));
    writeFileSync(path, readFileSync(path)); // unchanged content, still altered
    const secondPath = join(archiveDir, second!.fileName);
    writeFileSync(`${secondPath}.moved`, readFileSync(secondPath));
    (await import('node:fs')).rmSync(secondPath);
    const missing = failures((await verifyTrail(h.trail, { archiveDir })).findings);
    assert.ok(
      missing.some((message) => message.includes(`archive segment ${second!.firstSeq}..${second!.lastSeq} missing`)),
      missing.join('\n'),
    );
  });

  it('names an archive segment marked purged before its retention ran out, its file then deleted', async () => {
    const { h, archiveDir, archiver } = await trailOverDays(3);
    h.clock.advance(95 * dayMs);
    const [first] = (await archiver.run()).archived;
    // Someone with write access to the database, not the root key: no trigger or signature covers the mark.
    tamper(h.databasePath, (db) =>
      db.prepare('UPDATE audit_segments SET purged_at = ? WHERE first_seq = ?').run(h.clock.now(), first!.firstSeq),
    );
    rmSync(join(archiveDir, first!.fileName));
    const found = failures((await verifyTrail(h.trail, { archiveDir })).findings);
    assert.ok(
      found.some((message) =>
        message.includes(`archive segment ${first!.firstSeq}..${first!.lastSeq} marked purged before its retention`),
      ),
      found.join('\n'),
    );
  });

  it('keeps at least 12 months, 3 searchable, and can only be raised', async () => {
    const h = await new AuditHarness().open();
    harnesses.push(h);
    await assert.rejects(
      h.store.write((tx) => applyRetention(tx, { retainDays: 300, hotDays: 90 })),
      (error: Error) => error instanceof RetentionError && /at least 365/.test(error.message),
    );
    await assert.rejects(
      h.store.write((tx) => applyRetention(tx, { retainDays: 365, hotDays: 30 })),
      /at least 90/,
    );
    const raised = await h.store.write((tx) => applyRetention(tx, { retainDays: 730, hotDays: 120 }));
    assert.deepEqual(raised, { policy: { retainDays: 730, hotDays: 120 }, previous: undefined });
    await assert.rejects(
      h.store.write((tx) => applyRetention(tx, { retainDays: 400, hotDays: 120 })),
      /can only be raised: this trail keeps 730 days/,
    );
    const again = await h.store.write((tx) => applyRetention(tx, { retainDays: 800, hotDays: 120 }));
    assert.deepEqual(again.previous, { retainDays: 730, hotDays: 120 });
  });
});

describe('retention changes in the trail', () => {
  it('records a raise of the retention once, and nothing when a start applies the retention in force', async () => {
    const h = await new AuditHarness().open();
    harnesses.push(h);
    const start = async (retention: { retainDays: number; hotDays: number }) => {
      const runtime = await AuditRuntime.open({
        store: h.store,
        keyring: h.trail.keyring,
        clock: h.clock,
        config: parseAuditConfig({ retention }),
        archiveDir: join(h.dir.path, 'audit-archive'),
        accountId: '123456789012',
        log: () => undefined,
      });
      await runtime.stop();
    };
    await start({ retainDays: 365, hotDays: 90 });
    await start({ retainDays: 365, hotDays: 90 });
    await start({ retainDays: 400, hotDays: 90 });
    await start({ retainDays: 400, hotDays: 90 });
    const changes = (await h.allRecords()).filter((record) => record.type === 'audit:SetRetention');
    assert.deepEqual(
      changes.map((record) => record.details),
      [{ retainDays: 400, hotDays: 90, previousRetainDays: 365, previousHotDays: 90 }],
    );
  });
});

describe('export bundles, verified on their own', () => {
  async function exported() {
    const { h, archiveDir, archiver } = await trailOverDays(4);
    h.clock.advance(89 * dayMs);
    await archiver.run(); // days 0..2 archived, day 3 hot
    await h.request('sqs:ListQueues', () => h.queues.listQueues(caller, {}), { category: 'management' });
    const bundle = await exportEvidence(h.trail, h.checkpointer, { archiveDir });
    return { h, bundle: JSON.parse(JSON.stringify(bundle)) as ExportBundle };
  }

  it('verifies an export spanning archived and hot records, with the key pinned', async () => {
    const { h, bundle } = await exported();
    assert.equal(bundle.pieces.length, 4, 'three archive segments and the hot records');
    const keyId = h.trail.signingKey.keyId;
    const report = verifyBundle(bundle, [keyId]);
    assert.deepEqual(failures(report.findings), []);
    assert.ok(report.isKeyPinned);
    assert.equal(report.firstSeq, 0);
    assert.equal(report.recordsChecked, report.lastSeq! + 1);
    const unpinned = verifyBundle(bundle);
    assert.ok(unpinned.isValid);
    assert.ok(
      unpinned.findings.some((finding) => finding.message.includes(keyId)),
      'names the fingerprint to compare',
    );
  });

  it('fails an export with a record altered, removed or forged, and one signed by another key', async () => {
    const { h, bundle } = await exported();
    const last = bundle.pieces.length - 1;
    const hot = bundle.pieces[last]!;
    const edited = structuredClone(bundle);
    edited.pieces[last]!.records[2] = hot.records[2]!.replace('"outcome":"success"', '"outcome":"failure"');
    const alteredSeq = hot.firstSeq + 2;
    const messages = failures(verifyBundle(edited).findings);
    assert.match(messages[0]!, new RegExp(`^record ${alteredSeq} altered`), messages.join('\n'));

    const removed = structuredClone(bundle);
    removed.pieces[last]!.records.splice(1, 1);
    assert.equal(verifyBundle(removed).isValid, false);

    const forgedKey = structuredClone(bundle);
    assert.match(failures(verifyBundle(forgedKey, ['0'.repeat(64)]).findings)[0]!, /not with the key you pinned/);
    void h;
  });
});
