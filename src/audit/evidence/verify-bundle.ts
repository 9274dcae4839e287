import { createPublicKey, type KeyObject } from 'node:crypto';
import { keyIdOf } from '../signing-key.ts';
import { type Finding, failure, note } from '../verify/findings.ts';
import type { ExportBundle } from './format.ts';
import { verifyPiece } from './verify-piece.ts';

export interface BundleVerification {
  isValid: boolean;
  findings: Finding[];
  recordsChecked: number;
  checkpointsChecked: number;
  firstSeq: number | undefined;
  lastSeq: number | undefined;
  keyIds: string[];
  /** True when every signing key was one the verifier pinned; false means: compare the fingerprints. */
  isKeyPinned: boolean;
}

/**
 * Verifies an export with nothing but the bundle, as an assessor does (`pciq audit verify --bundle`).
 * The public keys in a bundle prove nothing by themselves: pass the fingerprint the operator published
 * (`pinnedKeyIds`) and keys that are not pinned are refused; without it, the report names the fingerprint
 * to compare.
 */
export function verifyBundle(bundle: ExportBundle, pinnedKeyIds: readonly string[] = []): BundleVerification {
  const findings: Finding[] = [];
  const report = (extra: Partial<BundleVerification> = {}): BundleVerification => ({
    isValid: findings.every((finding) => !finding.isFailure),
    findings,
    recordsChecked: 0,
    checkpointsChecked: 0,
    firstSeq: undefined,
    lastSeq: undefined,
    keyIds: [],
    isKeyPinned: false,
    ...extra,
  });
  if (bundle?.format !== 'pciq-audit-export/1' || !Array.isArray(bundle.pieces) || !Array.isArray(bundle.publicKeys)) {
    findings.push(failure('segment', 'not a pciq audit export (format 1)'));
    return report();
  }
  const keys = new Map<string, KeyObject>();
  for (const entry of bundle.publicKeys) {
    let key: KeyObject;
    try {
      key = createPublicKey(String(entry.pem));
    } catch {
      findings.push(failure('key', `public key ${String(entry.keyId)} is unreadable`));
      continue;
    }
    const keyId = keyIdOf(key.export({ format: 'der', type: 'spki' }));
    if (key.asymmetricKeyType !== 'ed25519' || keyId !== entry.keyId) {
      findings.push(failure('key', `public key ${String(entry.keyId)} is not the key its fingerprint names`));
    } else if (pinnedKeyIds.length > 0 && !pinnedKeyIds.includes(keyId)) {
      findings.push(failure('key', `the bundle is signed with key ${keyId}, not with the key you pinned`));
    } else {
      keys.set(keyId, key);
    }
  }
  const isKeyPinned = pinnedKeyIds.length > 0 && keys.size > 0;
  if (!isKeyPinned && keys.size > 0) {
    findings.push(
      note(
        'key',
        `signing key fingerprint ${[...keys.keys()].join(', ')}: compare it with the one the operator published`,
      ),
    );
  }
  let recordsChecked = 0;
  let checkpointsChecked = 0;
  let previous: { lastSeq: number; lastHash: Buffer | undefined; endRange: string | undefined } | undefined;
  for (const piece of bundle.pieces) {
    const verification = verifyPiece(piece, keys);
    findings.push(...verification.findings);
    recordsChecked += verification.recordsChecked;
    checkpointsChecked += verification.checkpointsChecked;
    if (previous && piece.firstSeq === previous.lastSeq + 1) {
      if (previous.lastHash && piece.prevHash !== previous.lastHash.toString('hex')) {
        findings.push(
          failure(
            'removed',
            `records ${previous.lastSeq} and ${piece.firstSeq} do not link: the chain breaks between pieces`,
            {
              firstSeq: previous.lastSeq,
              lastSeq: piece.firstSeq,
            },
          ),
        );
      }
      if (previous.endRange && JSON.stringify(piece.startRange) !== previous.endRange) {
        findings.push(
          failure(
            'segment',
            `records from ${piece.firstSeq} start from another tree than the records before them end with`,
            {
              firstSeq: piece.firstSeq,
            },
          ),
        );
      }
    } else if (previous && piece.firstSeq > previous.lastSeq + 1) {
      findings.push(note('removed', `records ${previous.lastSeq + 1}..${piece.firstSeq - 1} are not in this export`));
    } else if (previous) {
      findings.push(failure('reordered', `the pieces overlap or are out of order at record ${piece.firstSeq}`));
    }
    previous = {
      lastSeq: piece.lastSeq,
      lastHash: verification.lastHash,
      endRange: verification.endRange ? JSON.stringify(verification.endRange) : undefined,
    };
  }
  return report({
    recordsChecked,
    checkpointsChecked,
    firstSeq: bundle.pieces[0]?.firstSeq,
    lastSeq: bundle.pieces[bundle.pieces.length - 1]?.lastSeq,
    keyIds: [...keys.keys()],
    isKeyPinned,
  });
}
