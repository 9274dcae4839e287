import type { SegmentManifest } from '../evidence/format.ts';

export function encodeManifest(manifest: Omit<SegmentManifest, 'format'>): string {
  const ordered: SegmentManifest = {
    format: 'pciq-audit-segment/1',
    log: manifest.log,
    firstSeq: manifest.firstSeq,
    lastSeq: manifest.lastSeq,
    firstTime: manifest.firstTime,
    lastTime: manifest.lastTime,
    lastHash: manifest.lastHash,
    fileName: manifest.fileName,
    fileSha256: manifest.fileSha256,
    archivedAt: manifest.archivedAt,
    keyId: manifest.keyId,
  };
  return JSON.stringify(ordered);
}

export function parseManifest(text: string): SegmentManifest {
  const value = JSON.parse(text) as SegmentManifest;
  if (
    value?.format !== 'pciq-audit-segment/1' ||
    !Number.isSafeInteger(value.firstSeq) ||
    !Number.isSafeInteger(value.lastSeq) ||
    typeof value.fileSha256 !== 'string' ||
    typeof value.keyId !== 'string' ||
    typeof value.lastHash !== 'string'
  ) {
    throw new Error('not a segment manifest of format 1');
  }
  return value;
}
