import type {
  ChangeResult,
  FunctionView,
  LogEntry,
  MappingView,
  MapResult,
  MetricsSummary,
} from '../functions/index.ts';

function describeFunction(view: FunctionView): string {
  const secrets = view.secretEnvironmentVariables;
  const lines = [
    `function      ${view.name}`,
    `arn           ${view.arn}`,
    `version       ${view.version}${view.isCurrent ? ' (current)' : ''}`,
    `handler       ${view.handler}`,
    `role          ${view.role}`,
    `timeout       ${view.timeoutSec} s`,
    `memory        ${view.memoryMb} MB`,
    `code          ${view.codeSizeBytes} bytes, sha256 ${view.codeSha256}`,
    `environment   ${view.hasEnvironment ? `sealed${secrets.length > 0 ? `; secret-looking: ${secrets.join(', ')}` : ''}` : 'none'}`,
    `modified      ${view.lastModified}`,
  ];
  if (view.description) lines.push(`description   ${view.description}`);
  return `${lines.join('\n')}\n`;
}

function functionLine(view: FunctionView): string {
  return `${view.name.padEnd(24)} v${String(view.version).padEnd(4)} ${view.isCurrent ? 'current' : '       '}  ${view.handler.padEnd(24)} ${view.timeoutSec}s/${view.memoryMb}MB  ${view.role}  ${view.lastModified}`;
}

function mappingLine(view: MappingView): string {
  const extras = [
    `batch ${view.batchSize}`,
    `window ${view.batchWindowSec}s`,
    `concurrency ${view.maxConcurrency ?? 'host'}`,
    ...(view.reportBatchItemFailures ? ['partial failures'] : []),
    ...(view.filters.length > 0 ? [`${view.filters.length} filter(s)`] : []),
  ];
  return `${view.uuid}  ${view.state.padEnd(8)}  ${view.functionName}  ←  ${view.queueArn}  (${extras.join(', ')})  ${view.lastProcessingResult}`;
}

function logsText(entries: readonly LogEntry[]): string {
  if (entries.length === 0) return 'no invocations in that time\n';
  return entries
    .map(
      (entry) =>
        `--- ${entry.time}  ${entry.requestId}  v${entry.version}  ${entry.outcome}  ${entry.durationMs} ms\n${entry.text ?? '[unreadable: its key material was destroyed]\n'}`,
    )
    .join('');
}

function metricsText(summary: MetricsSummary): string {
  const row = (label: string, f: MetricsSummary['totals']) =>
    `${label.padEnd(24)} ${String(f.invocations).padStart(11)} ${String(f.errors).padStart(7)} ${String(f.throttles).padStart(9)} ${String(f.records).padStart(8)} ${String(f.averageDurationMs).padStart(10)} ${String(f.maxDurationMs).padStart(10)} ${String(f.maxIteratorAgeMs).padStart(13)}`;
  const header = `${'minute'.padEnd(24)} ${'invocations'.padStart(11)} ${'errors'.padStart(7)} ${'throttles'.padStart(9)} ${'records'.padStart(8)} ${'avg ms'.padStart(10)} ${'max ms'.padStart(10)} ${'max age ms'.padStart(13)}`;
  return `${[header, ...summary.minutes.map((minute) => row(minute.minute, minute)), row(`total since ${summary.since.slice(11, 16)}`, summary.totals)].join('\n')}\n`;
}

/** Human-readable output of `pciq functions COMMAND` (with --json the result is printed as it is). */
export function functionsText(command: string, result: unknown): string {
  switch (command) {
    case 'deploy':
    case 'update':
      return describeFunction((result as ChangeResult).function);
    case 'get':
      return describeFunction(result as FunctionView);
    case 'list':
    case 'versions': {
      const views = result as FunctionView[];
      return views.length > 0 ? `${views.map(functionLine).join('\n')}\n` : 'no functions\n';
    }
    case 'map':
      return `${mappingLine((result as MapResult).mapping)}\n`;
    case 'mappings': {
      const views = result as MappingView[];
      return views.length > 0 ? `${views.map(mappingLine).join('\n')}\n` : 'no event source mappings\n';
    }
    case 'enable':
    case 'disable':
      return `${mappingLine(result as MappingView)}\n`;
    case 'logs':
      return logsText(result as LogEntry[]);
    case 'metrics':
      return metricsText(result as MetricsSummary);
    default: {
      const deleted = result as { deleted: string; version?: number };
      return `deleted ${deleted.deleted}${deleted.version !== undefined ? ` version ${deleted.version}` : ''}\n`;
    }
  }
}
