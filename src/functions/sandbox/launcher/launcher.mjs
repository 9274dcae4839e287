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
 * Nothing a function does can make this process hold unbounded memory or end it: a process's output and
 * messages are read only while little of them waits to reach pciq (a handler printing faster than pciq reads
 * is slowed down, not buffered), and a process that sends more messages, or larger ones, than the runtime ever
 * does, or anything that is not a message, is ended with the reason.
 *
 * The runtime's channel is a plain pipe that this process reads itself, one JSON text a line, while the
 * process started sees it as Node's IPC channel (NODE_CHANNEL_FD, as `fork` sets it): Node's own reading of
 * an IPC channel keeps an unfinished line whatever its length and throws on a line that is not JSON, outside
 * any handler, and handler code can write such lines to the channel's descriptor. Either would end this
 * process, and every sandbox of every function with it.
 */
import { spawn } from 'node:child_process';

const children = new Map();

/** Output and messages of one process read but not yet passed on to pciq, beyond which its pipes are no longer read. */
const maxPendingBytes = 512 * 1024;
/**
 * Messages a process may send per request from pciq: the runtime sends its readiness, at most ten refusals of
 * the permission model and one result per invocation.
 */
const maxMessagesPerRequest = 64;
/** Lambda's 6 MB response payload, and room for the message around it. */
const maxMessageBytes = 6 * 1024 * 1024 + 64 * 1024;
/** The descriptor of the runtime's channel in the process started. */
const channelFd = 3;
const tooLarge = "the function sent a message larger than Lambda's 6 MB response payload";

/** A send that fails (pciq is going away) is ignored: the 'disconnect' handler below ends everything. */
function tell(event, sent) {
  if (process.connected) process.send(event, undefined, {}, () => sent?.());
  else sent?.();
}

/** Ends a process that broke the runtime's protocol, and tells pciq why. */
function refuse(id, child, reason) {
  if (child.isRefused) return;
  child.isRefused = true;
  child.stdio[channelFd].destroy();
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  tell({ ev: 'error', id, message: reason });
}

/** Tells pciq something a process wrote, reading no more of the process while too much is on its way. */
function pass(child, event, bytes) {
  const pending = child.pending;
  const pipes = [child.stdout, child.stderr, child.stdio[channelFd]];
  pending.bytes += bytes;
  if (pending.bytes > maxPendingBytes) for (const pipe of pipes) pipe.pause();
  tell(event, () => {
    pending.bytes -= bytes;
    if (pending.bytes <= maxPendingBytes / 2) for (const pipe of pipes) pipe.resume();
  });
}

/** Passes a process's output on. */
function relayOutput(id, child, stream) {
  child[stream].on('data', (chunk) =>
    pass(child, { ev: 'out', id, stream, data: chunk.toString('base64') }, chunk.length),
  );
}

/** Reads the runtime's channel a line at a time, keeping no more of an unfinished line than a message may be. */
function relayMessages(id, child) {
  const channel = child.stdio[channelFd];
  let parts = [];
  let bytes = 0;
  // A process gone or refused makes writes to it fail: its exit says what happened.
  channel.on('error', () => undefined);
  channel.on('data', (chunk) => {
    let start = 0;
    for (let end = chunk.indexOf(10); end !== -1 && !child.isRefused; end = chunk.indexOf(10, start)) {
      parts.push(chunk.subarray(start, end));
      const line = Buffer.concat(parts, bytes + end - start);
      parts = [];
      bytes = 0;
      start = end + 1;
      relayMessage(id, child, line);
    }
    if (child.isRefused) return;
    parts.push(chunk.subarray(start));
    bytes += chunk.length - start;
    if (bytes > maxMessageBytes) refuse(id, child, tooLarge);
  });
}

/** Passes one message on while messages stay within what the runtime sends. */
function relayMessage(id, child, line) {
  if (++child.messagesSinceRequest > maxMessagesPerRequest) {
    return refuse(id, child, `the function sent more than ${maxMessagesPerRequest} messages on the runtime's channel`);
  }
  if (line.length > maxMessageBytes) return refuse(id, child, tooLarge);
  let message;
  try {
    message = JSON.parse(line.toString('utf8'));
  } catch {
    return refuse(id, child, "the function wrote something other than a message on the runtime's channel");
  }
  pass(child, { ev: 'message', id, message }, line.length);
}

function start({ id, command, args, cwd, env, uid, gid }) {
  const child = spawn(command, args, {
    cwd,
    env: { ...env, NODE_CHANNEL_FD: String(channelFd), NODE_CHANNEL_SERIALIZATION_MODE: 'json' },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    ...(uid !== undefined ? { uid, gid } : {}),
  });
  children.set(id, child);
  child.pending = { bytes: 0 };
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
    const channel = children.get(request.id)?.stdio[channelFd];
    if (!channel?.writable) return;
    children.get(request.id).messagesSinceRequest = 0;
    channel.write(`${JSON.stringify(request.message)}\n`);
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
