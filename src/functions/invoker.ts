import { randomUUID } from 'node:crypto';
import { PciqError } from '../core/index.ts';
import type { FunctionRow, FunctionVersionRow } from '../storage/index.ts';
import { unpackCode } from './code-bundle.ts';
import type { FunctionsContext } from './context.ts';
import { functionArn } from './names.ts';
import type { RoleSession } from './role-sessions.ts';
import type { CodeCache } from './sandbox/code-cache.ts';
import { sandboxEnvironment } from './sandbox/environment.ts';
import type { SandboxLauncher } from './sandbox/launcher.ts';
import type { MemoryWatch } from './sandbox/memory-watch.ts';
import { type InvocationResult, Sandbox } from './sandbox/sandbox.ts';
import { SandboxPool, type StartedSandbox } from './sandbox/sandbox-pool.ts';
import { openCode, openEnvironment } from './sealing.ts';

/** Where sandboxes come from and what they may reach. */
export interface SandboxRuntime {
  nodePath: string;
  bootstrapFile: string;
  /** Modules offered to handlers that do not bundle them (the AWS SDK, as Lambda's runtime provides it). */
  runtimeModulesDir: string | undefined;
  /** pciq's endpoint as handlers reach it. */
  endpoint: string;
  /** A readable copy of the CA bundle for the endpoint, when its certificate is not publicly trusted. */
  caFile: string | undefined;
  user: { uid: number; gid: number } | undefined;
  codeCache: CodeCache;
  launcher: SandboxLauncher;
  memoryWatch: MemoryWatch;
}

/** A function version ready to run: its settings, environment opened, code unpacked, processes warming. */
export interface RunnableVersion {
  row: FunctionVersionRow;
  arn: string;
  codeDir: string;
  variables: Record<string, string>;
  /** Values to keep out of logs: flagged environment values. */
  secretValues: string[];
  pool: SandboxPool;
}

export interface Invocation {
  requestId: string;
  session: RoleSession;
  result: InvocationResult;
}

/**
 * How long a warm process serves its function version at most. Lambda recycles execution environments after
 * hours; a shorter life bounds what one can accumulate (memory, state of the handler's module).
 */
const maxWarmLifeMs = 15 * 60_000;
/** Margin between a process's last invocation and the expiry of its credentials. */
const credentialMarginMs = 60_000;

/**
 * Names a function version the invoker prepared: account, name, when the function was created, version.
 * A function deleted and deployed again under its name starts again at version 1, with other code, another
 * environment and maybe another role: its creation time keeps it from being taken for the old one's.
 */
function versionKey(row: FunctionRow): string {
  return `${row.accountId}\n${row.name}\n${row.createdAtMs}\n${row.currentVersion}`;
}

/** Runs batches in sandboxes, warm processes per function version, for the current version of each function. */
export class FunctionInvoker {
  private readonly context: FunctionsContext;
  private readonly runtime: SandboxRuntime;
  /** Prepared versions by `versionKey`. */
  private readonly versions = new Map<string, Promise<RunnableVersion>>();
  /** The functions whose current version was read, by account and name. */
  private readonly currentVersions = new Map<string, Promise<FunctionRow>>();
  /** The role session each process was started with: its environment holds that session's credentials. */
  private readonly sandboxSessions = new WeakMap<Sandbox, RoleSession>();

  constructor(context: FunctionsContext, runtime: SandboxRuntime) {
    this.context = context;
    this.runtime = runtime;
  }

  /** The current version of a function, prepared on first use. */
  async current(accountId: string, name: string): Promise<RunnableVersion> {
    const functionKey = `${accountId}\n${name}`;
    let version = this.currentVersions.get(functionKey);
    if (!version) {
      version = this.context.store.read(async (tx) => {
        const row = await tx.functions.getFunction(accountId, name);
        if (!row) throw new PciqError('ResourceNotFoundException', `Function not found: ${name}`);
        return row;
      });
      this.currentVersions.set(functionKey, version);
      version.catch(() => this.currentVersions.delete(functionKey));
    }
    const row = await version;
    const key = versionKey(row);
    let runnable = this.versions.get(key);
    if (!runnable) {
      runnable = this.prepare(accountId, name, row.currentVersion, key);
      this.versions.set(key, runnable);
      runnable.catch(() => this.versions.delete(key));
    }
    return runnable;
  }

  /**
   * Forgets which versions are current (after a deploy or update), and drops, with their warm processes,
   * versions no longer current and those of functions no enabled mapping feeds (`active`: account and name
   * joined by a newline), such as a disabled or quarantined function's.
   */
  async refresh(active: ReadonlySet<string>): Promise<void> {
    this.currentVersions.clear();
    const live = new Set<string>();
    await this.context.store.read(async (tx) => {
      for (const key of this.versions.keys()) {
        const [accountId, name] = key.split('\n') as [string, string];
        const row = await tx.functions.getFunction(accountId, name);
        const isFed = active.has(`${accountId}\n${name}`);
        if (row && versionKey(row) === key && isFed) live.add(key);
      }
    });
    for (const [key, runnable] of this.versions) {
      if (live.has(key)) continue;
      this.versions.delete(key);
      void runnable.then((version) => version.pool.dispose()).catch(() => undefined);
    }
    await this.runtime.codeCache.retain(live);
  }

  private async prepare(accountId: string, name: string, number: number, key: string): Promise<RunnableVersion> {
    const { row, variables } = await this.context.store.read(async (tx) => {
      const found = await tx.functions.getVersion(accountId, name, number);
      if (!found) throw new PciqError('ResourceNotFoundException', `Function ${name} has no version ${number}`);
      const session = await this.context.sealer.session(tx);
      return { row: found, variables: openEnvironment(session, found) };
    });
    const codeDir = await this.runtime.codeCache.dirFor(key, async () => {
      const bundle = await this.context.store.read(async (tx) => {
        const sealed = await tx.functions.getCode(accountId, name, number);
        if (!sealed) throw new PciqError('ResourceNotFoundException', `Function ${name} has no version ${number}`);
        return openCode(await this.context.sealer.session(tx), accountId, name, number, sealed);
      });
      return unpackCode(bundle);
    });
    const runnable: RunnableVersion = {
      row,
      arn: functionArn(this.context.region, accountId, name, number),
      codeDir,
      variables,
      secretValues: row.secretEnvNames.map((secret) => variables[secret] ?? '').filter((value) => value !== ''),
      pool: new SandboxPool(() => this.startSandbox(runnable), this.context.clock),
    };
    return runnable;
  }

  private async startSandbox(runnable: RunnableVersion): Promise<StartedSandbox> {
    const { row } = runnable;
    const timeoutMs = row.timeoutSec * 1000;
    // The process keeps the credentials it starts with: they must outlive its life and its last invocation.
    const session = await this.context.roleSessions.sessionFor(
      row.roleArn,
      row.functionName,
      maxWarmLifeMs + timeoutMs + credentialMarginMs,
    );
    const expiresAtMs = session.credentials?.expiresAtMs ?? Number.POSITIVE_INFINITY;
    const retireAtMs = Math.min(this.context.clock.now() + maxWarmLifeMs, expiresAtMs - timeoutMs - credentialMarginMs);
    const env = sandboxEnvironment({
      functionName: row.functionName,
      version: row.version,
      memoryMb: row.memoryMb,
      region: this.context.region,
      handler: row.handler,
      codeDir: runnable.codeDir,
      endpoint: this.runtime.endpoint,
      caFile: this.runtime.caFile,
      credentials: session.credentials,
      variables: runnable.variables,
    });
    const sandbox = new Sandbox(
      {
        nodePath: this.runtime.nodePath,
        bootstrapFile: this.runtime.bootstrapFile,
        codeDir: runnable.codeDir,
        handler: row.handler,
        env,
        memoryMb: row.memoryMb,
        runtimeModulesDir: this.runtime.runtimeModulesDir,
        readableFiles: this.runtime.caFile ? [this.runtime.caFile] : [],
        user: this.runtime.user,
      },
      this.context.clock,
      this.runtime.launcher,
      this.runtime.memoryWatch,
    );
    this.sandboxSessions.set(sandbox, session);
    return { sandbox, retireAtMs };
  }

  /**
   * Runs one batch in a warm process of the version. The invocation's session is the one the process was
   * started with, whose credentials the handler acts with: the pollers may have moved on to a newer session
   * since, and it is the process's own credentials that its logs must not show and its audit records name.
   */
  async invoke(runnable: RunnableVersion, event: unknown): Promise<Invocation> {
    const { row } = runnable;
    const sandbox = await runnable.pool.take();
    const requestId = randomUUID();
    try {
      const session = this.sandboxSessions.get(sandbox);
      if (!session) throw new Error('a sandbox without the role session it was started with');
      const result = await sandbox.invoke({
        requestId,
        event,
        timeoutMs: row.timeoutSec * 1000,
        functionArn: runnable.arn,
      });
      return { requestId, session, result };
    } finally {
      runnable.pool.release(sandbox);
    }
  }

  dispose(): void {
    for (const runnable of this.versions.values()) {
      void runnable.then((version) => version.pool.dispose()).catch(() => undefined);
    }
    this.versions.clear();
    this.currentVersions.clear();
  }
}
