import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EvidenceUnavailableError, exportEvidence } from '../audit/index.ts';
import { systemClock } from '../core/index.ts';
import { AuditSession, dataDirOptions, parseTimeRange } from './audit-session.ts';
import { CliError } from './data-dir.ts';

export const exportUsage = `pciq audit export --from TIME --to TIME --out FILE
  Writes the records of a time range with their signed checkpoints, RFC 9162 proofs and the public key:
  a bundle a third party checks with \`pciq audit verify --bundle FILE --key-id FINGERPRINT\`.`;

export async function auditExportCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { ...dataDirOptions, from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  if (!values.out) throw new CliError('--out FILE is required: where to write the bundle');
  const now = systemClock.now();
  const { fromMs, toMs } = parseTimeRange(values, now);
  const session = await AuditSession.open(values);
  try {
    let text: string;
    let records = 0;
    try {
      const bundle = await exportEvidence(session.trail, session.checkpointer, {
        archiveDir: session.paths.auditArchive,
        ...(fromMs === undefined ? {} : { fromMs }),
        ...(toMs === undefined ? {} : { toMs }),
      });
      records = bundle.pieces.reduce((sum, piece) => sum + piece.records.length, 0);
      text = `${JSON.stringify(bundle)}\n`;
    } catch (error) {
      if (error instanceof EvidenceUnavailableError) throw new CliError(error.message);
      throw error;
    }
    try {
      writeFileSync(values.out, text, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliError(
        code === 'EEXIST' ? `${values.out} already exists; pciq does not overwrite it` : `cannot write ${values.out}`,
      );
    }
    const sha256 = createHash('sha256').update(text).digest('hex');
    await session.recordAccess('audit:ExportTrail', 'success', {
      from: fromMs === undefined ? null : new Date(fromMs).toISOString(),
      to: toMs === undefined ? null : new Date(toMs).toISOString(),
      records,
      sha256,
    });
    process.stdout.write(`pciq audit export: wrote ${records} records to ${values.out} (sha256 ${sha256})\n`);
  } finally {
    await session.close();
  }
}
