import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../core/index.ts';
import { withoutCutDigits } from './cut-digits.ts';
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

/** How long the end markers of an invocation's output may take to come through the pipes. */
const outputEndMs = 200;

type OutputStream = 'stdout' | 'stderr';

/**
 * One sandboxed worker process of one function version, Lambda's execution environment: it starts (and
 * loads the handler) ahead of time, then runs invocations one at a time, each under the function's time
 * limit and all under its memory limit. After a timeout, a crash, running out of memory, an error outside
 * the handler's flow or a refusal of the permission model, the process is ended and never used again.
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
  /** Output of each stream after its last line end, not yet in `logs`. */
  private readonly unfinishedLines: Record<OutputStream, { parts: Buffer[]; bytes: number }> = {
    stdout: { parts: [], bytes: 0 },
    stderr: { parts: [], bytes: 0 },
  };
  private logBytes = 0;
  private droppedLogBytes = 0;
  private stderrTail = '';
  private killedFor: ErrorInfo | undefined;
  private isBusy = false;
  /** False once something went wrong: the process takes no further invocation. */
  private canContinue = true;
  /** The current invocation's end marker, and on which streams it came through. */
  private endMarker: string | undefined;
  private readonly markerSeen = { stdout: false, stderr: false };
  private readonly markerTails = { stdout: '', stderr: '' };
  /** Refusals while the handler module loaded: reported with the first invocation. */
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
    this.child.on('stdout', (chunk: Buffer) => this.capture(chunk, 'stdout'));
    this.child.on('stderr', (chunk: Buffer) => {
      this.capture(chunk, 'stderr');
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

  /** Whether the process can run another invocation: alive, idle, and nothing went wrong in the last one. */
  get isReusable(): boolean {
    return this.canContinue && !this.isBusy && !this.isClosed && this.killedFor === undefined;
  }

  async invoke(request: InvokeRequest): Promise<InvocationResult> {
    if (!this.isReusable) throw new Error('a sandbox runs one invocation at a time, and none after a failure');
    this.isBusy = true;
    // Output printed while loading (module top level) belongs to the first invocation, as in Lambda.
    const initError = await this.ready;
    const started = performance.now();
    // Refusals reported while loading or between invocations (by code still running) count for this one.
    const denials: Denial[] = this.initDenials.splice(0);
    for (const message of this.messages.splice(0)) if (message.type === 'denied') denials.push(deniedOf(message));
    const finish = (
      outcome: { ok: true; payload: unknown } | { ok: false; error: ErrorInfo },
      reusable: boolean,
    ): InvocationResult => {
      const logs = this.takeLogs();
      this.endMarker = undefined;
      this.isBusy = false;
      // A process that was refused something is not trusted with another invocation.
      if (!reusable || denials.length > 0) this.retire();
      return { ...outcome, durationMs: performance.now() - started, logs, denials };
    };
    if (initError) return finish({ ok: false, error: initError }, false);
    const cancelTimer = this.clock.setTimer(request.timeoutMs, () =>
      this.kill({
        errorType: 'Sandbox.Timedout',
        errorMessage: `Task timed out after ${(request.timeoutMs / 1000).toFixed(2)} seconds`,
        trace: [],
      }),
    );
    const endMarker = `\u0000pciq-end:${randomUUID()}\u0000`;
    this.endMarker = endMarker;
    this.markerSeen.stdout = this.markerSeen.stderr = false;
    this.markerTails.stdout = this.markerTails.stderr = '';
    // If the process is already gone, the request goes nowhere and its end below says why.
    this.child.send({
      type: 'invoke',
      requestId: request.requestId,
      event: request.event,
      deadlineMs: this.clock.now() + request.timeoutMs,
      functionArn: request.functionArn,
      endMarker,
    });
    for (;;) {
      const message = await this.next();
      if (message === undefined) {
        cancelTimer();
        await this.drained();
        return finish({ ok: false, error: this.killedFor ?? (await this.exitError()) }, false);
      }
      if (message.type === 'denied') {
        denials.push(deniedOf(message));
        continue;
      }
      if (message.type === 'result' || message.type === 'error') {
        cancelTimer();
        // The invocation's output is complete once its end marker came through both pipes.
        const complete = await this.outputEnded();
        if (!complete) await this.drained();
        const outcome =
          message.type === 'result'
            ? { ok: true as const, payload: message.payload }
            : { ok: false as const, error: checkedError(message.error) };
        return finish(outcome, complete && this.killedFor === undefined);
      }
    }
  }

  /** Ends the process: it will not be used again. */
  retire(): void {
    this.canContinue = false;
    this.child.kill();
  }

  /** Ends the process now; `reason`, if given, becomes the invocation's error. */
  kill(reason?: ErrorInfo): void {
    if (reason && !this.killedFor) this.killedFor = reason;
    this.retire();
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
    await Promise.race([this.closed, new Promise((resolve) => (timer = setTimeout(resolve, outputEndMs)))]);
    clearTimeout(timer);
  }

  private async exitError(): Promise<ErrorInfo> {
    const { code, signal } = await this.exited;
    if (this.startError !== undefined && code === null && signal === null) {
      // A process that started and was lost with its launcher did not fail to start.
      const what = this.child.pid === undefined ? 'failed to start' : 'exited with error';
      return { errorType: 'Runtime.ExitError', errorMessage: `Runtime ${what}: ${this.startError}`, trace: [] };
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

  /**
   * Adds output to the invocation's log a whole line at a time per stream: the other stream's output goes
   * between lines, never into one, which would split a card number written in pieces (or cut by the pipe
   * into chunks) so that masking no longer finds it. An unfinished line waits for its end, up to the limit.
   */
  private capture(chunk: Buffer, stream: OutputStream): void {
    this.watchForEndMarker(chunk, stream);
    const lineEnd = chunk.lastIndexOf(10) + 1;
    const unfinished = this.unfinishedLines[stream];
    if (lineEnd === 0) {
      unfinished.parts.push(chunk);
      unfinished.bytes += chunk.length;
      if (unfinished.bytes > maxLogBytes) this.flushLine(stream);
      return;
    }
    unfinished.parts.push(chunk.subarray(0, lineEnd));
    this.flushLine(stream);
    if (lineEnd < chunk.length) {
      unfinished.parts.push(chunk.subarray(lineEnd));
      unfinished.bytes = chunk.length - lineEnd;
    }
  }

  /** Adds what a stream wrote since its last complete line to the log. */
  private flushLine(stream: OutputStream): void {
    const unfinished = this.unfinishedLines[stream];
    const parts = unfinished.parts.splice(0);
    unfinished.bytes = 0;
    if (parts.length > 0) this.keep(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  private keep(chunk: Buffer): void {
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

  /** Notes the current invocation's end marker on a stream, also when a chunk boundary splits it. */
  private watchForEndMarker(chunk: Buffer, stream: OutputStream): void {
    const marker = this.endMarker;
    if (!marker || this.markerSeen[stream]) return;
    const text = this.markerTails[stream] + chunk.toString('latin1');
    if (text.includes(marker)) {
      this.markerSeen[stream] = true;
      this.wake();
    } else {
      this.markerTails[stream] = text.slice(-marker.length);
    }
  }

  /** Waits briefly for the end marker on both streams; false if it did not come (the output may be incomplete). */
  private async outputEnded(): Promise<boolean> {
    const deadline = performance.now() + outputEndMs;
    while (!(this.markerSeen.stdout && this.markerSeen.stderr)) {
      const left = deadline - performance.now();
      if (this.isClosed || left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.notify = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return true;
  }

  /** This invocation's output, without its end marker; the next invocation starts with none. */
  private takeLogs(): string {
    this.flushLine('stdout');
    this.flushLine('stderr');
    let text = Buffer.concat(this.logs).toString('utf8');
    if (this.endMarker) text = text.split(this.endMarker).join('');
    if (this.droppedLogBytes > 0) {
      // The limit may cut a card number: what is left of it would no longer be found and masked (PCI DSS 3.4.1).
      const kept = withoutCutDigits(text);
      const dropped = this.droppedLogBytes + Buffer.byteLength(text) - Buffer.byteLength(kept);
      text = `${kept}\n[${dropped} bytes of output dropped]\n`;
    }
    this.logs = [];
    this.logBytes = 0;
    this.droppedLogBytes = 0;
    return text;
  }
}

/** `text` cut to `max` characters, keeping no part of a card number the cut falls in. */
function bounded(text: string, max: number): string {
  return text.length > max ? withoutCutDigits(text.slice(0, max)) : text;
}

function deniedOf(message: { permission?: unknown; resource?: unknown }): Denial {
  return {
    permission: bounded(String(message.permission ?? ''), 64),
    resource: bounded(String(message.resource ?? ''), 1024),
  };
}

/** Messages from the sandbox are the function's own words: bounded and typed before use. */
function checkedError(error: unknown): ErrorInfo {
  const value = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const text = (item: unknown, max: number) => (typeof item === 'string' ? bounded(item, max) : undefined);
  const info: ErrorInfo = {
    errorType: text(value.errorType, 128) ?? 'Error',
    errorMessage: text(value.errorMessage, 4096) ?? '',
    trace: Array.isArray(value.trace) ? value.trace.slice(0, 30).map((line) => bounded(String(line), 512)) : [],
  };
  const code = text(value.code, 64);
  if (code) info.code = code;
  const permission = text(value.permission, 64);
  if (permission) info.permission = permission;
  const resource = text(value.resource, 1024);
  if (resource) info.resource = resource;
  return info;
}
