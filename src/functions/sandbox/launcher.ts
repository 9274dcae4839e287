import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const launcherFile = fileURLToPath(new URL('./launcher/launcher.mjs', import.meta.url));

/**
 * How the helper is started: through `sh` with core dumps off (soft and hard limit 0), which every sandbox it
 * starts inherits. A sandbox that aborts or runs out of heap would otherwise leave a core file (in its code
 * directory, or with systemd-coredump or apport) holding in clear what it held: its role session's
 * credentials, flagged environment values, the batch it ran and any card number it revealed (PCI DSS 3.3,
 * 3.5). Node has no call to set the limit itself.
 */
function launcherCommand(): { command: string; args: string[] } {
  if (process.platform === 'win32') return { command: process.execPath, args: [launcherFile] };
  return { command: '/bin/sh', args: ['-c', 'ulimit -c 0 && exec "$0" "$@"', process.execPath, launcherFile] };
}

export interface LaunchRequest {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  user?: { uid: number; gid: number } | undefined;
}

type LauncherEvent =
  | { ev: 'ready' }
  | { ev: 'spawn'; id: number; pid: number }
  | { ev: 'message'; id: number; message: unknown }
  | { ev: 'out'; id: number; stream: 'stdout' | 'stderr'; data: string }
  | { ev: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { ev: 'close'; id: number }
  | { ev: 'error'; id: number; message: string };

/**
 * A process started by the launcher. Events, as a ChildProcess has them: `spawn`, `message`, `stdout` and
 * `stderr` (Buffers), `exit` (code, signal), `close` (no more output or messages will come), `error`.
 */
export class LaunchedProcess extends EventEmitter {
  readonly id: number;
  pid: number | undefined;
  /** When the process started, as /proc tells (Linux): with the pid, what identifies it. */
  startTime: string | undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  isClosed = false;
  private readonly launcher: SandboxLauncher;

  constructor(launcher: SandboxLauncher, id: number) {
    super();
    this.launcher = launcher;
    this.id = id;
  }

  send(message: object): void {
    this.launcher.request({ op: 'send', id: this.id, message });
  }

  kill(): void {
    if (!this.isClosed) this.launcher.request({ op: 'kill', id: this.id });
  }
}

/**
 * Starts sandboxed processes through a small helper process (src/functions/sandbox/launcher/launcher.mjs):
 * forking pciq itself would copy its whole address space at each start and block its event loop meanwhile.
 * The helper ends, killing every sandbox it started, when pciq does; if it dies, pciq ends the sandboxes it left
 * (idle ones end themselves) and starts it again for the next sandbox.
 */
export class SandboxLauncher {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private nextId = 1;
  private readonly processes = new Map<number, LaunchedProcess>();

  launch(request: LaunchRequest): LaunchedProcess {
    const launched = new LaunchedProcess(this, this.nextId++);
    this.processes.set(launched.id, launched);
    this.holdOpen();
    void this.started().then(
      () =>
        this.request({
          op: 'start',
          id: launched.id,
          command: request.command,
          args: request.args,
          cwd: request.cwd,
          env: request.env,
          ...(request.user ? { uid: request.user.uid, gid: request.user.gid } : {}),
        }),
      (error: unknown) => this.fail(launched, (error as Error).message),
    );
    return launched;
  }

  request(message: object): void {
    // A failed send means the helper is gone; its 'exit' fails every process it held.
    if (this.child?.connected) this.child.send(message, undefined, {}, () => undefined);
  }

  /** Ends the helper and with it every sandbox still running. */
  stop(): void {
    const child = this.child;
    this.child = undefined;
    this.ready = undefined;
    if (child?.connected) child.disconnect();
  }

  private started(): Promise<void> {
    this.ready ??= new Promise((resolve, reject) => {
      const { command, args } = launcherCommand();
      const child = spawn(command, args, {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        serialization: 'json',
      });
      this.child = child;
      child.on('message', (event: LauncherEvent) => {
        if (event.ev === 'ready') resolve();
        else this.deliver(event);
      });
      child.on('error', () => undefined);
      child.once('exit', () => {
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
        }
        reject(new Error('the sandbox launcher exited'));
        for (const launched of [...this.processes.values()]) {
          if (launched.pid !== undefined && launched.exitCode === null && launched.signalCode === null)
            killOrphan(launched.pid, launched.startTime);
          this.fail(launched, 'the sandbox launcher exited');
        }
      });
      this.holdOpen();
    });
    return this.ready;
  }

  /** The helper keeps this process alive only while sandboxes it started are running. */
  private holdOpen(): void {
    const child = this.child;
    if (!child) return;
    const channel = (child as unknown as { channel?: { ref(): void; unref(): void } }).channel;
    if (this.processes.size > 0) {
      child.ref();
      channel?.ref();
    } else {
      child.unref();
      channel?.unref();
    }
  }

  private deliver(event: Exclude<LauncherEvent, { ev: 'ready' }>): void {
    const launched = this.processes.get(event.id);
    if (!launched) return;
    switch (event.ev) {
      case 'spawn':
        launched.pid = event.pid;
        launched.startTime = startTimeOf(event.pid);
        launched.emit('spawn');
        return;
      case 'message':
        launched.emit('message', event.message);
        return;
      case 'out':
        launched.emit(event.stream, Buffer.from(event.data, 'base64'));
        return;
      case 'exit':
        launched.exitCode = event.code;
        launched.signalCode = event.signal;
        launched.emit('exit', event.code, event.signal);
        return;
      case 'error':
        this.fail(launched, event.message);
        return;
      case 'close':
        this.processes.delete(event.id);
        this.holdOpen();
        launched.isClosed = true;
        launched.emit('close');
    }
  }

  private fail(launched: LaunchedProcess, message: string): void {
    if (launched.isClosed) return;
    this.processes.delete(launched.id);
    this.holdOpen();
    launched.isClosed = true;
    launched.emit('error', new Error(message));
    launched.emit('close');
  }
}

/** A process's start time in clock ticks since boot (field 22 of /proc/PID/stat); undefined without /proc. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its end.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Ends a sandbox whose launcher died (killed, out of memory): a handler busy in a loop would otherwise run on
 * with no timeout to end it. Where /proc is, the process must still have the start time it had when it
 * started, so that a pid freed and reused since is never signalled.
 */
function killOrphan(pid: number, startTime: string | undefined): void {
  if (startTime !== undefined && startTimeOf(pid) !== startTime) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}
