import { parseArgs } from 'node:util';
import { AuditEvents } from '../audit/index.ts';
import { isPciqError, systemClock } from '../core/index.ts';
import {
  FunctionAdmin,
  FunctionObservations,
  type FunctionsContext,
  MappingAdmin,
  readCode,
} from '../functions/index.ts';
import { IamService } from '../iam/index.ts';
import { QueueService } from '../queues/index.ts';
import { AuditSession, dataDirOptions, parseTimeOption } from './audit-session.ts';
import { CliError } from './data-dir.ts';
import { defaultHost, defaultPort } from './defaults.ts';
import { functionDecisions, functionRoleSessions } from './function-roles.ts';
import { functionsText } from './functions-output.ts';
import { endpointOf } from './init-command.ts';

export const functionsUsage = `pciq functions COMMAND [--data-dir DIR | --store URL] [--json]
  deploy NAME --code DIR_OR_FILE --handler FILE.EXPORT --role ROLE_ARN [--timeout S] [--memory MB]
         [--env K=V ...] [--description TEXT]      a Lambda-compatible Node.js handler, as version 1
  update NAME [--code DIR_OR_FILE] [--handler FILE.EXPORT] [--role ROLE_ARN] [--timeout S] [--memory MB]
         [--env K=V ... | --clear-env] [--description TEXT]   a new version, made current
  list | get NAME [--version N] | versions NAME | delete NAME [--version N]
  map NAME --queue QUEUE [--batch-size 1-10000] [--batch-window S] [--max-concurrency 2-1000]
      [--report-batch-item-failures] [--filter PATTERN ...] [--disabled]   feed the queue's messages to NAME
  mappings [NAME] | enable MAPPING_ID | disable MAPPING_ID | unmap MAPPING_ID
  logs NAME [--since TIME] [--limit N]             invocation logs (PANs and secrets masked)
  metrics NAME [--since TIME]                      invocations, errors, duration, throttles, iterator age
  Code and environment are stored sealed; environment values that look like secrets are flagged, known key
  formats refused. Changes take effect in a running pciq serve within seconds. See docs/functions.md.`;

const options = {
  ...dataDirOptions,
  json: { type: 'boolean', default: false },
  code: { type: 'string' },
  handler: { type: 'string' },
  role: { type: 'string' },
  timeout: { type: 'string' },
  memory: { type: 'string' },
  env: { type: 'string', multiple: true },
  'clear-env': { type: 'boolean', default: false },
  description: { type: 'string' },
  version: { type: 'string' },
  queue: { type: 'string' },
  'batch-size': { type: 'string' },
  'batch-window': { type: 'string' },
  'max-concurrency': { type: 'string' },
  'report-batch-item-failures': { type: 'boolean', default: false },
  filter: { type: 'string', multiple: true },
  disabled: { type: 'boolean', default: false },
  since: { type: 'string' },
  limit: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

function wholeNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text)) throw new CliError(`--${name} must be a whole number, not ${text.slice(0, 40)}`);
  return Number(text);
}

function required(name: string, value: string | undefined, command: string): string {
  if (value === undefined) throw new CliError(`pciq functions ${command} needs --${name}`);
  return value;
}

interface Services {
  functions: FunctionAdmin;
  mappings: MappingAdmin;
  observations: FunctionObservations;
  accountId: string;
  session: AuditSession;
}

async function run(services: Services, command: string, target: string | undefined, values: Values) {
  const { functions, mappings, accountId } = services;
  const name = () => {
    if (target === undefined) throw new CliError(`pciq functions ${command} needs a function NAME`);
    return target;
  };
  const mappingId = () => {
    if (target === undefined)
      throw new CliError(`pciq functions ${command} needs a MAPPING_ID (see pciq functions mappings)`);
    return target;
  };
  switch (command) {
    case 'deploy':
      return functions.deploy(accountId, {
        name: name(),
        code: readCode(required('code', values.code, command)),
        handler: required('handler', values.handler, command),
        roleArn: required('role', values.role, command),
        timeoutSec: wholeNumber('timeout', values.timeout),
        memoryMb: wholeNumber('memory', values.memory),
        environment: values.env,
        description: values.description,
      });
    case 'update': {
      if (values['clear-env'] && values.env) throw new CliError('--env and --clear-env cannot go together');
      return functions.update(accountId, name(), {
        ...(values.code !== undefined ? { code: readCode(values.code) } : {}),
        handler: values.handler,
        roleArn: values.role,
        timeoutSec: wholeNumber('timeout', values.timeout),
        memoryMb: wholeNumber('memory', values.memory),
        environment: values.env,
        clearEnvironment: values['clear-env'],
        description: values.description,
      });
    }
    case 'list':
      return functions.list(accountId);
    case 'get':
      return functions.get(accountId, name(), wholeNumber('version', values.version));
    case 'versions':
      return functions.versions(accountId, name());
    case 'delete':
      await functions.delete(accountId, name(), wholeNumber('version', values.version));
      return { deleted: name(), ...(values.version !== undefined ? { version: Number(values.version) } : {}) };
    case 'map':
      return mappings.map(accountId, name(), {
        queue: required('queue', values.queue, command),
        batchSize: wholeNumber('batch-size', values['batch-size']),
        batchWindowSec: wholeNumber('batch-window', values['batch-window']),
        maxConcurrency: wholeNumber('max-concurrency', values['max-concurrency']),
        reportBatchItemFailures: values['report-batch-item-failures'],
        filterPatterns: values.filter,
        isEnabled: !values.disabled,
      });
    case 'mappings':
      return mappings.list(accountId, target);
    case 'enable':
    case 'disable':
      return mappings.setEnabled(accountId, mappingId(), command === 'enable');
    case 'unmap':
      await mappings.unmap(accountId, mappingId());
      return { deleted: mappingId() };
    case 'logs':
      return readLogs(services, name(), values);
    case 'metrics':
      return services.observations.metrics(
        accountId,
        name(),
        parseTimeOption('since', values.since ?? '1h', systemClock.now()) ?? 0,
      );
    default:
      throw new CliError(`unknown functions command '${command}'; run \`pciq help\` for the commands`);
  }
}

/** Reading invocation logs is recorded: they hold what handlers printed about the messages they processed. */
async function readLogs(services: Services, name: string, values: Values) {
  const sinceMs = parseTimeOption('since', values.since ?? '1h', systemClock.now()) ?? 0;
  const limit = wholeNumber('limit', values.limit) ?? 100;
  if (limit < 1 || limit > 10_000) throw new CliError('--limit must be from 1 to 10000');
  await services.functions.get(services.accountId, name);
  const logs = await services.observations.logs(services.accountId, name, { sinceMs, limit });
  await services.session.recordAccess('lambda:GetLogs', 'success', {
    function: name,
    since: new Date(sinceMs).toISOString(),
    results: logs.length,
  });
  return logs;
}

export async function functionsCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  const [command, target, ...extra] = positionals;
  if (command === undefined) throw new CliError('pciq functions needs a command; run `pciq help` for the commands');
  if (extra.length > 0) throw new CliError(`unexpected argument ${extra[0]}`);
  const session = await AuditSession.open(values);
  const { opened } = session;
  const events = new AuditEvents(session.trail);
  // Mapping a queue checks that the function's role may receive and delete on it, as IAM decides.
  const iam = new IamService({ store: opened.store, sealer: opened.keys, clock: systemClock, audit: events });
  const queues = new QueueService({
    store: opened.store,
    clock: systemClock,
    sealer: opened.keys,
    region: opened.region,
    endpoint: endpointOf(defaultHost, defaultPort),
  });
  const context: FunctionsContext = {
    store: opened.store,
    clock: systemClock,
    sealer: opened.keys,
    region: opened.region,
    audit: events,
    queues,
    roleSessions: functionRoleSessions(iam),
    authorize: functionDecisions(iam),
  };
  try {
    const result = await run(
      {
        functions: new FunctionAdmin(context),
        mappings: new MappingAdmin(context),
        observations: new FunctionObservations(context),
        accountId: opened.accountId,
        session,
      },
      command,
      target,
      values,
    );
    const warnings = (result as { warnings?: string[] } | undefined)?.warnings ?? [];
    for (const warning of warnings) process.stderr.write(`pciq functions: warning: ${warning}\n`);
    process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : functionsText(command, result));
    await session.checkpointer.checkpoint('command');
  } catch (error) {
    // Refusals are the operator's to fix: one line with the error name (as AWS Lambda names it) and the reason.
    if (isPciqError(error)) throw new CliError(`${error.code}: ${error.message}`);
    throw error;
  } finally {
    queues.stop();
    await opened.keys.flushUsage().catch(() => undefined);
    await session.close();
  }
}
