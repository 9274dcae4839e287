/**
 * Starts sandboxed processes on behalf of pciq and relays their IPC messages and output. It exists because
 * starting a process forks the parent's address space: from a server holding hundreds of megabytes, each
 * start blocks the event loop for tens of milliseconds; from this small process, a few. It runs no function
 * code itself and imports nothing but Node's built-in modules (plain JavaScript: it starts fast).
 *
 * From pciq:  { op: 'start', id, command, args, cwd, env, uid?, gid? } | { op: 'send', id, message } | { op: 'kill', id }
 * To pciq:    { ev: 'spawn', id, pid } | { ev: 'message', id, message } | { ev: 'out', id, stream, data }
 *             | { ev: 'exit', id, code, signal } | { ev: 'close', id } | { ev: 'error', id, message }
 *
 * When pciq goes away (the IPC channel closes), every process started here is killed and the launcher exits.
 */
import { spawn } from 'node:child_process';

const children = new Map();

/** A send that fails (pciq is going away) is ignored: the 'disconnect' handler below ends everything. */
function tell(event) {
  if (process.connected) process.send(event, undefined, {}, () => undefined);
}

function start({ id, command, args, cwd, env, uid, gid }) {
  const child = spawn(command, args, {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
    ...(uid !== undefined ? { uid, gid } : {}),
  });
  children.set(id, child);
  child.once('spawn', () => tell({ ev: 'spawn', id, pid: child.pid }));
  child.on('message', (message) => tell({ ev: 'message', id, message }));
  child.stdout.on('data', (chunk) => tell({ ev: 'out', id, stream: 'stdout', data: chunk.toString('base64') }));
  child.stderr.on('data', (chunk) => tell({ ev: 'out', id, stream: 'stderr', data: chunk.toString('base64') }));
  child.once('exit', (code, signal) => tell({ ev: 'exit', id, code, signal }));
  child.once('error', (error) => {
    tell({ ev: 'error', id, message: error.message });
    children.delete(id);
  });
  child.once('close', () => {
    children.delete(id);
    tell({ ev: 'close', id });
  });
}

process.on('message', (request) => {
  if (request?.op === 'start') start(request);
  else if (request?.op === 'send') {
    const child = children.get(request.id);
    if (child?.connected) child.send(request.message, () => undefined);
  } else if (request?.op === 'kill') {
    const child = children.get(request.id);
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

process.on('disconnect', () => {
  for (const child of children.values()) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  process.exit(0);
});

tell({ ev: 'ready' });
