import { parseArgs } from 'node:util';
import { AuditService } from '../audit/index.ts';
import { isPciqError } from '../core/index.ts';
import { type SearchPage, type SearchQuery, searchQueryFromOptions } from './audit-search-query.ts';
import { AuditSession, dataDirOptions } from './audit-session.ts';
import { CliError } from './data-dir.ts';

export const searchUsage = `pciq audit search [--from TIME] [--to TIME] [--principal ARN] [--event-type TYPE] [--resource ARN]
                  [--outcome success|failure] [--source-ip IP] [--request-id ID] [--limit N] [--next-token T] [--json]
  Searches the last months of the trail (the searchable period), oldest first, as a table or as JSON.`;

function cell(value: string | null | undefined, width: number): string {
  const text = value ?? '-';
  return (text.length > width ? `${text.slice(0, width - 1)}…` : text).padEnd(width);
}

function table(page: SearchPage): string {
  const lines = [
    `${cell('TIME', 24)} ${cell('SEQ', 7)} ${cell('EVENT', 28)} ${cell('OUTCOME', 30)} ${cell('PRINCIPAL', 44)} ${cell('SOURCE', 16)} RESOURCE`,
  ];
  for (const { record, isIntact } of page.records) {
    const outcome = record.error ? `${record.outcome} ${record.error}` : record.outcome;
    lines.push(
      `${cell(record.time, 24)} ${cell(`${isIntact ? '' : '!'}${record.seq}`, 7)} ${cell(record.type, 28)} ${cell(outcome, 30)} ${cell(record.actor.principal ?? record.actor.accessKeyId, 44)} ${cell(record.origin.ip, 16)} ${record.resource ?? '-'}`,
    );
  }
  if (page.records.some((found) => !found.isIntact)) {
    lines.push('! marks a record that does not match its hash or MAC: run `pciq audit verify`');
  }
  if (page.nextToken) lines.push(`more: --next-token ${page.nextToken}`);
  return `${lines.join('\n')}\n`;
}

export async function auditSearchCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...dataDirOptions,
      from: { type: 'string' },
      to: { type: 'string' },
      principal: { type: 'string' },
      'event-type': { type: 'string' },
      resource: { type: 'string' },
      outcome: { type: 'string' },
      'source-ip': { type: 'string' },
      'request-id': { type: 'string' },
      limit: { type: 'string' },
      'next-token': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const query: SearchQuery = searchQueryFromOptions(values);
  const session = await AuditSession.open(values);
  try {
    let page: SearchPage;
    try {
      page = await new AuditService(session.trail).search(query);
    } catch (error) {
      if (isPciqError(error)) throw new CliError(error.message);
      throw error;
    }
    await session.recordAccess('audit:SearchTrail', 'success', {
      from: query.fromMs === undefined ? null : new Date(query.fromMs).toISOString(),
      to: query.toMs === undefined ? null : new Date(query.toMs).toISOString(),
      principal: query.principal ?? null,
      eventType: query.eventType ?? null,
      resource: query.resource ?? null,
      outcome: query.outcome ?? null,
      sourceIp: query.sourceIp ?? null,
      results: page.records.length,
    });
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ records: page.records.map((found) => ({ ...found.record, isIntact: found.isIntact })), ...(page.nextToken ? { nextToken: page.nextToken } : {}) })}\n`,
      );
    } else {
      process.stdout.write(table(page));
    }
  } finally {
    await session.close();
  }
}
