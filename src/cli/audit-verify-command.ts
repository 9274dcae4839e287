import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import {
  type BundleVerification,
  type ExportBundle,
  type TrailVerification,
  verifyBundle,
  verifyTrail,
} from '../audit/index.ts';
import { systemClock } from '../core/index.ts';
import { AuditSession, dataDirOptions, parseTimeRange } from './audit-session.ts';
import { CliError } from './data-dir.ts';

/** Exit status of a verification that found the trail altered (errors running the command exit 1). */
export const verificationFailedExit = 3;

export const verifyUsage = `pciq audit verify [--from TIME] [--to TIME] [--json]
pciq audit verify --bundle FILE [--key-id FINGERPRINT] [--json]
  Checks the trail (signing keys, checkpoint signatures and chain, archive segments, every record, every
  checkpoint's Merkle root) and names each record or range that was altered, removed, reordered or
  inserted. --bundle verifies an export on its own; --key-id pins the operator's key fingerprint.
  Exit 0: verified; 3: verification failed; 1: could not verify.`;

type Report = TrailVerification | BundleVerification;

function print(report: Report, asJson: boolean): void {
  if (asJson) {
    process.stdout.write(`${JSON.stringify({ result: report.isValid ? 'pass' : 'fail', ...report })}\n`);
    return;
  }
  const lines = [`pciq audit verify: ${report.isValid ? 'PASS' : 'FAIL'}`];
  for (const finding of report.findings) {
    lines.push(`  ${finding.isFailure ? 'FAIL' : 'note'}  ${finding.kind.padEnd(10)} ${finding.message}`);
  }
  const range = report.firstSeq === undefined ? '' : ` (${report.firstSeq}..${report.lastSeq})`;
  const segments = 'segmentsChecked' in report ? `, ${report.segmentsChecked} archive segments` : '';
  lines.push(
    `checked ${report.recordsChecked} records${range}, ${report.checkpointsChecked} signed checkpoints${segments}; signing key ${report.keyIds.join(', ') || '(none)'}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

function readBundle(path: string): ExportBundle {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new CliError(`cannot read the bundle ${path}`);
  }
  try {
    const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
    return JSON.parse(text) as ExportBundle;
  } catch {
    throw new CliError(`${path} is not a pciq audit export`);
  }
}

export async function auditVerifyCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...dataDirOptions,
      from: { type: 'string' },
      to: { type: 'string' },
      bundle: { type: 'string' },
      'key-id': { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.bundle !== undefined) {
    const pinned = values['key-id'] ?? [];
    if (pinned.some((id) => !/^[0-9a-f]{64}$/.test(id)))
      throw new CliError('--key-id is a SHA-256 fingerprint: 64 hex digits');
    const report = verifyBundle(readBundle(values.bundle), pinned);
    print(report, values.json);
    if (!report.isValid) process.exitCode = verificationFailedExit;
    return;
  }
  const now = systemClock.now();
  const { fromMs, toMs } = parseTimeRange(values, now);
  const session = await AuditSession.open(values);
  try {
    const report = await verifyTrail(session.trail, {
      archiveDir: session.paths.auditArchive,
      ...(fromMs === undefined ? {} : { fromMs }),
      ...(toMs === undefined ? {} : { toMs }),
    });
    const failures = report.findings.filter((finding) => finding.isFailure);
    await session.recordAccess('audit:VerifyTrail', report.isValid ? 'success' : 'failure', {
      source: 'command',
      from: fromMs === undefined ? null : new Date(fromMs).toISOString(),
      to: toMs === undefined ? null : new Date(toMs).toISOString(),
      records: report.recordsChecked,
      checkpoints: report.checkpointsChecked,
      failures: failures.length,
      firstFailure: failures[0]?.message ?? null,
    });
    print(report, values.json);
    if (!report.isValid) process.exitCode = verificationFailedExit;
  } finally {
    await session.close();
  }
}
