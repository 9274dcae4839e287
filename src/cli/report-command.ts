import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildReport, reportCsv, reportHtml, reportOcsf } from '../compliance/index.ts';
import { systemClock } from '../core/index.ts';
import { ComplianceSession, complianceOptions } from './compliance-session.ts';
import { CliError } from './data-dir.ts';

export const reportUsage = `pciq report pci [--format html|json|csv|ocsf] [--out FILE] [--policies PATH]... [--compliance-config FILE]
  Scans, then writes the PCI DSS evidence report: html (one printable file, charts inline), json (schema in
  docs/pci-report.schema.json), csv (Prowler's columns, one row per requirement and finding) or ocsf (the
  findings as OCSF Detection Finding events). To stdout without --out.`;

const formats = ['html', 'json', 'csv', 'ocsf'] as const;

async function pci(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { ...complianceOptions, format: { type: 'string', default: 'html' }, out: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const format = values.format as (typeof formats)[number];
  if (!formats.includes(format)) throw new CliError(`--format must be one of ${formats.join(', ')}`);
  const session = await ComplianceSession.open(values);
  try {
    const scan = await session.scanner.scan(session.scanContext, { trigger: 'on-demand' });
    const report = await buildReport(session.audit.opened.store, scan, {
      accountId: session.scanContext.accountId,
      region: session.scanContext.region,
      nowMs: systemClock.now(),
    });
    const text =
      format === 'html'
        ? reportHtml(report)
        : format === 'csv'
          ? reportCsv(report)
          : format === 'ocsf'
            ? `${JSON.stringify(reportOcsf(report, scan.findings), null, 2)}\n`
            : `${JSON.stringify(report, null, 2)}\n`;
    await session.record('compliance:Report', {
      format,
      score: report.summary.score,
      fail: report.summary.fail,
      out: values.out ?? null,
    });
    if (values.out === undefined) process.stdout.write(text);
    else {
      try {
        writeFileSync(values.out, text, { mode: 0o640 });
      } catch (error) {
        throw new CliError(`cannot write ${values.out}: ${(error as Error).message}`);
      }
      process.stdout.write(`wrote the PCI DSS report (${format}, score ${report.summary.score}%) to ${values.out}\n`);
    }
  } finally {
    await session.close();
  }
}

export async function reportCommand(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name !== 'pci')
    throw new CliError(`unknown report '${String(name ?? '')}'; the one report is pci (run \`pciq help\`)`);
  await pci(rest);
}
