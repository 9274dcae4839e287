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
 *
 * Nothing a function does can make this process hold unbounded memory: a process's output is read only while
 * little of it waits to reach pciq (a handler printing faster than pciq reads is slowed down, not buffered),
 * and a process that sends more messages, or larger ones, than the runtime ever does is ended with the reason.
 */
import { spawn } from 'node:child_process';

const children = new Map();

/** Output of one process read but not yet passed on to pciq, beyond which its pipes are no longer read. */
const maxPendingOutputBytes = 512 * 1024;
/**
 * Messages a process may send per request from pciq: the runtime sends its readiness, at most ten refusals of
 * the permission model and one result per invocation.
 */
const maxMessagesPerRequest = 64;
/** Lambda's 6 MB response payload, and room for the message around it. */
const maxMessageChars = 6 * 1024 * 1024 + 64 * 1024;

/** A send that fails (pciq is going away) is ignored: the 'disconnect' handler below ends everything. */
function tell(event, sent) {
  if (process.connected) process.send(event, undefined, {}, () => sent?.());
  else sent?.();
}

/** Ends a process that broke the runtime's protocol, and tells pciq why. */
function refuse(id, child, reason) {
  child.isRefused = true;
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  tell({ ev: 'error', id, message: reason });
}

/** Passes a process's output on, reading no more of it while too much is still on its way to pciq. */
function relayOutput(id, child, stream) {
  const state = child.pendingOutput;
  child[stream].on('data', (chunk) => {
    state.bytes += chunk.length;
    if (state.bytes > maxPendingOutputBytes) {
      child.stdout.pause();
      child.stderr.pause();
    }
    tell({ ev: 'out', id, stream, data: chunk.toString('base64') }, () => {
      state.bytes -= chunk.length;
      if (state.bytes <= maxPendingOutputBytes / 2) {
        child.stdout.resume();
        child.stderr.resume();
      }
    });
  });
}

/** Passes a process's messages on while they stay within what the runtime sends. */
function relayMessages(id, child) {
  child.on('message', (message) => {
    if (child.isRefused) return;
    if (++child.messagesSinceRequest > maxMessagesPerRequest) {
      return refuse(
        id,
        child,
        `the function sent more than ${maxMessagesPerRequest} messages on the runtime's channel`,
      );
    }
    if (JSON.stringify(message).length > maxMessageChars) {
      return refuse(id, child, "the function sent a message larger than Lambda's 6 MB response payload");
    }
    tell({ ev: 'message', id, message });
  });
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
  child.pendingOutput = { bytes: 0 };
  child.messagesSinceRequest = 0;
  child.once('spawn', () => tell({ ev: 'spawn', id, pid: child.pid }));
  relayMessages(id, child);
  relayOutput(id, child, 'stdout');
  relayOutput(id, child, 'stderr');
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
    if (!child?.connected) return;
    child.messagesSinceRequest = 0;
    child.send(request.message, () => undefined);
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
