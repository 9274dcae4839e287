import { parseArgs } from 'node:util';
import { Archiver, retentionInForce } from '../audit/index.ts';
import { AuditSession, dataDirOptions } from './audit-session.ts';

export const archiveUsage = `pciq audit archive
  Moves records older than the searchable period into signed archive segments (DIR/audit-archive) and
  purges segments past retention now, as \`pciq serve\` does every hour, under the retention in force.`;

export async function auditArchiveCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: dataDirOptions, strict: true, allowPositionals: false });
  const session = await AuditSession.open(values);
  try {
    const policy = await session.trail.store.read((tx) => retentionInForce(tx));
    const archiver = new Archiver(session.trail, session.checkpointer, {
      archiveDir: session.paths.auditArchive,
      policy,
    });
    const result = await archiver.run();
    await session.checkpointer.checkpoint('command');
    process.stdout.write(
      `pciq audit archive: ${result.archived.length} segments archived, ${result.purged.length} purged (retention ${policy.retainDays} days, ${policy.hotDays} searchable)\n`,
    );
  } finally {
    await session.close();
  }
}
