import type { KeyObject } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditRecordRow, AuditSegmentRow } from '../../storage/index.ts';
import type { Checkpointer } from '../checkpointer.ts';
import { buildPiece } from '../evidence/build-piece.ts';
import { verifyPiece } from '../evidence/verify-piece.ts';
import { compactRangeAt } from '../merkle/proofs.ts';
import { signBytes } from '../signing-key.ts';
import { StoredTree } from '../stored-tree.ts';
import type { AuditTrail } from '../trail.ts';
import { encodeManifest } from './manifest.ts';
import { archiveCutoffMs, purgeCutoffMs, type RetentionPolicy } from './policy.ts';
import { manifestFileName, segmentFileName, writeManifestFile, writeSegmentFile } from './segment-file.ts';

const dayMs = 24 * 60 * 60 * 1000;
/** A segment holds one UTC day of records, split further past this many. */
const maxSegmentRecords = 50_000;

export interface ArchiveResult {
  archived: Array<{ firstSeq: number; lastSeq: number; fileName: string }>;
  purged: Array<{ firstSeq: number; lastSeq: number; fileName: string }>;
}

/**
 * PCI DSS 10.5.1 tiers. Records older than the searchable period leave the store for compressed, signed
 * archive segments (each a self-verifying piece of evidence, checked before the records are deleted);
 * segments older than the retention are purged, and each archive and purge is itself recorded. Nothing
 * is deleted from the store unless a segment holds it.
 */
export class Archiver {
  private readonly trail: AuditTrail;
  private readonly checkpointer: Checkpointer;
  private readonly archiveDir: string;
  private readonly policy: RetentionPolicy;

  constructor(trail: AuditTrail, checkpointer: Checkpointer, options: { archiveDir: string; policy: RetentionPolicy }) {
    this.trail = trail;
    this.checkpointer = checkpointer;
    this.archiveDir = options.archiveDir;
    this.policy = options.policy;
  }

  async run(): Promise<ArchiveResult> {
    const result: ArchiveResult = { archived: [], purged: [] };
    const now = this.trail.clock.now();
    const runs = await this.dueRuns(archiveCutoffMs(this.policy, now));
    if (runs.length > 0) {
      const lastSeq = runs[runs.length - 1]!.lastSeq;
      const covering = await this.trail.store.read((tx) => tx.audit.checkpointCovering(lastSeq + 1));
      if (!covering) {
        const { problems } = await this.checkpointer.checkpoint('archive');
        if (problems.length > 0)
          throw new Error(`records ${problems.map((p) => p.seq).join(', ')} failed their check; nothing archived`);
      }
      mkdirSync(this.archiveDir, { recursive: true, mode: 0o700 });
      for (const run of runs) result.archived.push(await this.archive(run));
    }
    result.purged = await this.purge(purgeCutoffMs(this.policy, now));
    return result;
  }

  /** Contiguous runs of the oldest hot records, older than `cutoffMs`, one per UTC day (bounded in size). */
  private async dueRuns(
    cutoffMs: number,
  ): Promise<Array<{ firstSeq: number; lastSeq: number; firstTimeMs: number; lastTimeMs: number }>> {
    const runs: Array<{ firstSeq: number; lastSeq: number; firstTimeMs: number; lastTimeMs: number }> = [];
    let current: (typeof runs)[number] | undefined;
    const take = (row: AuditRecordRow) => {
      const day = Math.floor(row.timeMs / dayMs);
      if (
        current &&
        Math.floor(current.firstTimeMs / dayMs) === day &&
        current.lastSeq - current.firstSeq + 1 < maxSegmentRecords
      ) {
        current.lastSeq = row.seq;
        current.lastTimeMs = Math.max(current.lastTimeMs, row.timeMs);
      } else {
        current = { firstSeq: row.seq, lastSeq: row.seq, firstTimeMs: row.timeMs, lastTimeMs: row.timeMs };
        runs.push(current);
      }
    };
    let from = (await this.trail.store.read((tx) => tx.audit.firstHotSeq())) ?? 0;
    for (;;) {
      const rows = await this.trail.store.read((tx) => tx.audit.records(from, 2_000));
      for (const row of rows) {
        // Only a prefix moves: the first record young enough to stay ends the run, whatever follows it.
        if (row.timeMs >= cutoffMs) return runs;
        take(row);
      }
      if (rows.length < 2_000) return runs;
      from = rows[rows.length - 1]!.seq + 1;
    }
  }

  private async archive(run: { firstSeq: number; lastSeq: number; firstTimeMs: number; lastTimeMs: number }) {
    const { store } = this.trail;
    const key = this.trail.signingKey;
    const { piece, boundary } = await store.read(async (tx) => ({
      piece: await buildPiece(tx.audit, this.trail.logId, run.firstSeq, run.lastSeq),
      // The compact range after the segment stays in the store as tree nodes: proofs and checkpoints for
      // later records still need the roots of what is archived.
      boundary: await compactRangeAt(new StoredTree(tx.audit), run.lastSeq + 1),
    }));
    const keys = new Map<string, KeyObject>([[key.keyId, key.publicKey]]);
    const verification = verifyPiece(piece, keys);
    const problem = verification.findings.find((finding) => finding.isFailure);
    if (problem || !verification.lastHash) {
      throw new Error(`segment ${run.firstSeq}..${run.lastSeq} does not verify: ${problem?.message ?? 'empty'}`);
    }
    const lastHash = verification.lastHash;
    const fileName = segmentFileName(run.firstSeq, run.lastSeq);
    const fileSha256 = writeSegmentFile(this.archiveDir, fileName, piece);
    const archivedAtMs = this.trail.clock.now();
    const manifest = encodeManifest({
      log: this.trail.logId,
      firstSeq: run.firstSeq,
      lastSeq: run.lastSeq,
      firstTime: new Date(run.firstTimeMs).toISOString(),
      lastTime: new Date(run.lastTimeMs).toISOString(),
      lastHash: lastHash.toString('hex'),
      fileName,
      fileSha256,
      archivedAt: new Date(archivedAtMs).toISOString(),
      keyId: key.keyId,
    });
    const signature = signBytes(key, manifest);
    writeManifestFile(this.archiveDir, fileName, manifest, signature);
    const segment: AuditSegmentRow = {
      firstSeq: run.firstSeq,
      lastSeq: run.lastSeq,
      firstTimeMs: run.firstTimeMs,
      lastTimeMs: run.lastTimeMs,
      lastHash,
      fileName,
      manifest,
      signature,
      archivedAtMs,
      purgedAtMs: null,
    };
    await store.write(async (tx) => {
      await tx.audit.putTreeNodes(boundary.subtrees);
      await tx.audit.insertSegment(segment);
      await tx.audit.deleteArchivedRecords(run.lastSeq);
      await this.trail.append(
        tx,
        this.trail.systemDraft('audit:ArchiveSegment', 'audit', 'success', {
          firstSeq: run.firstSeq,
          lastSeq: run.lastSeq,
          records: run.lastSeq - run.firstSeq + 1,
          file: fileName,
          sha256: fileSha256,
        }),
      );
    });
    this.trail.notifyAppended();
    return { firstSeq: run.firstSeq, lastSeq: run.lastSeq, fileName };
  }

  private async purge(cutoffMs: number): Promise<ArchiveResult['purged']> {
    const purged: ArchiveResult['purged'] = [];
    const due = (await this.trail.store.read((tx) => tx.audit.segments())).filter(
      (segment) => segment.purgedAtMs === null && segment.lastTimeMs < cutoffMs,
    );
    for (const segment of due) {
      // Recorded first, then deleted: a crash in between leaves a file to delete again, never a silent gap.
      await this.trail.store.write(async (tx) => {
        await tx.audit.markSegmentPurged(segment.firstSeq, this.trail.clock.now());
        await this.trail.append(
          tx,
          this.trail.systemDraft('audit:PurgeSegment', 'audit', 'success', {
            firstSeq: segment.firstSeq,
            lastSeq: segment.lastSeq,
            records: segment.lastSeq - segment.firstSeq + 1,
            lastTime: new Date(segment.lastTimeMs).toISOString(),
            file: segment.fileName,
          }),
        );
      });
      rmSync(join(this.archiveDir, segment.fileName), { force: true });
      rmSync(join(this.archiveDir, manifestFileName(segment.fileName)), { force: true });
      purged.push({ firstSeq: segment.firstSeq, lastSeq: segment.lastSeq, fileName: segment.fileName });
    }
    if (purged.length > 0) this.trail.notifyAppended();
    return purged;
  }
}
