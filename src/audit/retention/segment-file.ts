import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { EvidencePiece } from '../evidence/format.ts';

/** Zero-padded so names sort in log order; `_` keeps each number its own digit run (runs of 13+ are masked). */
export function segmentFileName(firstSeq: number, lastSeq: number): string {
  return `audit-${String(firstSeq).padStart(12, '0')}_${String(lastSeq).padStart(12, '0')}.json.gz`;
}

export function manifestFileName(segmentFile: string): string {
  return segmentFile.replace(/\.json\.gz$/, '.manifest.json');
}

/** Writes bytes durably: a temporary file, fsync, rename, fsync of the directory. */
export function writeDurably(dir: string, name: string, bytes: Uint8Array): void {
  const path = join(dir, name);
  const temporary = `${path}.partial`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** Compresses a piece of evidence into its segment file; returns the file's SHA-256, hex. */
export function writeSegmentFile(dir: string, fileName: string, piece: EvidencePiece): string {
  const compressed = gzipSync(Buffer.from(JSON.stringify(piece), 'utf8'), { level: 9 });
  writeDurably(dir, fileName, compressed);
  return createHash('sha256').update(compressed).digest('hex');
}

/** The signed manifest next to the segment, so the archive directory verifies on its own. */
export function writeManifestFile(dir: string, segmentFile: string, manifest: string, signature: Uint8Array): void {
  const text = `${JSON.stringify({ manifest, signature: Buffer.from(signature).toString('base64') }, null, 2)}\n`;
  writeDurably(dir, manifestFileName(segmentFile), Buffer.from(text, 'utf8'));
}

export type SegmentRead =
  | { status: 'ok'; piece: EvidencePiece }
  | { status: 'missing' }
  | { status: 'altered'; reason: string };

/** Reads a segment file, checking it against the digest its signed manifest holds. */
export function readSegmentFile(dir: string, fileName: string, expectedSha256: string): SegmentRead {
  let compressed: Buffer;
  try {
    compressed = readFileSync(join(dir, fileName));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    throw error;
  }
  if (createHash('sha256').update(compressed).digest('hex') !== expectedSha256) {
    return { status: 'altered', reason: 'its digest differs from the one its signed manifest holds' };
  }
  try {
    return { status: 'ok', piece: JSON.parse(gunzipSync(compressed).toString('utf8')) as EvidencePiece };
  } catch {
    return { status: 'altered', reason: 'it does not decompress to evidence' };
  }
}
