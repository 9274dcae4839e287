/**
 * The runtime inside a function's sandbox process, the counterpart of Lambda's Node.js runtime: it loads the
 * handler module (the init phase), then runs the invocations sent over the IPC channel one after another, as
 * a Lambda execution environment does, until pciq ends it. It runs under Node's permission model and may read
 * only this file, the function's code and the runtime's modules, so it imports nothing but Node's built-in
 * modules.
 *
 * argv: CODE_ROOT HANDLER [RUNTIME_MODULES_DIR]. Messages in: { type: 'invoke', requestId, event, deadlineMs,
 * functionArn, endMarker }. Messages out: ready | init-error | denied | result | error, with errors shaped as
 * `ErrorInfo` in sandbox.ts ({ errorType, errorMessage, trace, code?, permission?, resource? }). Before its
 * result, an invocation writes `endMarker` to stdout and stderr: what the pipes carried before it is that
 * invocation's output (the pipes and the IPC channel are not ordered with each other).
 *
 * Plain JavaScript on purpose: stripping TypeScript types would cost each process start about 40 ms of CPU,
 * more than the rest of the runtime's start together.
 */
import childProcess from 'node:child_process';
import fs from 'node:fs';
import fsPromises from 'node:fs/promises';
import { createRequire, registerHooks, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

const [codeRoot = '', handlerName = '', runtimeModules] = process.argv.slice(2);
const send = (message, then) => {
  if (process.send) process.send(message, undefined, {}, () => then?.());
  else then?.();
};

let requestId = 'init';
/** Lambda's limit on a synchronous invocation's response payload; the launcher ends a process that sends more. */
const maxResponseBytes = 6 * 1024 * 1024;

/** Whether each output stream is at the start of a line: nothing written yet, or a line end written last. */
const atLineStart = { stdout: true, stderr: true };

/**
 * Notes where each stream's output ends. A line the handler left unfinished (`process.stdout.write('paid with '
 * + card)`) must not run into what the runtime writes next, a console line starting with a timestamp's digits
 * or the other stream's output: a card number followed by more digits is no longer found, and not masked.
 */
function watchLineEnds() {
  for (const name of ['stdout', 'stderr']) {
    const stream = process[name];
    const write = stream.write;
    stream.write = function (chunk, ...rest) {
      const length = chunk?.length ?? 0;
      if (length > 0) {
        const last = typeof chunk === 'string' ? chunk.charCodeAt(length - 1) : chunk[length - 1];
        atLineStart[name] = last === 10;
      }
      return write.call(this, chunk, ...rest);
    };
  }
}

/** A line end when `name` has an unfinished line, so that what follows starts a line of its own. */
function lineBreakFor(name) {
  return atLineStart[name] ? '' : '\n';
}

/**
 * A digit, or a separator as src/guard/pan-scanner.ts reads them: spaces, dashes, dots, `+`, `/`, `_`, a tab as
 * util.inspect writes it (`\t`), URL escapes of a space or dash, HTML no-break spaces. A copy:
 * test/functions/cut-digits.test.ts holds it to the scanner, character by character.
 */
const cutToken = String.raw`(?:[\p{Nd} .+\-\u00a0\u2009\u202f\u3000\uff0d\u2010-\u2014/_]|\\t|%2[0Dd]|&nbsp;|&#160;)`;
/** The start of a separator escape, where the cut fell inside one (`%2`, `&nbs`, `&#16`). */
const cutEscape = '(?:%2?|&(?:n(?:b(?:sp?)?)?|#(?:1(?:60?)?)?)?)';
const inspectCut = String.raw`(?=['"\u0060]\.\.\. \d+ more characters?)`;
/**
 * Where util.inspect cut a long string (past its 10,000 characters: `'…4111111111'... 6 more characters`), what
 * is left of a card number keeps more digits than masking leaves, too few to be found as one (PCI DSS 3.4.1):
 * the digits and separators before the cut go. They are looked for only where such a stretch starts (not
 * after a digit, a separator or the `%` of a `%20`): a string of 10,000 digits costs one pass, not one per
 * character.
 */
const digitsCutByInspect = new RegExp(
  `(?<!${cutToken}|%(?=20))(?:${cutToken}+${cutEscape}?|${cutEscape})${inspectCut}`,
  'gu',
);

/** Lambda's Node.js runtime prefixes console output with time, request id and level; so does this one. */
function patchConsole() {
  const levels = [
    ['log', 'INFO'],
    ['info', 'INFO'],
    ['warn', 'WARN'],
    ['error', 'ERROR'],
    ['debug', 'DEBUG'],
    ['trace', 'TRACE'],
  ];
  for (const [method, level] of levels) {
    console[method] = (...args) => {
      process.stdout.write(
        `${lineBreakFor('stdout')}${new Date().toISOString()}\t${requestId}\t${level}\t${format(...args).replace(digitsCutByInspect, '')}\n`,
      );
    };
  }
}

/**
 * Reports each refusal of the permission model to pciq, which audits it, even when the handler catches the
 * error and carries on (PCI DSS 10.2.1.4, invalid access attempts). Enforcement is Node's; this only tells.
 */
function reportDenials() {
  const reported = new Set();
  const report = (error) => {
    const denied = error;
    if (denied?.code !== 'ERR_ACCESS_DENIED') return;
    const key = `${String(denied.permission)}\n${String(denied.resource)}`;
    if (reported.has(key) || reported.size >= 10) return;
    reported.add(key);
    send({ type: 'denied', permission: String(denied.permission ?? ''), resource: String(denied.resource ?? '') });
  };
  const wrap = (target) => {
    for (const name of Object.keys(target)) {
      const original = target[name];
      if (typeof original !== 'function' || /^[A-Z]/.test(name)) continue;
      const fn = original;
      target[name] = function (...args) {
        const last = args[args.length - 1];
        if (typeof last === 'function') {
          args[args.length - 1] = (error, ...rest) => {
            report(error);
            return last(error, ...rest);
          };
        }
        try {
          const value = fn.apply(this, args);
          if (value instanceof Promise) {
            return value.catch((error) => {
              report(error);
              throw error;
            });
          }
          return value;
        } catch (error) {
          report(error);
          throw error;
        }
      };
    }
  };
  wrap(fs);
  wrap(fsPromises);
  wrap(childProcess);
  syncBuiltinESMExports();
  process.on('uncaughtExceptionMonitor', report);
}

/** Bare imports the function's code does not bundle resolve from the runtime's modules, as Lambda provides the AWS SDK. */
function provideRuntimeModules(dir) {
  const parentURL = pathToFileURL(join(dir, 'runtime.js')).href;
  // require() resolves from the requiring module, whatever the context says: ask a require rooted in `dir`.
  const requireFromRuntime = createRequire(join(dir, 'runtime.js'));
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (error) {
        const isBare = !/^(\.|\/|[a-z][a-z0-9+.-]*:)/i.test(specifier);
        // ERR_MODULE_NOT_FOUND from import, MODULE_NOT_FOUND from require (CommonJS handlers).
        const notFound = error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'MODULE_NOT_FOUND';
        if (!notFound || !isBare) throw error;
        if (!context.conditions?.includes('require')) return nextResolve(specifier, { ...context, parentURL });
        return { url: pathToFileURL(requireFromRuntime.resolve(specifier)).href, shortCircuit: true };
      }
    },
  });
}

function errorInfo(error, fallbackType) {
  const value = error;
  const info = {
    errorType: typeof value?.name === 'string' && value.name !== 'Error' ? value.name : fallbackType,
    errorMessage: typeof value?.message === 'string' ? value.message : String(error),
    trace: typeof value?.stack === 'string' ? value.stack.split('\n').slice(0, 30) : [],
  };
  if (value && typeof value === 'object' && value.code === 'ERR_ACCESS_DENIED') {
    const denied = value;
    info.code = 'ERR_ACCESS_DENIED';
    info.permission = String(denied.permission ?? '');
    info.resource = String(denied.resource ?? '');
  } else if (typeof value?.code === 'string') {
    info.code = value.code;
  }
  return info;
}

async function loadHandler() {
  const slash = handlerName.lastIndexOf('/');
  const dot = handlerName.indexOf('.', slash + 1);
  const modulePath = handlerName.slice(0, dot);
  const exportPath = handlerName.slice(dot + 1).split('.');
  const file = ['.js', '.mjs', '.cjs']
    .map((ext) => join(codeRoot, `${modulePath}${ext}`))
    .find((f) => fs.existsSync(f));
  if (!file) {
    throw Object.assign(new Error(`Cannot find module '${modulePath}'`), { name: 'Runtime.ImportModuleError' });
  }
  let module;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    const type = error instanceof SyntaxError ? 'Runtime.UserCodeSyntaxError' : 'Runtime.ImportModuleError';
    throw Object.assign(new Error(`${(error)?.message ?? String(error)}`), {
      name: type,
      ...errorDetails(error),
    });
  }
  const lookup = (root) => exportPath.reduce((value, key) => value?.[key], root);
  const handler = lookup(module) ?? lookup(module.default);
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${handlerName} is undefined or not exported`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return handler;
}

function errorDetails(error) {
  const value = error;
  return value?.code === 'ERR_ACCESS_DENIED'
    ? { code: value.code, permission: value.permission, resource: value.resource }
    : {};
}

function contextFor(message) {
  const env = process.env;
  return {
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: message.functionArn,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: message.requestId,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.deadlineMs - Date.now()),
  };
}

/** Async handlers return a promise; callback handlers (three parameters) call back; others return a value. */
function runHandler(handler, message) {
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error ? reject(error) : resolve(result));
    let returned;
    try {
      returned = handler(message.event, contextFor(message), callback);
    } catch (error) {
      reject(error);
      return;
    }
    if (returned && typeof returned.then === 'function') {
      returned.then(resolve, reject);
    } else if (handler.length < 3) {
      resolve(returned);
    }
  });
}

function finish(message, code) {
  send(message, () => process.exit(code));
}

/** Writes the end marker on both output streams, then reports the outcome; the process waits for the next. */
function settle(message, endMarker) {
  let pending = 2;
  const written = () => {
    if (--pending === 0) send(message);
  };
  process.stdout.write(lineBreakFor('stdout') + endMarker, written);
  process.stderr.write(lineBreakFor('stderr') + endMarker, written);
  // The marker is taken out of the logs: the next invocation's output starts at a line start.
  atLineStart.stdout = atLineStart.stderr = true;
}

/** Runs one invocation; the handler's result or error is reported, and the process stays for the next one. */
function invoke(handler, message) {
  requestId = message.requestId;
  const endMarker = String(message.endMarker);
  runHandler(handler, message).then(
    (payload) => {
      let json;
      let serialized;
      try {
        json = payload === undefined ? 'null' : JSON.stringify(payload);
        serialized = JSON.parse(json);
      } catch (error) {
        return settle({ type: 'error', error: errorInfo(error, 'Runtime.ResponseSerializationError') }, endMarker);
      }
      const bytes = Buffer.byteLength(json);
      if (bytes > maxResponseBytes) {
        const errorMessage = `Response payload size (${bytes} bytes) exceeded maximum allowed payload size (${maxResponseBytes} bytes).`;
        const error = { errorType: 'Function.ResponseSizeTooLarge', errorMessage, trace: [] };
        return settle({ type: 'error', error }, endMarker);
      }
      settle({ type: 'result', payload: serialized }, endMarker);
    },
    (error) => settle({ type: 'error', error: errorInfo(error, 'Error') }, endMarker),
  );
}

async function main() {
  // Without its launcher nobody would end this process or send it work: a timer or socket the handler left open
  // must not keep it running (pciq itself ends a process busy in a loop when it sees its launcher go).
  process.on('disconnect', () => process.exit(1));
  watchLineEnds();
  patchConsole();
  reportDenials();
  if (runtimeModules) provideRuntimeModules(runtimeModules);
  // As in Lambda's runtime, an error escaping the handler's flow ends the execution environment.
  process.on('uncaughtException', (error) =>
    finish({ type: 'error', error: errorInfo(error, 'Runtime.UncaughtException') }, 1),
  );
  process.on('unhandledRejection', (error) =>
    finish({ type: 'error', error: errorInfo(error, 'Runtime.UnhandledPromiseRejection') }, 1),
  );
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    finish({ type: 'init-error', error: errorInfo(error, 'Runtime.ImportModuleError') }, 1);
    return;
  }
  // The IPC channel keeps the process alive between invocations, and while a handler's promise never settles
  // (it then runs into its timeout, as in Lambda, rather than ending the process).
  process.on('message', (message) => {
    if (message?.type !== 'invoke')
      return finish({ type: 'error', error: errorInfo(new Error('bad request'), 'Runtime.Error') }, 1);
    invoke(handler, message);
  });
  send({ type: 'ready' });
}

void main();
