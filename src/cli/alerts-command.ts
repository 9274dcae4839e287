import { parseArgs } from 'node:util';
import { AuditService } from '../audit/index.ts';
import { systemClock } from '../core/index.ts';
import { AuditSession, dataDirOptions, parseTimeOption } from './audit-session.ts';
import { CliError } from './data-dir.ts';

export const alertsUsage = `pciq alerts list [--since TIME] [--limit N] [--json]
  Lists the alerts the review rules raised, newest first, with where each was delivered.`;

async function list(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...dataDirOptions,
      since: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const sinceMs = parseTimeOption('since', values.since, systemClock.now()) ?? 0;
  if (values.limit !== undefined && !/^[1-9]\d{0,3}$/.test(values.limit))
    throw new CliError('--limit must be a whole number up to 9999');
  const limit = Number(values.limit ?? 100);
  const session = await AuditSession.open(values);
  try {
    const alerts = await new AuditService(session.trail).listAlerts(sinceMs, limit);
    await session.recordAccess('audit:ListAlerts', 'success', {
      since: new Date(sinceMs).toISOString(),
      results: alerts.length,
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ alerts })}\n`);
      return;
    }
    const lines = alerts.map((alert) => {
      const delivery = Object.entries(alert.delivery)
        .map(([sink, state]) => `${sink}:${(state as { status: string }).status}`)
        .join(' ');
      return `${alert.time}  #${alert.id}  ${alert.severity.padEnd(8)} ${alert.ruleId.padEnd(26)} ${alert.summary}  [record ${alert.recordSeq}; ${delivery}]`;
    });
    process.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : 'no alerts\n');
  } finally {
    await session.close();
  }
}

export async function alertsCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'list') throw new CliError(`unknown alerts command '${String(sub ?? '')}'; run \`pciq help\``);
  await list(rest);
}
