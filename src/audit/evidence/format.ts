import type { SignedCheckpoint } from '../checkpoint.ts';

/**
 * A piece of evidence: a contiguous run of records with what it takes to verify them without access to
 * pciq — signed checkpoints, RFC 9162 proofs, and the compact range of the tree before the run. Archive
 * segments are pieces; an export is a list of pieces.
 */
export interface EvidencePiece {
  format: 'pciq-audit-evidence/1';
  log: string;
  firstSeq: number;
  lastSeq: number;
  /** Leaf hash of record firstSeq - 1 (64 zeros when firstSeq is 0), hex. */
  prevHash: string;
  /** Compact range [0, firstSeq): with the records, it gives the roots of checkpoints inside the run. */
  startRange: { size: number; nodes: string[] };
  /** Canonical bodies of records firstSeq..lastSeq, in order. */
  records: string[];
  /** Consecutive checkpoints: those inside the run, then the first covering its last record (the anchor). */
  checkpoints: SignedCheckpoint[];
  /** RFC 9162 consistency proofs between consecutive checkpoints, hex. */
  consistency: Array<{ fromCheckpoint: number; toCheckpoint: number; proof: string[] }>;
  /** RFC 9162 inclusion proof of record lastSeq in the anchor checkpoint's tree, hex. */
  anchor: { checkpoint: number; inclusionProof: string[] };
}

export interface PublicKeyEntry {
  keyId: string;
  /** SubjectPublicKeyInfo PEM. */
  pem: string;
}

/** What `pciq audit export` writes: everything a third party needs, public keys included. */
export interface ExportBundle {
  format: 'pciq-audit-export/1';
  log: string;
  exportedAt: string;
  /** The time range asked for; pieces may reach a little beyond it (whole archive segments, checkpoints). */
  requested: { from: string | null; to: string | null };
  publicKeys: PublicKeyEntry[];
  pieces: EvidencePiece[];
}

/** The signed description of an archive segment file. */
export interface SegmentManifest {
  format: 'pciq-audit-segment/1';
  log: string;
  firstSeq: number;
  lastSeq: number;
  firstTime: string;
  lastTime: string;
  lastHash: string;
  fileName: string;
  /** SHA-256 of the compressed file, hex. */
  fileSha256: string;
  archivedAt: string;
  keyId: string;
}
