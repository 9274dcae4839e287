import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isInside } from '../crypto/index.ts';
import type { FunctionsContext } from './context.ts';
import { FunctionInvoker } from './invoker.ts';
import { MappingPoller } from './mapping-poller.ts';
import { InvocationRecorder } from './observations.ts';
import { CachedRoleSessions } from './role-sessions.ts';
import { CodeCache } from './sandbox/code-cache.ts';
import { SandboxLauncher } from './sandbox/launcher.ts';
import { MemoryWatch } from './sandbox/memory-watch.ts';
import { InvocationSlots } from './slots.ts';

export interface FunctionRunnerOptions {
  context: FunctionsContext;
  /** pciq's endpoint as handlers reach it (AWS_ENDPOINT_URL). */
  endpoint: string;
  /** The endpoint's CA certificate when it is not publicly trusted (pciq's development CA). */
  caFile: string | undefined;
  /** Sandboxes run as this operating-system user when given (needs the privilege to switch users). */
  user: { uid: number; gid: number } | undefined;
  /** Sandboxes running at once on this host, across functions. */
  maxProcesses: number;
  /** Files and directories no sandbox may ever be allowed to read: the data directory, the root key file. */
  protectedPaths: readonly string[];
  log: (line: string) => void;
}

const reloadIntervalMs = 2_000;
const flushIntervalMs = 10_000;
const sweepIntervalMs = 3_600_000;
export const bootstrapFile = fileURLToPath(new URL('./sandbox/runtime/bootstrap.mjs', import.meta.url));

/** The node_modules of pciq's installation when it holds the AWS SDK, offered to handlers as Lambda offers the SDK. */
function runtimeModulesDir(): string | undefined {
  const dir = resolve(dirname(bootstrapFile), '../../../../node_modules');
  return existsSync(join(dir, '@aws-sdk', 'client-sqs')) ? realpathSync(dir) : undefined;
}

/**
 * Refuses a setup where a sandbox could read a protected path (the data directory, the root key file)
 * through what it is allowed to read: pciq's runtime files, its modules, the directory code is unpacked to.
 */
export function checkSandboxReach(protectedPaths: readonly string[], codeRoot?: string): void {
  const modules = runtimeModulesDir();
  const readable = [dirname(bootstrapFile), ...(codeRoot ? [codeRoot] : []), ...(modules ? [modules] : [])];
  for (const path of protectedPaths) {
    const conflict = readable.find((allowed) => resolve(path) === resolve(allowed) || isInside(allowed, path));
    if (conflict) {
      throw new Error(
        `sandboxes would be allowed to read ${conflict}, which holds ${path}; keep the data directory and key file elsewhere`,
      );
    }
  }
}

/**
 * Runs the event source mappings of a serving process (one process per data directory runs it: the only
 * server, or the primary of several). It follows the store: every change of functions, versions or
 * mappings (made by `pciq functions` while it runs) starts, restarts or stops pollers within seconds.
 */
export class FunctionRunner {
  private readonly options: FunctionRunnerOptions;
  private readonly context: FunctionsContext;
  private readonly codeCache: CodeCache;
  private readonly launcher = new SandboxLauncher();
  private readonly invoker: FunctionInvoker;
  private readonly recorder: InvocationRecorder;
  private readonly slots: InvocationSlots;
  private readonly pollers = new Map<string, MappingPoller>();
  /** Pollers told to stop whose batches in flight are still settling. */
  private readonly stopping = new Set<Promise<void>>();
  private readonly timers: Array<() => void> = [];
  private revision: string | undefined;
  private running = false;
  private reconciling: Promise<void> = Promise.resolve();

  constructor(options: FunctionRunnerOptions) {
    this.options = options;
    this.context = {
      ...options.context,
      roleSessions: new CachedRoleSessions(options.context.roleSessions, () => options.context.clock.now()),
    };
    this.codeCache = new CodeCache({ owner: options.user });
    try {
      checkSandboxReach(options.protectedPaths, this.codeCache.root);
    } catch (error) {
      this.codeCache.dispose();
      throw error;
    }
    const modules = runtimeModulesDir();
    this.invoker = new FunctionInvoker(this.context, {
      nodePath: process.execPath,
      bootstrapFile,
      runtimeModulesDir: modules,
      endpoint: options.endpoint,
      caFile: options.caFile ? this.codeCache.share(options.caFile, 'ca.pem') : undefined,
      user: options.user,
      codeCache: this.codeCache,
      launcher: this.launcher,
      memoryWatch: new MemoryWatch(),
    });
    this.recorder = new InvocationRecorder(options.context);
    this.slots = new InvocationSlots(options.maxProcesses);
  }

  /** Event source mappings being polled, by id, with their current concurrency. */
  get activeMappings(): ReadonlyMap<string, number> {
    return new Map([...this.pollers].map(([uuid, poller]) => [uuid, poller.concurrency]));
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.reconcile();
    this.every(reloadIntervalMs, () => this.reconcileIfChanged());
    this.every(flushIntervalMs, () => this.recorder.flush());
    this.every(sweepIntervalMs, async () => void (await this.recorder.sweep()));
  }

  /** Stops polling, lets batches in flight finish (each bounded by its function's timeout), and cleans up. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const cancel of this.timers.splice(0)) cancel();
    await this.reconciling;
    for (const poller of this.pollers.values()) this.retire(poller);
    this.pollers.clear();
    await Promise.allSettled([...this.stopping]);
    this.invoker.dispose();
    await this.recorder.flush().catch(() => undefined);
    this.launcher.stop();
    this.codeCache.dispose();
  }

  private every(intervalMs: number, work: () => Promise<unknown>): void {
    const schedule = () => {
      const cancel = this.context.clock.setTimer(intervalMs, () => {
        const index = this.timers.indexOf(cancel);
        if (index >= 0) this.timers.splice(index, 1);
        work()
          .catch((error: unknown) => this.options.log(`pciq: functions: ${(error as Error)?.message ?? error}\n`))
          .finally(() => {
            if (this.running) schedule();
          });
      });
      this.timers.push(cancel);
    };
    schedule();
  }

  /** Stops a poller without holding up the others: its last batches may run up to the function's timeout. */
  private retire(poller: MappingPoller): void {
    const stopped: Promise<void> = poller.stop().finally(() => this.stopping.delete(stopped));
    this.stopping.add(stopped);
  }

  private async reconcileIfChanged(): Promise<void> {
    const revision = await this.context.store.read((tx) => tx.functions.revision());
    if (revision !== this.revision) await this.reconcile();
  }

  private reconcile(): Promise<void> {
    this.reconciling = this.reconciling.then(() => this.reconcileNow());
    return this.reconciling;
  }

  private async reconcileNow(): Promise<void> {
    const { revision, mappings } = await this.context.store.read(async (tx) => ({
      revision: await tx.functions.revision(),
      mappings: await tx.functions.listAllMappings(),
    }));
    this.revision = revision;
    const wanted = new Map(mappings.filter((mapping) => mapping.isEnabled).map((mapping) => [mapping.uuid, mapping]));
    await this.invoker.refresh(
      new Set([...wanted.values()].map((mapping) => `${mapping.accountId}\n${mapping.functionName}`)),
    );
    for (const [uuid, poller] of this.pollers) {
      const mapping = wanted.get(uuid);
      if (mapping && mapping.updatedAtMs === poller.mapping.updatedAtMs) continue;
      this.pollers.delete(uuid);
      this.retire(poller);
    }
    if (!this.running) return;
    for (const [uuid, mapping] of wanted) {
      if (this.pollers.has(uuid)) continue;
      const poller = new MappingPoller(
        {
          context: this.context,
          invoker: this.invoker,
          recorder: this.recorder,
          slots: this.slots,
          log: this.options.log,
        },
        mapping,
      );
      this.pollers.set(uuid, poller);
      poller.start();
    }
  }
}
