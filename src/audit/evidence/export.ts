import type { Checkpointer } from '../checkpointer.ts';
import { parseManifest } from '../retention/manifest.ts';
import { readSegmentFile } from '../retention/segment-file.ts';
import { publicKeyFromDer, publicKeyPem } from '../signing-key.ts';
import type { AuditTrail } from '../trail.ts';
import { buildPiece, EvidenceUnavailableError } from './build-piece.ts';
import type { EvidencePiece, ExportBundle } from './format.ts';

/**
 * `pciq audit export`: the records of a time range as evidence a third party verifies without pciq's
 * database or keys — archive segments that overlap the range as they are, and the hot records in it as a
 * piece anchored in a signed checkpoint (written first if none covers them yet), with the public keys.
 */
export async function exportEvidence(
  trail: AuditTrail,
  checkpointer: Checkpointer,
  options: { fromMs?: number; toMs?: number; archiveDir: string },
): Promise<ExportBundle> {
  const { store } = trail;
  const fromMs = options.fromMs ?? 0;
  const toMs = options.toMs ?? Number.MAX_SAFE_INTEGER;
  const pieces: EvidencePiece[] = [];
  const segments = (await store.read((tx) => tx.audit.segments())).filter(
    (segment) => segment.purgedAtMs === null && segment.lastTimeMs >= fromMs && segment.firstTimeMs <= toMs,
  );
  for (const segment of segments) {
    const manifest = parseManifest(segment.manifest);
    const read = readSegmentFile(options.archiveDir, manifest.fileName, manifest.fileSha256);
    if (read.status !== 'ok') {
      throw new EvidenceUnavailableError(
        `archive segment ${segment.firstSeq}..${segment.lastSeq} is ${read.status}; run \`pciq audit verify\``,
      );
    }
    pieces.push(read.piece);
  }
  const range = await store.read((tx) => tx.audit.seqRange(fromMs, toMs));
  if (range) {
    const covered = await store.read((tx) => tx.audit.checkpointCovering(range.last + 1));
    if (!covered) {
      const { problems } = await checkpointer.checkpoint('export');
      if (problems.length > 0) {
        throw new EvidenceUnavailableError(
          `record ${problems[0]!.seq} failed its check and cannot be sealed; run \`pciq audit verify\``,
        );
      }
    }
    pieces.push(await store.read((tx) => buildPiece(tx.audit, trail.logId, range.first, range.last)));
  }
  if (pieces.length === 0) throw new EvidenceUnavailableError('no records in that time range');
  const keys = await store.read((tx) => tx.audit.signingKeys());
  return {
    format: 'pciq-audit-export/1',
    log: trail.logId,
    exportedAt: new Date(trail.clock.now()).toISOString(),
    requested: {
      from: options.fromMs === undefined ? null : new Date(options.fromMs).toISOString(),
      to: options.toMs === undefined ? null : new Date(options.toMs).toISOString(),
    },
    publicKeys: keys.map((key) => ({ keyId: key.keyId, pem: publicKeyPem(publicKeyFromDer(key.publicKey)) })),
    pieces,
  };
}
