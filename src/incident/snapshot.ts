import { createHash, createPublicKey } from 'node:crypto';
import {
  type ExportBundle,
  generateSigningKey,
  keyIdOf,
  openSigningKey,
  publicKeyPem,
  type SigningKey,
  signBytes,
  verifyBundle,
  verifyBytes,
} from '../audit/index.ts';
import type { SystemKeyring } from '../crypto/index.ts';
import type { Store } from '../storage/index.ts';

/** Sealing purpose of the snapshot signing key: held like the audit's, under a purpose of its own. */
const signingPurpose = 'incident-snapshot-signing-key';

/**
 * A forensic snapshot, taken before anything is contained (PCI DSS 12.10.1: evidence first): the target's
 * configuration and policies, its sessions, queue metadata and messages still sealed as stored, the audit
 * trail's range as a verifiable export (records, signed checkpoints, proofs), and the findings about it.
 * The content is hashed (SHA-256 of its canonical JSON) and the hash signed with Ed25519; the file is
 * written read-only and its hash recorded in the audit trail, whose next signed checkpoint seals it.
 */
export interface SnapshotContent {
  incidentId: string;
  takenAt: string;
  target: { kind: string; id: string };
  configuration: Record<string, unknown>;
  policies: Record<string, unknown>;
  /** Sessions of a principal; null where the target has none. */
  sessions: unknown[] | null;
  messages: Array<Record<string, unknown>> | null;
  findings: unknown[];
  audit: { from: string; to: string; resourceRecords: number[]; export: ExportBundle | null; note?: string };
  /**
   * What the snapshot leaves out, each in words (how much, why, where the rest is); empty when it holds
   * everything. Absent from snapshots taken before it was recorded.
   */
  omissions?: string[];
}

/**
 * How many sealed messages a snapshot holds, the oldest first: the file is one signed JSON document built in
 * memory, so a queue of many (or large) messages is snapshotted in part, and the snapshot says so.
 */
export const snapshotMessageLimits = { count: 10_000, sealedBytes: 128 * 1_048_576 };

export interface ForensicSnapshot {
  format: 'pciq-forensic-snapshot/1';
  content: SnapshotContent;
  /** SHA-256 of the canonical JSON of `content`, hex. */
  sha256: string;
  /** Ed25519 signature of the `sha256` text, base64. */
  signature: string;
  keyId: string;
  publicKey: string;
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The snapshot signing key, created (and its creation returned) on first use. */
export async function snapshotSigningKey(
  store: Store,
  keyring: SystemKeyring,
  nowMs: number,
): Promise<{ key: SigningKey; isNew: boolean }> {
  const rows = await store.read((tx) => tx.incidents.signingKeys());
  for (const row of [...rows].reverse()) {
    try {
      return { key: openSigningKey(keyring, row, signingPurpose), isNew: false };
    } catch {}
  }
  const { key, row } = generateSigningKey(keyring, nowMs, signingPurpose);
  await store.write((tx) => tx.incidents.insertSigningKey(row));
  return { key, isNew: true };
}

export function signSnapshot(content: SnapshotContent, key: SigningKey): ForensicSnapshot {
  const sha256 = createHash('sha256').update(canonicalJson(content)).digest('hex');
  return {
    format: 'pciq-forensic-snapshot/1',
    content,
    sha256,
    signature: signBytes(key, sha256).toString('base64'),
    keyId: key.keyId,
    publicKey: publicKeyPem(key.publicKey),
  };
}

export interface SnapshotVerification {
  isValid: boolean;
  problems: string[];
  notes: string[];
  /** What the snapshot says it leaves out: a valid snapshot may still be partial. */
  omissions: string[];
  sha256: string | null;
  keyId: string | null;
}

/**
 * Checks a snapshot with nothing but the file (and, to rule out a snapshot signed by someone else's key,
 * the key fingerprint the installation reports): hash, signature, key id, and the embedded audit export.
 */
export function verifySnapshot(text: string, pinnedKeyIds: readonly string[] = []): SnapshotVerification {
  const problems: string[] = [];
  const notes: string[] = [];
  let snapshot: ForensicSnapshot;
  try {
    snapshot = JSON.parse(text) as ForensicSnapshot;
  } catch {
    return { isValid: false, problems: ['the file is not JSON'], notes, omissions: [], sha256: null, keyId: null };
  }
  if (
    snapshot?.format !== 'pciq-forensic-snapshot/1' ||
    typeof snapshot.content !== 'object' ||
    snapshot.content === null
  ) {
    return {
      isValid: false,
      problems: ['not a pciq forensic snapshot (format 1)'],
      notes,
      omissions: [],
      sha256: null,
      keyId: null,
    };
  }
  const sha256 = createHash('sha256').update(canonicalJson(snapshot.content)).digest('hex');
  if (sha256 !== snapshot.sha256) problems.push('content altered: its SHA-256 does not match the one signed');
  let keyId: string | null = null;
  try {
    const publicKey = createPublicKey(snapshot.publicKey);
    keyId = keyIdOf(publicKey.export({ format: 'der', type: 'spki' }));
    if (keyId !== snapshot.keyId) problems.push('the public key does not match the key id the snapshot names');
    if (!verifyBytes(publicKey, snapshot.sha256, Buffer.from(String(snapshot.signature), 'base64'))) {
      problems.push('the signature does not verify');
    }
  } catch {
    problems.push('the public key cannot be read');
  }
  if (pinnedKeyIds.length > 0 && (keyId === null || !pinnedKeyIds.includes(keyId))) {
    problems.push(`signed by key ${keyId ?? 'unknown'}, not by the key given with --key-id`);
  } else if (pinnedKeyIds.length === 0) {
    notes.push(`signed by key ${keyId}; pass --key-id to check it is the installation's (pciq incident public-key)`);
  }
  const bundle = snapshot.content.audit?.export;
  if (bundle) {
    const audit = verifyBundle(bundle);
    for (const finding of audit.findings)
      (finding.isFailure ? problems : notes).push(`audit export: ${finding.message}`);
  }
  const omissions = Array.isArray(snapshot.content.omissions) ? snapshot.content.omissions.map(String) : [];
  return { isValid: problems.length === 0, problems, notes, omissions, sha256, keyId };
}
