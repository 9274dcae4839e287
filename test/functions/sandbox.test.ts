/**
 * Isolation of a function's worker process, tested on real processes: Node's permission model confines
 * reads to the function's own code, forbids writes, child processes, workers and addons; time and memory
 * limits end the process; nothing of pciq's environment is inherited; a process serves one function version,
 * one invocation at a time, and none after something went wrong.
 */
import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { systemClock } from '../../src/core/index.ts';
import type { CodeFile } from '../../src/functions/code-bundle.ts';
import { bootstrapFile } from '../../src/functions/runner.ts';
import { CodeCache } from '../../src/functions/sandbox/code-cache.ts';
import { SandboxLauncher } from '../../src/functions/sandbox/launcher.ts';
import { MemoryWatch } from '../../src/functions/sandbox/memory-watch.ts';
import {
  type InvocationResult,
  Sandbox,
  type SandboxSpec,
  sandboxArguments,
} from '../../src/functions/sandbox/sandbox.ts';
import { endlessChannelLine } from '../support/hostile-handlers.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait-for.ts';

const watch = new MemoryWatch();
const launcher = new SandboxLauncher();
const secrets = makeTempDir('pciq-protected-');
const dataDir = join(secrets.path, 'data');
const keyFile = join(secrets.path, 'keys', 'master.key');
mkdirSync(dataDir);
mkdirSync(join(secrets.path, 'keys'));
writeFileSync(join(dataDir, 'pciq.db'), 'database');
writeFileSync(keyFile, 'root key');
const cache = new CodeCache();
let versions = 0;

function file(path: string, text: string): CodeFile {
  return { path, content: Buffer.from(text) };
}

async function specOf(files: CodeFile[], overrides: Partial<SandboxSpec> = {}): Promise<SandboxSpec> {
  const codeDir = await cache.dirFor(`v${versions++}`, async () => files);
  return {
    nodePath: process.execPath,
    bootstrapFile,
    codeDir,
    handler: 'index.handler',
    env: { AWS_LAMBDA_FUNCTION_NAME: 'test', PROTECTED: `${dataDir}\n${keyFile}` },
    memoryMb: 128,
    ...overrides,
  };
}

async function sandboxOf(
  files: CodeFile[],
  overrides: Partial<SandboxSpec> = {},
  startedBy = launcher,
): Promise<Sandbox> {
  return new Sandbox(await specOf(files, overrides), systemClock, startedBy, watch);
}

/** The parent of a process, and whether it still runs (a zombie no longer does), from /proc. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Bytes a process has written (all its write calls), from /proc. */
function bytesWrittenBy(pid: number): number {
  return Number(/^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);
}

const launcherFile = join(import.meta.dirname, '../../src/functions/sandbox/launcher/launcher.mjs');

/** The launcher's request to start the sandbox `spec` describes, as its first process. */
function startRequest(spec: SandboxSpec) {
  return { op: 'start', id: 1, command: spec.nodePath, args: sandboxArguments(spec), cwd: spec.codeDir, env: {} };
}

const needsProc = { skip: existsSync('/proc/self/stat') ? false : 'needs /proc to see processes' };

async function run(source: string, options: { timeoutMs?: number; spec?: Partial<SandboxSpec> } = {}) {
  const sandbox = await sandboxOf([file('index.mjs', source)], options.spec);
  const result = await sandbox.invoke({
    requestId: 'req-1',
    event: { Records: [] },
    timeoutMs: options.timeoutMs ?? 5_000,
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test:1',
  });
  sandbox.retire();
  await sandbox.gone();
  return result;
}

function failed(result: InvocationResult) {
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  return (result as Extract<InvocationResult, { ok: false }>).error;
}

function payload(result: InvocationResult): unknown {
  assert.equal(result.ok, true, `expected success, got ${JSON.stringify(result)}`);
  return (result as Extract<InvocationResult, { ok: true }>).payload;
}

describe('function sandbox', () => {
  after(() => {
    launcher.stop();
    cache.dispose();
    secrets.remove();
  });

  it('fails a handler that reads the data directory or the key file, and reports each refusal', async () => {
    for (const target of ['pciq.db', 'key']) {
      const result = await run(`
        import { readFileSync } from 'node:fs';
        export const handler = async () => {
          const [dataDir, keyFile] = process.env.PROTECTED.split('\\n');
          return readFileSync(${target === 'key' ? 'keyFile' : "dataDir + '/pciq.db'"}, 'utf8');
        };`);
      const error = failed(result);
      assert.equal(error.code, 'ERR_ACCESS_DENIED');
      assert.equal(error.permission, 'FileSystemRead');
      assert.equal(error.resource, target === 'key' ? keyFile : join(dataDir, 'pciq.db'));
      assert.deepEqual(result.denials, [{ permission: 'FileSystemRead', resource: error.resource }]);
    }
  });

  it('reports a refusal even when the handler catches it and succeeds', async () => {
    const result = await run(`
      import { promises } from 'node:fs';
      export const handler = async () => {
        try { await promises.readdir(process.env.PROTECTED.split('\\n')[0]); } catch { return 'caught'; }
        return 'read';
      };`);
    assert.equal(payload(result), 'caught');
    assert.deepEqual(result.denials, [{ permission: 'FileSystemRead', resource: dataDir }]);
  });

  it("reads its own code but not another function's", async () => {
    const other = await cache.dirFor('other-function', async () => [file('secret.mjs', 'export const key = 1;')]);
    const result = await run(`
      import { readFileSync } from 'node:fs';
      export const handler = async () => {
        const own = readFileSync(new URL('./index.mjs', import.meta.url), 'utf8').length > 0;
        try { readFileSync(${JSON.stringify(join(other, 'secret.mjs'))}); return { own, other: 'read' }; }
        catch (error) { return { own, other: error.code }; }
      };`);
    assert.deepEqual(payload(result), { own: true, other: 'ERR_ACCESS_DENIED' });
  });

  it('refuses child processes, writes, worker threads and addons', async () => {
    const result = await run(`
      import { execSync } from 'node:child_process';
      import { writeFileSync } from 'node:fs';
      import { Worker } from 'node:worker_threads';
      const attempt = (fn) => { try { fn(); return 'allowed'; } catch (error) { return error.code; } };
      export const handler = async () => ({
        spawn: attempt(() => execSync('id')),
        write: attempt(() => writeFileSync(new URL('./dropped.txt', import.meta.url), 'x')),
        worker: attempt(() => new Worker('1', { eval: true })),
        addon: attempt(() => process.dlopen({ exports: {} }, '/lib/x86_64-linux-gnu/libc.so.6')),
      });`);
    assert.deepEqual(payload(result), {
      spawn: 'ERR_ACCESS_DENIED',
      write: 'ERR_ACCESS_DENIED',
      worker: 'ERR_ACCESS_DENIED',
      addon: 'ERR_DLOPEN_DISABLED',
    });
  });

  it('inherits nothing of the server environment', async () => {
    process.env.PCIQ_TEST_SERVER_SECRET = 'must-not-leak';
    try {
      const result = await run('export const handler = async () => Object.keys(process.env).sort();');
      assert.deepEqual(payload(result), ['AWS_LAMBDA_FUNCTION_NAME', 'PROTECTED']);
    } finally {
      delete process.env.PCIQ_TEST_SERVER_SECRET;
    }
  });

  it('ends a handler that exceeds its timeout', async () => {
    const sandbox = await sandboxOf([file('index.mjs', 'export const handler = () => new Promise(() => {});')]);
    const result = await sandbox.invoke({ requestId: 'r', event: {}, timeoutMs: 300, functionArn: 'arn' });
    assert.deepEqual(failed(result), {
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 0.30 seconds',
      trace: [],
    });
    await sandbox.gone();
    assert.throws(() => process.kill(sandbox.pid!, 0), { code: 'ESRCH' });
  });

  it('ends a handler that exceeds its memory, on the heap or outside it', async () => {
    const heap = await run(
      'export const handler = async () => { const a = []; for (;;) a.push({ n: Math.random() }); };',
    );
    assert.equal(failed(heap).errorType, 'Runtime.OutOfMemory');
    const buffers = await run(`
      export const handler = async () => {
        const held = [];
        for (;;) { held.push(Buffer.alloc(8 << 20, 1)); await new Promise((r) => setTimeout(r, 5)); }
      };`);
    assert.equal(failed(buffers).errorType, 'Runtime.OutOfMemory');
  });

  it('runs the next invocation of the same version in the same process, as a Lambda execution environment', async () => {
    const sandbox = await sandboxOf([
      file(
        'index.mjs',
        `let count = 0;
        console.log('init');
        export const handler = async (event) => {
          console.log('call', ++count);
          process.stderr.write('to stderr ' + count + '\\n');
          if (event.fail) throw new Error('failed ' + count);
          return { count, pid: process.pid };
        };`,
      ),
    ]);
    const invoke = (requestId: string, event: unknown = {}) =>
      sandbox.invoke({ requestId, event, timeoutMs: 5_000, functionArn: 'arn' });
    const first = await invoke('req-1');
    const second = await invoke('req-2', { fail: true });
    assert.ok(sandbox.isReusable, 'an error thrown by the handler leaves the environment usable, as in Lambda');
    const third = await invoke('req-3');
    assert.deepEqual(payload(first), { count: 1, pid: sandbox.pid });
    assert.equal(failed(second).errorMessage, 'failed 2');
    assert.deepEqual(payload(third), { count: 3, pid: sandbox.pid }, 'module state persists within a version');
    // Each invocation's logs hold its own output, all of it, and nothing of the others.
    assert.match(first.logs, /\tinit\n.*\treq-1\tINFO\tcall 1\nto stderr 1\n$/s);
    assert.match(second.logs, /^[^\n]*\treq-2\tINFO\tcall 2\nto stderr 2\n$/);
    assert.match(third.logs, /^[^\n]*\treq-3\tINFO\tcall 3\nto stderr 3\n$/);
    for (const result of [first, second, third]) assert.doesNotMatch(result.logs, /pciq-end/);
    sandbox.retire();
    await sandbox.gone();
  });

  it('never reuses a process after a timeout, an uncaught error or a refusal of the permission model', async () => {
    const cases = {
      timeout: 'export const handler = () => new Promise(() => {});',
      uncaught:
        "export const handler = async () => { setTimeout(() => { throw new Error('late'); }); await new Promise((r) => setTimeout(r, 50)); };",
      refusal:
        "import { readdirSync } from 'node:fs'; export const handler = async () => { try { readdirSync('/etc'); } catch {} return 'ok'; };",
    };
    for (const [name, source] of Object.entries(cases)) {
      const sandbox = await sandboxOf([file('index.mjs', source)]);
      const result = await sandbox.invoke({ requestId: name, event: {}, timeoutMs: 500, functionArn: 'arn' });
      if (name === 'refusal') assert.equal(result.denials.length, 1);
      else failed(result);
      assert.equal(sandbox.isReusable, false, name);
      await sandbox.gone();
    }
  });

  it('runs CommonJS, callback-style and synchronous handlers as Lambda does, and names a missing handler', async () => {
    const cjs = await sandboxOf([
      file('index.js', 'exports.handler = (event, context, callback) => callback(null, { fn: context.functionName });'),
    ]);
    assert.deepEqual(payload(await cjs.invoke({ requestId: 'r', event: {}, timeoutMs: 5_000, functionArn: 'a' })), {
      fn: 'test',
    });
    const sync = await run('export const handler = (event) => ({ records: event.Records.length });');
    assert.deepEqual(payload(sync), { records: 0 });
    const missing = await run('export const other = async () => 1;');
    assert.equal(failed(missing).errorType, 'Runtime.HandlerNotFound');
    const thrown = await run("export const handler = async () => { throw new TypeError('bad input'); };");
    assert.deepEqual(
      { type: failed(thrown).errorType, message: failed(thrown).errorMessage },
      { type: 'TypeError', message: 'bad input' },
    );
  });

  it('provides the AWS SDK to handlers that do not bundle it, to import and to require, as Lambda does', async () => {
    const runtimeModulesDir = realpathSync(join(import.meta.dirname, '..', '..', 'node_modules'));
    const cases = [
      file(
        'index.mjs',
        "import { SQSClient } from '@aws-sdk/client-sqs'; export const handler = async () => typeof SQSClient;",
      ),
      file(
        'index.js',
        "const { SQSClient } = require('@aws-sdk/client-sqs'); exports.handler = async () => typeof SQSClient;",
      ),
    ];
    for (const code of cases) {
      const sandbox = await sandboxOf([code], { runtimeModulesDir });
      const result = await sandbox.invoke({ requestId: 'sdk', event: {}, timeoutMs: 10_000, functionArn: 'arn' });
      assert.equal(payload(result), 'function', code.path);
      sandbox.retire();
      await sandbox.gone();
    }
  });

  it('captures console output in the format of Lambda logs', async () => {
    const result = await run(
      "export const handler = async () => { console.log('hello %s', 'world'); console.error('oops'); };",
    );
    assert.match(result.logs, /^\d{4}-\d\d-\d\dT[\d:.]+Z\treq-1\tINFO\thello world\n.*\treq-1\tERROR\toops\n$/s);
  });

  it('ends its processes, busy or idle, when the launcher that started them is killed', needsProc, async () => {
    const own = new SandboxLauncher();
    try {
      const idle = await sandboxOf([file('index.mjs', 'export const handler = async () => 1;')], {}, own);
      const busy = await sandboxOf([file('index.mjs', 'export const handler = () => { for (;;) {} };')], {}, own);
      assert.equal(await idle.initialized, undefined);
      assert.equal(await busy.initialized, undefined);
      const spinning = busy.invoke({ requestId: 'r', event: {}, timeoutMs: 60_000, functionArn: 'arn' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const helper = parentOf(idle.pid!);
      assert.equal(parentOf(busy.pid!), helper);
      process.kill(helper, 'SIGKILL');
      assert.equal(failed(await spinning).errorMessage, 'Runtime exited with error: the sandbox launcher exited');
      await waitFor('the sandboxes to end', () => !isRunning(idle.pid!) && !isRunning(busy.pid!), { timeoutMs: 5_000 });
      // The next sandbox gets a new launcher.
      assert.equal(
        payload(
          await (await sandboxOf([file('index.mjs', 'export const handler = async () => 2;')], {}, own)).invoke({
            requestId: 'r',
            event: {},
            timeoutMs: 5_000,
            functionArn: 'arn',
          }),
        ),
        2,
      );
    } finally {
      own.stop();
    }
  });

  it('ends itself when its launcher goes, even with a timer of the handler keeping it alive', needsProc, async () => {
    const spec = await specOf([
      file('index.mjs', 'setInterval(() => {}, 1_000); export const handler = async () => 1;'),
    ]);
    const helper = fork(launcherFile, [], {
      execArgv: [],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'json',
    });
    const events: Array<{ ev: string; pid?: number; message?: { type?: string } }> = [];
    helper.on('message', (event: (typeof events)[number]) => events.push(event));
    await waitFor('the launcher', () => events.some((event) => event.ev === 'ready'));
    helper.send(startRequest(spec));
    await waitFor('the handler loaded', () => events.some((event) => event.message?.type === 'ready'));
    const pid = events.find((event) => event.ev === 'spawn')!.pid!;
    helper.kill('SIGKILL');
    await once(helper, 'exit');
    await waitFor('the orphaned sandbox to end', () => !isRunning(pid), { timeoutMs: 5_000 });
  });

  it("fails a response larger than Lambda's 6 MB payload, as Lambda does", async () => {
    const error = failed(await run("export const handler = async () => 'x'.repeat(7 * 1024 * 1024);"));
    assert.deepEqual(error, {
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size (7340034 bytes) exceeded maximum allowed payload size (6291456 bytes).',
      trace: [],
    });
  });

  it('ends a process that floods the runtime channel or sends more than a response on it, saying why', async () => {
    const flood = await run(`
      export const handler = async () => {
        for (let i = 0; i < 100_000; i++) process.send({ type: 'denied', permission: 'FileSystemRead', resource: '/' + i });
        await new Promise(() => {});
      };`);
    assert.equal(
      failed(flood).errorMessage,
      "Runtime exited with error: the function sent more than 64 messages on the runtime's channel",
    );
    const huge = await run(`
      export const handler = async () => {
        process.send({ type: 'result', payload: 'x'.repeat(8 << 20) });
        await new Promise(() => {});
      };`);
    assert.equal(
      failed(huge).errorMessage,
      "Runtime exited with error: the function sent a message larger than Lambda's 6 MB response payload",
    );
  });

  it("ends a process that writes a line without end on the channel's descriptor, and no other process", async () => {
    const steady = await sandboxOf([
      file(
        'index.mjs',
        'export const handler = async () => { await new Promise((r) => setTimeout(r, 1_500)); return 1; };',
      ),
    ]);
    const steadyResult = steady.invoke({ requestId: 'steady', event: {}, timeoutMs: 30_000, functionArn: 'a' });
    // One line longer than Node can hold in a string, unless its reader stops at the largest message.
    const endless = await run(`
      import { writeSync } from 'node:fs';
      export const handler = async () => {
        ${endlessChannelLine}
        await new Promise(() => {});
      };`);
    assert.equal(
      failed(endless).errorMessage,
      "Runtime exited with error: the function sent a message larger than Lambda's 6 MB response payload",
    );
    assert.equal(payload(await steadyResult), 1);
    steady.retire();
  });

  it("reads no more of a handler's output while pciq reads nothing of what it passed on", needsProc, async () => {
    const printed = 128 << 20;
    const spec = await specOf(
      [
        file(
          'index.mjs',
          `const line = 'x'.repeat((1 << 20) - 1) + '\\n';
          for (let i = 0; i < ${printed >> 20}; i++) process.stdout.write(line);
          export const handler = async () => 1;`,
        ),
      ],
      { memoryMb: 512 },
    );
    // A stand-in for pciq: it starts the launcher and one sandbox through it, then is stopped and reads nothing.
    const script = `
      import { fork } from 'node:child_process';
      const launcher = fork(${JSON.stringify(launcherFile)}, [], {
        execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json',
      });
      launcher.on('message', (event) => {
        if (event.ev === 'ready') launcher.send(${JSON.stringify(startRequest(spec))});
        if (event.ev === 'spawn') process.stdout.write(launcher.pid + ' ' + event.pid + '\\n');
      });`;
    const standIn = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [[pids]] = (await Promise.all([once(standIn.stdout!, 'data')])) as [[Buffer]];
      const [launcherPid, sandboxPid] = pids.toString().trim().split(' ').map(Number) as [number, number];
      process.kill(standIn.pid!, 'SIGSTOP');
      // The handler prints until everything is out or its writes wait on a full pipe.
      let written = -1;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const now = bytesWrittenBy(sandboxPid);
        if (now === written || now >= printed) break;
        written = now;
      }
      assert.ok(bytesWrittenBy(sandboxPid) < printed, 'the handler waits to print the rest');
      const heldKb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${launcherPid}/status`, 'utf8'))![1]);
      assert.ok(heldKb < 100 * 1024, `the launcher holds ${heldKb} kB`);
    } finally {
      standIn.kill('SIGKILL');
    }
  });

  it('runs as another user when given one, so even an escape cannot signal or read as pciq', {
    skip: process.getuid?.() === 0 ? false : 'needs root to switch users',
  }, async () => {
    const owned = new CodeCache({ owner: { uid: 65534, gid: 65534 } });
    try {
      const codeDir = await owned.dirFor('v', async () => [
        file(
          'index.mjs',
          'export const handler = async () => { try { process.kill(process.ppid, 0); return "signalled"; } catch (e) { return e.code; } };',
        ),
      ]);
      const sandbox = new Sandbox(
        {
          nodePath: process.execPath,
          bootstrapFile,
          codeDir,
          handler: 'index.handler',
          env: {},
          memoryMb: 128,
          user: { uid: 65534, gid: 65534 },
        },
        systemClock,
        launcher,
        watch,
      );
      const result = await sandbox.invoke({ requestId: 'r', event: {}, timeoutMs: 5_000, functionArn: 'a' });
      if (!result.ok && result.error.errorType === 'Runtime.ImportModuleError') {
        return; // pciq's own files are not readable by that user on this machine (e.g. under /root): nothing to show.
      }
      assert.equal(payload(result), 'EPERM');
    } finally {
      owned.dispose();
    }
  });
});
