import type { KeyObject } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AuditCheckpointRow, AuditSegmentRow } from '../../storage/index.ts';
import { verifyPiece } from '../evidence/verify-piece.ts';
import { CompactRange } from '../merkle/compact-range.ts';
import { compactRangeAt, inclusionProof, verifyInclusion } from '../merkle/proofs.ts';
import { genesisPrev } from '../record.ts';
import { readKeptCheckpoint } from '../retention/kept-checkpoint-file.ts';
import { parseManifest } from '../retention/manifest.ts';
import { purgeCutoffMs, retentionInForce } from '../retention/policy.ts';
import { readSegmentFile } from '../retention/segment-file.ts';
import { openSigningKey, verifyBytes } from '../signing-key.ts';
import { StoredTree } from '../stored-tree.ts';
import type { AuditTrail } from '../trail.ts';
import { ChainWalk } from './chain-walk.ts';
import { type CheckedCheckpoint, checkCheckpointChain } from './checkpoint-chain.ts';
import { type Finding, failure, note, rangeText } from './findings.ts';
import { checkKeptCheckpoint } from './kept-checkpoint.ts';
import { RootChecker } from './root-checker.ts';

export interface VerifyOptions {
  /**
   * Where archive segments and the latest checkpoint kept apart live; without it, archived ranges are reported
   * as not checked, and removal of the trail's end is not checked.
   */
  archiveDir?: string;
  /** Verify only records in this time range (and the checkpoints that vouch for them). */
  fromMs?: number;
  toMs?: number;
}

export interface TrailVerification {
  isValid: boolean;
  findings: Finding[];
  recordsChecked: number;
  firstSeq: number | undefined;
  lastSeq: number | undefined;
  checkpointsChecked: number;
  segmentsChecked: number;
  keyIds: string[];
}

const pageSize = 2_000;

/**
 * `pciq audit verify`: checks the whole trail, or a time range of it, and names every place where it is
 * not what pciq wrote — signing keys, the checkpoint chain and signatures, archive segments, every record
 * (content, MAC, position, chain link), and the Merkle root of every checkpoint recomputed from the records.
 */
export async function verifyTrail(trail: AuditTrail, options: VerifyOptions = {}): Promise<TrailVerification> {
  const { store } = trail;
  const findings: Finding[] = [];

  const keys = new Map<string, KeyObject>();
  for (const row of await store.read((tx) => tx.audit.signingKeys())) {
    try {
      keys.set(row.keyId, openSigningKey(trail.keyring, row).publicKey);
    } catch {
      findings.push(failure('key', `signing key ${row.keyId} is not authentic: it does not open under the root key`));
    }
  }

  const checkpointRows: AuditCheckpointRow[] = [];
  for (let from = 0; ; ) {
    const page = await store.read((tx) => tx.audit.checkpoints(from, 10_000));
    checkpointRows.push(...page);
    if (page.length < 10_000) break;
    from = page[page.length - 1]!.seq + 1;
  }
  const chain = checkCheckpointChain(checkpointRows, keys, { firstSeq: 0, prevHash: undefined, log: trail.logId });
  findings.push(...chain.findings);
  if (options.archiveDir !== undefined) {
    findings.push(...checkKeptCheckpoint(readKeptCheckpoint(options.archiveDir), checkpointRows, keys, trail.logId));
  }

  const isRange = options.fromMs !== undefined || options.toMs !== undefined;
  const result = isRange
    ? await verifyRange(trail, chain.checkpoints, keys, options)
    : await verifyAll(trail, chain.checkpoints, keys, options);
  findings.push(...result.findings);
  return {
    isValid: findings.every((finding) => !finding.isFailure),
    findings,
    recordsChecked: result.recordsChecked,
    firstSeq: result.firstSeq,
    lastSeq: result.lastSeq,
    checkpointsChecked: chain.checkpoints.length,
    segmentsChecked: result.segmentsChecked,
    keyIds: [...keys.keys()],
  };
}

interface PartResult {
  findings: Finding[];
  recordsChecked: number;
  firstSeq: number | undefined;
  lastSeq: number | undefined;
  segmentsChecked: number;
}

async function verifyAll(
  trail: AuditTrail,
  checkpoints: CheckedCheckpoint[],
  keys: ReadonlyMap<string, KeyObject>,
  options: VerifyOptions,
): Promise<PartResult> {
  const findings: Finding[] = [];
  let next = 0;
  let prevHash: Buffer | undefined = Buffer.from(genesisPrev, 'hex');
  let tree: CompactRange | undefined = new CompactRange();
  let recordsChecked = 0;
  let segmentsChecked = 0;
  let firstSeq: number | undefined;

  const { segments, purgeCutoff } = await segmentsAndPurgeCutoff(trail);
  for (const segment of segments) {
    const checked = checkSegment(segment, keys, options.archiveDir, {
      next,
      prevHash,
      tree,
      purgeCutoffMs: purgeCutoff,
    });
    findings.push(...checked.findings);
    recordsChecked += checked.recordsChecked;
    if (checked.recordsChecked > 0) {
      segmentsChecked++;
      firstSeq ??= segment.firstSeq;
    }
    next = segment.lastSeq + 1;
    prevHash = Buffer.from(segment.lastHash);
    tree = checked.endRange;
  }

  const walk = new ChainWalk({ seq: next, prevHash, tree }, (hash, mac) => trail.isAuthentic(hash, mac));
  const roots = new RootChecker(checkpoints, next);
  const firstHot = await walkStored(trail, walk, roots, next, Number.MAX_SAFE_INTEGER);
  firstSeq ??= firstHot;
  findings.push(...walk.findings(), ...roots.findings);
  recordsChecked += walk.recordsChecked;
  const end = walk.nextSeq;
  const largest = checkpoints.reduce<CheckedCheckpoint | undefined>(
    (best, checkpoint) => (checkpoint.statement.treeSize > (best?.statement.treeSize ?? -1) ? checkpoint : best),
    undefined,
  );
  const sealed = largest?.statement.treeSize ?? 0;
  if (largest && sealed > end) {
    findings.push(
      failure(
        'truncated',
        `${rangeText(end, sealed - 1)} removed from the end: checkpoint ${largest.seq} covers ${sealed} records, the log holds ${end}`,
        { firstSeq: end, lastSeq: sealed - 1, checkpoint: largest.seq },
      ),
    );
  }
  if (walk.rangeBrokenAt !== undefined) {
    findings.push(
      note('checkpoint', `checkpoint roots after record ${walk.rangeBrokenAt} not recomputed: records are missing`),
    );
  }
  if (sealed < end) {
    findings.push(
      note(
        'unsealed',
        `${rangeText(sealed, end - 1)} not yet covered by a signed checkpoint (checked by chain and MAC)`,
        { firstSeq: sealed, lastSeq: end - 1 },
      ),
    );
  }
  return { findings, recordsChecked, firstSeq, lastSeq: end > 0 ? end - 1 : undefined, segmentsChecked };
}

/** The archive segments, and the time before which the retention in force lets a segment be purged. */
async function segmentsAndPurgeCutoff(
  trail: AuditTrail,
): Promise<{ segments: AuditSegmentRow[]; purgeCutoff: number }> {
  return trail.store.read(async (tx) => ({
    segments: await tx.audit.segments(),
    purgeCutoff: purgeCutoffMs(await retentionInForce(tx), trail.clock.now()),
  }));
}

function checkSegment(
  segment: AuditSegmentRow,
  keys: ReadonlyMap<string, KeyObject>,
  archiveDir: string | undefined,
  expected: { next: number; prevHash: Buffer | undefined; tree: CompactRange | undefined; purgeCutoffMs: number },
): { findings: Finding[]; recordsChecked: number; endRange: CompactRange | undefined } {
  const findings: Finding[] = [];
  const place = { firstSeq: segment.firstSeq, lastSeq: segment.lastSeq };
  const name = `archive segment ${segment.firstSeq}..${segment.lastSeq}`;
  if (segment.firstSeq > expected.next) {
    findings.push(
      failure('removed', `${rangeText(expected.next, segment.firstSeq - 1)} removed: no segment holds them`, {
        firstSeq: expected.next,
        lastSeq: segment.firstSeq - 1,
      }),
    );
  }
  let manifest: ReturnType<typeof parseManifest>;
  try {
    manifest = parseManifest(segment.manifest);
  } catch {
    return {
      findings: [failure('segment', `${name}: its manifest is unreadable`, place)],
      recordsChecked: 0,
      endRange: undefined,
    };
  }
  const key = keys.get(manifest.keyId);
  if (!key || !verifyBytes(key, segment.manifest, segment.signature)) {
    findings.push(failure('segment', `${name}: its manifest's signature does not verify`, place));
  }
  if (manifest.firstSeq !== segment.firstSeq || manifest.lastSeq !== segment.lastSeq) {
    findings.push(failure('segment', `${name}: its manifest describes another range`, place));
  }
  if (segment.purgedAtMs !== null) {
    // Nothing signs the purge mark: a segment still within retention that says it was purged had its mark
    // set by someone else, who could then delete its file unseen (PCI DSS 10.5.1).
    if (segment.lastTimeMs >= expected.purgeCutoffMs) {
      findings.push(
        failure(
          'segment',
          `${name} marked purged before its retention ran out: its last record is of ${new Date(segment.lastTimeMs).toISOString()}`,
          place,
        ),
      );
    }
    return { findings, recordsChecked: 0, endRange: undefined };
  }
  if (!archiveDir) {
    findings.push(note('segment', `${name} not checked: no archive directory given`, place));
    return { findings, recordsChecked: 0, endRange: undefined };
  }
  const read = readSegmentFile(archiveDir, manifest.fileName, manifest.fileSha256);
  if (read.status === 'missing') {
    findings.push(failure('segment', `${name} missing: ${manifest.fileName} is not in the archive`, place));
    return { findings, recordsChecked: 0, endRange: undefined };
  }
  if (read.status === 'altered') {
    findings.push(failure('segment', `${name} altered: ${read.reason}`, place));
    return { findings, recordsChecked: 0, endRange: undefined };
  }
  const { piece } = read;
  if (piece.firstSeq !== segment.firstSeq || piece.lastSeq !== segment.lastSeq) {
    findings.push(failure('segment', `${name} holds records ${piece.firstSeq}..${piece.lastSeq} instead`, place));
  }
  if (expected.prevHash && piece.prevHash !== expected.prevHash.toString('hex')) {
    findings.push(failure('segment', `${name} does not follow the record before it: chain broken`, place));
  }
  if (expected.tree && JSON.stringify(expected.tree) !== JSON.stringify(piece.startRange)) {
    findings.push(failure('segment', `${name} starts from another tree than the records before it give`, place));
  }
  const verification = verifyPiece(piece, keys);
  findings.push(...verification.findings);
  if (verification.lastHash && verification.lastHash.toString('hex') !== manifest.lastHash) {
    findings.push(failure('segment', `${name}: its last record is not the one its manifest names`, place));
  }
  return { findings, recordsChecked: verification.recordsChecked, endRange: verification.endRange };
}

async function verifyRange(
  trail: AuditTrail,
  checkpoints: CheckedCheckpoint[],
  keys: ReadonlyMap<string, KeyObject>,
  options: VerifyOptions,
): Promise<PartResult> {
  const { store } = trail;
  const fromMs = options.fromMs ?? 0;
  const toMs = options.toMs ?? Number.MAX_SAFE_INTEGER;
  const findings: Finding[] = [];
  let recordsChecked = 0;
  let segmentsChecked = 0;
  let firstSeq: number | undefined;
  let lastSeq: number | undefined;

  const stored = await segmentsAndPurgeCutoff(trail);
  const segments = stored.segments.filter((segment) => segment.lastTimeMs >= fromMs && segment.firstTimeMs <= toMs);
  for (const segment of segments) {
    const checked = checkSegment(segment, keys, options.archiveDir, {
      next: segment.firstSeq,
      prevHash: undefined,
      tree: undefined,
      purgeCutoffMs: stored.purgeCutoff,
    });
    findings.push(...checked.findings);
    recordsChecked += checked.recordsChecked;
    if (checked.recordsChecked > 0) segmentsChecked++;
    firstSeq ??= segment.firstSeq;
    lastSeq = segment.lastSeq;
  }

  const range = await store.read((tx) => tx.audit.seqRange(fromMs, toMs));
  if (range) {
    const { prevHash, tree } = await store.read(async (tx) => {
      const [previous] = range.first > 0 ? await tx.audit.leafHashes(range.first - 1, range.first) : [];
      let start: CompactRange | undefined;
      try {
        start = await compactRangeAt(new StoredTree(tx.audit), range.first);
      } catch {
        start = undefined;
      }
      return {
        prevHash: range.first === 0 ? Buffer.from(genesisPrev, 'hex') : previous ? Buffer.from(previous) : undefined,
        tree: start,
      };
    });
    if (!tree)
      findings.push(
        note('checkpoint', `checkpoint roots not recomputed: the tree before record ${range.first} is archived`),
      );
    const walk = new ChainWalk({ seq: range.first, prevHash, tree }, (hash, mac) => trail.isAuthentic(hash, mac));
    const roots = new RootChecker(checkpoints, range.first);
    await walkStored(trail, walk, roots, range.first, range.last);
    findings.push(...walk.findings(), ...roots.findings);
    recordsChecked += walk.recordsChecked;
    firstSeq ??= range.first;
    lastSeq = range.last;
    findings.push(...(await anchorRange(trail, checkpoints, range.last, walk.lastHash)));
  }
  return { findings, recordsChecked, firstSeq, lastSeq, segmentsChecked };
}

/**
 * Feeds stored records [from, to] to the walk page by page, letting other work run between pages, and
 * compares checkpoint roots as the walk reaches them. Returns the first seq seen.
 */
async function walkStored(
  trail: AuditTrail,
  walk: ChainWalk,
  roots: RootChecker,
  from: number,
  to: number,
): Promise<number | undefined> {
  let first: number | undefined;
  for (let next = from; next <= to; ) {
    const rows = await trail.store.read((tx) => tx.audit.records(next, Math.min(pageSize, to - next + 1)));
    for (const row of rows) {
      if (row.seq > to) return first;
      first ??= row.seq;
      walk.push(row);
      const range = walk.range;
      if (range && walk.lastHash) roots.reached(range, walk.lastHash);
    }
    if (rows.length === 0) break;
    next = rows[rows.length - 1]!.seq + 1;
    await nextTurn();
  }
  return first;
}

/** The range's last record must be in the tree of the first valid checkpoint that covers it. */
async function anchorRange(
  trail: AuditTrail,
  checkpoints: CheckedCheckpoint[],
  lastSeq: number,
  lastHash: Buffer | undefined,
): Promise<Finding[]> {
  const anchor = checkpoints
    .filter((checkpoint) => checkpoint.statement.treeSize > lastSeq)
    .sort((a, b) => a.statement.treeSize - b.statement.treeSize)[0];
  if (!anchor) {
    return [note('unsealed', `record ${lastSeq} is not yet covered by a signed checkpoint`, { lastSeq })];
  }
  if (!lastHash) return [];
  try {
    const proof = await trail.store.read((tx) =>
      inclusionProof(new StoredTree(tx.audit), lastSeq, anchor.statement.treeSize),
    );
    if (
      verifyInclusion(
        lastHash,
        lastSeq,
        anchor.statement.treeSize,
        proof,
        Buffer.from(anchor.statement.rootHash, 'hex'),
      )
    ) {
      return [];
    }
  } catch {
    // A proof that cannot be built means the stored tree is damaged: reported as the same failure.
  }
  return [
    failure('checkpoint', `record ${lastSeq} is not in the tree checkpoint ${anchor.seq} signed: the log was altered`, {
      lastSeq,
      checkpoint: anchor.seq,
    }),
  ];
}
