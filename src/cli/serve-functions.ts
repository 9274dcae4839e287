import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { AuditRuntime } from '../audit/index.ts';
import { systemClock } from '../core/index.ts';
import { checkSandboxReach, FunctionRunner } from '../functions/index.ts';
import type { IamService } from '../iam/index.ts';
import type { QueueService } from '../queues/index.ts';
import { CliError, type DataDirPaths, type OpenedDataDir } from './data-dir.ts';
import { functionDecisions, functionRoleSessions } from './function-roles.ts';

export const functionOptions = {
  'function-user': { type: 'string' },
  'function-processes': { type: 'string' },
} as const;

export interface FunctionHosting {
  /** Sandboxes run as this user (name, uid or uid:gid); pciq must be allowed to switch users. */
  user: { uid: number; gid: number } | undefined;
  maxProcesses: number;
}

/** A few sandboxes per core: most handlers wait on I/O; memory, not CPU, is what many more would exhaust. */
function defaultProcesses(): number {
  return Math.max(8, 4 * availableParallelism());
}

function userOf(text: string): { uid: number; gid: number } {
  const numeric = /^(\d+)(?::(\d+))?$/.exec(text);
  if (numeric) return { uid: Number(numeric[1]), gid: Number(numeric[2] ?? numeric[1]) };
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {}
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === text && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  throw new CliError(
    `--function-user ${text.slice(0, 64)} is not a user of this system; give a user name, a uid or uid:gid`,
  );
}

export function functionHostingOf(values: {
  'function-user'?: string;
  'function-processes'?: string;
}): FunctionHosting {
  const processes = values['function-processes'];
  const maxProcesses = processes === undefined ? defaultProcesses() : Number(processes);
  if (!Number.isInteger(maxProcesses) || maxProcesses < 1 || maxProcesses > 1000) {
    throw new CliError(`--function-processes must be a number from 1 to 1000, not ${processes}`);
  }
  const user = values['function-user'] === undefined ? undefined : userOf(values['function-user']);
  if (user && process.getuid?.() !== 0) {
    throw new CliError('--function-user needs pciq to run with the privilege to switch users (as root)');
  }
  return { user, maxProcesses };
}

type FunctionsOptions = {
  hosting: FunctionHosting;
  paths: DataDirPaths;
  opened: OpenedDataDir;
  audit: AuditRuntime;
  queues: QueueService;
  /** Sessions of the functions' execution roles, and the decisions their pollers ask for. */
  iam: IamService;
  endpoint: string;
  /** The development CA when the server uses pciq's own certificate. */
  caFile: string | undefined;
  log: (line: string) => void;
};

/**
 * Runs the event source mappings in the process that runs background work, on one node at a time among
 * those sharing a database (as Lambda's maximum concurrency is one limit, not one per node); if that node
 * goes, another takes over. Handlers reach pciq on the loopback address when it listens on every address.
 * Resolves with the function that stops it.
 */
export function startFunctions(options: FunctionsOptions): () => Promise<void> {
  let runner: FunctionRunner | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const stopRunner = () => {
    const stopping = runner;
    runner = undefined;
    running = running.then(() => stopping?.stop()).catch(() => undefined);
    return running;
  };
  const stopLeading = options.audit.store.lead('functions', {
    onLead: () => {
      runner = newRunner(options);
      const started = runner;
      running = running
        .then(() => started.start())
        .catch((error: unknown) => options.log(`pciq: functions did not start: ${(error as Error)?.message}\n`));
    },
    onLost: () => void stopRunner(),
  });
  return async () => {
    await stopLeading();
    await stopRunner();
  };
}

function newRunner(options: FunctionsOptions): FunctionRunner {
  const { opened, audit } = options;
  return new FunctionRunner({
    context: {
      store: audit.store,
      clock: systemClock,
      sealer: opened.keys,
      region: opened.region,
      audit: audit.events,
      queues: options.queues,
      roleSessions: functionRoleSessions(options.iam),
      // The runner's process may serve no request that would bring IAM's directory up to date: each poll's
      // decision reads the identity revision first, so a role quarantined or a policy detached anywhere
      // applies to the next poll.
      authorize: functionDecisions(options.iam, () => options.iam.directory.sync()),
    },
    endpoint: options.endpoint.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:'),
    caFile: options.caFile,
    user: options.hosting.user,
    maxProcesses: options.hosting.maxProcesses,
    protectedPaths: [options.paths.dataDir, options.paths.keyFile],
    log: options.log,
  });
}

/** Checked before anything starts, so that a refusal leaves nothing running. */
export function checkFunctionHosting(paths: DataDirPaths): void {
  try {
    checkSandboxReach([paths.dataDir, paths.keyFile]);
  } catch (error) {
    throw new CliError(`functions cannot run safely: ${(error as Error).message}`);
  }
}
