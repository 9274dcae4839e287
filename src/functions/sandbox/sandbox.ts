import { performance } from 'node:perf_hooks';
import type { Clock } from '../../core/index.ts';
import type { LaunchedProcess, SandboxLauncher } from './launcher.ts';
import type { MemoryWatch } from './memory-watch.ts';

/** How a sandboxed process is started; the paths are the only ones it may read. */
export interface SandboxSpec {
  nodePath: string;
  bootstrapFile: string;
  codeDir: string;
  handler: string;
  /** The complete environment: nothing of pciq's own environment is inherited. */
  env: Record<string, string>;
  memoryMb: number;
  /** Modules the runtime provides (the AWS SDK), resolved when the code does not bundle them. */
  runtimeModulesDir?: string | undefined;
  /** Extra files the process may read (the CA bundle that lets it trust pciq's endpoint). */
  readableFiles?: readonly string[];
  /** Runs the process as another operating-system user, so even an escape from Node's permission model cannot read pciq's files. */
  user?: { uid: number; gid: number } | undefined;
}

export interface ErrorInfo {
  errorType: string;
  errorMessage: string;
  trace: string[];
  /** Set when the permission model refused something (code ERR_ACCESS_DENIED). */
  code?: string;
  permission?: string;
  resource?: string;
}

export interface Denial {
  permission: string;
  resource: string;
}

export type InvocationResult = { durationMs: number; logs: string; denials: Denial[]; maxRssBytes?: number } & (
  | { ok: true; payload: unknown }
  | { ok: false; error: ErrorInfo }
);

export interface InvokeRequest {
  requestId: string;
  event: unknown;
  timeoutMs: number;
  functionArn: string;
}

/** Lambda's init phase limit: a module that takes longer to load fails the invocation. */
const initTimeoutMs = 10_000;
/** Logs kept per invocation; the rest is counted and dropped (the pipe is still drained). */
export const maxLogBytes = 256 * 1024;
/** Memory beyond the V8 heap: Node itself, code, buffers. The heap gets the rest of the function's memory. */
const nonHeapMb = 48;

type ChildMessage =
  | { type: 'ready' }
  | { type: 'init-error'; error: ErrorInfo }
  | { type: 'denied'; permission: string; resource: string }
  | { type: 'result'; payload: unknown }
  | { type: 'error'; error: ErrorInfo };

/** The flags that confine a sandboxed process: Node's permission model with reads limited to its own files. */
export function sandboxArguments(spec: SandboxSpec): string[] {
  const heapMb = Math.max(16, spec.memoryMb - nonHeapMb);
  const readable = [spec.bootstrapFile, `${spec.codeDir}/`, ...(spec.readableFiles ?? [])];
  if (spec.runtimeModulesDir) readable.push(`${spec.runtimeModulesDir}/`);
  return [
    '--permission',
    ...readable.map((path) => `--allow-fs-read=${path}`),
    // No --allow-fs-write, --allow-child-process, --allow-worker, --allow-addons, --allow-wasi, --allow-inspector.
    '--no-addons',
    `--max-old-space-size=${heapMb}`,
    '--disable-proto=delete',
    spec.bootstrapFile,
    spec.codeDir,
    spec.handler,
    ...(spec.runtimeModulesDir ? [spec.runtimeModulesDir] : []),
  ];
}

/**
 * One sandboxed worker process, used for exactly one invocation: it starts (and loads the handler) ahead of
 * time, runs the invocation under its time and memory limits, and is gone afterwards, so no invocation
 * sees memory, globals or files left by another.
 */
export class Sandbox {
  private readonly child: LaunchedProcess;
  private readonly clock: Clock;
  private readonly memoryMb: number;
  private unwatch: () => void = () => undefined;
  private readonly ready: Promise<ErrorInfo | undefined>;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly messages: ChildMessage[] = [];
  private notify: (() => void) | undefined;
  private logs: Buffer[] = [];
  private logBytes = 0;
  private droppedLogBytes = 0;
  private stderrTail = '';
  private killedFor: ErrorInfo | undefined;
  private isUsed = false;
  /** Refusals while the handler module loaded: reported with the invocation. */
  private readonly initDenials: Denial[] = [];
  private readonly closed: Promise<void>;
  private isClosed = false;
  /** Why the process could not be started or was lost, when that is what happened. */
  private startError: string | undefined;

  constructor(spec: SandboxSpec, clock: Clock, launcher: SandboxLauncher, memoryWatch: MemoryWatch) {
    this.clock = clock;
    this.memoryMb = spec.memoryMb;
    this.child = launcher.launch({
      command: spec.nodePath,
      args: sandboxArguments(spec),
      cwd: spec.codeDir,
      env: spec.env,
      user: spec.user,
    });
    this.child.on('stdout', (chunk: Buffer) => this.capture(chunk));
    this.child.on('stderr', (chunk: Buffer) => {
      this.capture(chunk);
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2048);
    });
    this.child.on('message', (message: ChildMessage) => this.receive(message));
    this.child.on('error', (error: Error) => {
      this.startError ??= error.message;
    });
    // 'exit' can come before the last IPC message is read; only 'close' says that nothing more will arrive.
    this.closed = new Promise((resolve) =>
      this.child.once('close', () => {
        this.isClosed = true;
        this.unwatch();
        resolve();
        this.wake();
      }),
    );
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal }));
      this.child.once('close', () => resolve({ code: this.child.exitCode, signal: this.child.signalCode }));
    });
    this.child.once('spawn', () => {
      if (this.isClosed || this.child.pid === undefined) return;
      this.unwatch = memoryWatch.watch(this.child.pid, spec.memoryMb * 1024 * 1024, (rss) =>
        this.kill({
          errorType: 'Runtime.OutOfMemory',
          errorMessage: `Runtime exited with error: memory ${Math.ceil(rss / 1024 / 1024)} MB exceeds the function's ${spec.memoryMb} MB`,
          trace: [],
        }),
      );
    });
    this.ready = this.waitForInit();
  }

  /** Resolves once the handler is loaded (undefined) or failed to load (the error to report). */
  get initialized(): Promise<ErrorInfo | undefined> {
    return this.ready;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async invoke(request: InvokeRequest): Promise<InvocationResult> {
    if (this.isUsed) throw new Error('a sandbox runs one invocation only');
    this.isUsed = true;
    // Output printed while loading (module top level) belongs to the first invocation, as in Lambda.
    const initError = await this.ready;
    const started = performance.now();
    const denials: Denial[] = this.initDenials;
    const finish = (outcome: { ok: true; payload: unknown } | { ok: false; error: ErrorInfo }): InvocationResult => {
      this.kill();
      return { ...outcome, durationMs: performance.now() - started, logs: this.logText(), denials };
    };
    if (initError) return finish({ ok: false, error: initError });
    const cancelTimer = this.clock.setTimer(request.timeoutMs, () =>
      this.kill({
        errorType: 'Sandbox.Timedout',
        errorMessage: `Task timed out after ${(request.timeoutMs / 1000).toFixed(2)} seconds`,
        trace: [],
      }),
    );
    // If the process is already gone, the request goes nowhere and its end below says why.
    this.child.send({
      type: 'invoke',
      requestId: request.requestId,
      event: request.event,
      deadlineMs: this.clock.now() + request.timeoutMs,
      functionArn: request.functionArn,
    });
    for (;;) {
      const message = await this.next();
      if (message === undefined) {
        cancelTimer();
        await this.drained();
        return finish({ ok: false, error: this.killedFor ?? (await this.exitError()) });
      }
      if (message.type === 'denied') {
        denials.push(deniedOf(message));
        continue;
      }
      if (message.type === 'result' || message.type === 'error') {
        cancelTimer();
        await this.drained();
        return message.type === 'result'
          ? finish({ ok: true, payload: message.payload })
          : finish({ ok: false, error: checkedError(message.error) });
      }
    }
  }

  /** Ends the process now; `reason`, if given, becomes the invocation's error. */
  kill(reason?: ErrorInfo): void {
    if (reason && !this.killedFor) this.killedFor = reason;
    this.child.kill();
  }

  /** Resolves when the process has exited. */
  async gone(): Promise<void> {
    await this.exited;
  }

  private async waitForInit(): Promise<ErrorInfo | undefined> {
    const cancel = this.clock.setTimer(initTimeoutMs, () =>
      this.kill({
        errorType: 'Sandbox.Timedout',
        errorMessage: `Init phase timed out after ${initTimeoutMs / 1000} seconds`,
        trace: [],
      }),
    );
    try {
      for (;;) {
        const message = await this.next();
        if (message === undefined) return this.killedFor ?? (await this.exitError());
        if (message.type === 'ready') return undefined;
        if (message.type === 'init-error') return checkedError(message.error);
        if (message.type === 'denied') this.initDenials.push(deniedOf(message));
      }
    } finally {
      cancel();
    }
  }

  private receive(message: ChildMessage): void {
    if (typeof message !== 'object' || message === null) return;
    this.messages.push(message);
    this.wake();
  }

  private wake(): void {
    const notify = this.notify;
    this.notify = undefined;
    notify?.();
  }

  /** The next message, or undefined once the process has ended and every message was taken. */
  private async next(): Promise<ChildMessage | undefined> {
    for (;;) {
      const message = this.messages.shift();
      if (message) return message;
      if (this.isClosed) return undefined;
      await new Promise<void>((resolve) => {
        this.notify = resolve;
      });
    }
  }

  /** Waits briefly for the process to end and its output pipes to close, so the last lines printed are in the logs. */
  private async drained(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.closed, new Promise((resolve) => (timer = setTimeout(resolve, 200)))]);
    clearTimeout(timer);
  }

  private async exitError(): Promise<ErrorInfo> {
    const { code, signal } = await this.exited;
    if (this.startError !== undefined && code === null && signal === null) {
      return { errorType: 'Runtime.ExitError', errorMessage: `Runtime failed to start: ${this.startError}`, trace: [] };
    }
    if (/heap out of memory|Reached heap limit/i.test(this.stderrTail)) {
      return {
        errorType: 'Runtime.OutOfMemory',
        errorMessage: `Runtime exited with error: the JavaScript heap exceeded the function's ${this.memoryMb} MB`,
        trace: [],
      };
    }
    return {
      errorType: 'Runtime.ExitError',
      errorMessage: `Runtime exited with error: ${signal ? `signal: ${signal}` : `exit status ${code}`}`,
      trace: [],
    };
  }

  private capture(chunk: Buffer): void {
    const room = maxLogBytes - this.logBytes;
    if (room <= 0) {
      this.droppedLogBytes += chunk.length;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.logs.push(kept);
    this.logBytes += kept.length;
    this.droppedLogBytes += chunk.length - kept.length;
  }

  private logText(): string {
    const text = Buffer.concat(this.logs).toString('utf8');
    return this.droppedLogBytes > 0 ? `${text}\n[${this.droppedLogBytes} bytes of output dropped]\n` : text;
  }
}

function deniedOf(message: { permission?: unknown; resource?: unknown }): Denial {
  return {
    permission: String(message.permission ?? '').slice(0, 64),
    resource: String(message.resource ?? '').slice(0, 1024),
  };
}

/** Messages from the sandbox are the function's own words: bounded and typed before use. */
function checkedError(error: unknown): ErrorInfo {
  const value = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const text = (item: unknown, max: number) => (typeof item === 'string' ? item.slice(0, max) : undefined);
  const info: ErrorInfo = {
    errorType: text(value.errorType, 128) ?? 'Error',
    errorMessage: text(value.errorMessage, 4096) ?? '',
    trace: Array.isArray(value.trace) ? value.trace.slice(0, 30).map((line) => String(line).slice(0, 512)) : [],
  };
  const code = text(value.code, 64);
  if (code) info.code = code;
  const permission = text(value.permission, 64);
  if (permission) info.permission = permission;
  const resource = text(value.resource, 1024);
  if (resource) info.resource = resource;
  return info;
}
