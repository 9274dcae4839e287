import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Caller, type Clock, isPciqError, newRequestId, PciqError } from '../core/index.ts';
import { type AccessKeyDirectory, authorize } from '../iam/index.ts';
import type { QueueService } from '../queues/index.ts';
import { wireErrorOf } from './error-codes.ts';
import { readBody } from './read-body.ts';
import { verifySigV4 } from './sigv4/index.ts';
import { sqsActions } from './sqs/actions/index.ts';
import { ActionInput } from './sqs/input.ts';
import { jsonProtocol } from './sqs/json-protocol.ts';
import { queryProtocol } from './sqs/query-protocol.ts';
import type { EncodedResponse, WireProtocol } from './sqs/wire.ts';

export interface RequestHandlerOptions {
  queues: QueueService;
  accessKeys: AccessKeyDirectory;
  clock: Clock;
  region: string;
  /** Aborts when the server drains: parked long polls return at once. */
  drainSignal: AbortSignal;
  /** Called for failures that are ours, not the client's; never given request bodies. */
  onInternalError: (requestId: string, error: unknown) => void;
}

/** Largest request body read: a 1 MiB batch in the Query protocol's percent-encoding, with room to spare. */
const maxBodyBytes = 8 * 1024 * 1024;

/**
 * One SQS request: protocol → SigV4 → decode → authorize → action → encode. Every outcome, success or
 * error, is answered in the protocol the client spoke.
 */
export function createRequestHandler(options: RequestHandlerOptions) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = newRequestId();
    const protocol: WireProtocol = request.headers['x-amz-target'] ? jsonProtocol : queryProtocol;
    const clientGone = new AbortController();
    response.on('close', () => clientGone.abort());
    try {
      const encoded = await handle(
        options,
        request,
        protocol,
        requestId,
        AbortSignal.any([clientGone.signal, options.drainSignal]),
      );
      send(response, encoded);
    } catch (error) {
      send(response, encodeError(options, protocol, requestId, error));
    }
  };
}

async function handle(
  options: RequestHandlerOptions,
  request: IncomingMessage,
  protocol: WireProtocol,
  requestId: string,
  signal: AbortSignal,
): Promise<EncodedResponse> {
  if (request.method !== 'POST' && request.method !== 'GET') {
    throw new PciqError(
      'MalformedRequest',
      `Method ${request.method} is not supported; SQS requests are POST (or GET for Query).`,
    );
  }
  const body = await readBody(request, maxBodyBytes);
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? '' : url.slice(queryStart + 1);
  const caller = await authenticate(options, {
    method: request.method,
    rawPath,
    rawQuery,
    rawHeaders: request.rawHeaders,
    body,
  });
  const decoded = protocol.decode({ headers: request.headers, body, query: rawQuery });
  const action = sqsActions.get(decoded.action);
  if (!action) {
    throw new PciqError(
      'InvalidAction',
      `The action ${decoded.action.slice(0, 64) || '(none)'} is not valid for this endpoint.`,
    );
  }
  const input = new ActionInput(decoded.input, safeDecodePath(rawPath));
  const context = { queues: options.queues, caller, region: options.region, signal };
  authorize(caller, `sqs:${action.name}`, action.resource(input, context));
  const output = await action.run(input, context);
  return protocol.encodeResult(action.name, output, requestId, action.queryListElements ?? {});
}

async function authenticate(
  options: RequestHandlerOptions,
  request: { method: string; rawPath: string; rawQuery: string; rawHeaders: string[]; body: Buffer },
): Promise<Caller> {
  let unknownKeyId: string | undefined;
  const verify = () =>
    verifySigV4(request, {
      nowMs: options.clock.now(),
      lookupSecret: (id) => {
        const key = options.accessKeys.lookup(id);
        if (!key) unknownKeyId = id;
        return key;
      },
      services: ['sqs'],
    });
  let verified: ReturnType<typeof verify>;
  try {
    verified = verify();
  } catch (error) {
    // A key created since the directory was loaded (by `pciq` in another process) is picked up once.
    if (unknownKeyId === undefined || !(await options.accessKeys.refreshFor(unknownKeyId))) throw error;
    verified = verify();
  }
  const key = options.accessKeys.lookup(verified.accessKeyId);
  if (!key) throw new PciqError('InvalidClientTokenId', 'The security token included in the request is invalid.');
  options.accessKeys.noteUse(verified.accessKeyId);
  return key.caller;
}

function safeDecodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function encodeError(
  options: RequestHandlerOptions,
  protocol: WireProtocol,
  requestId: string,
  error: unknown,
): EncodedResponse {
  if (isPciqError(error) && error.code !== 'InternalFailure') {
    return protocol.encodeError({ ...wireErrorOf(error.code), code: error.code, message: error.message }, requestId);
  }
  options.onInternalError(requestId, error);
  // Internal details stay in our log; the client gets the request id to quote.
  return protocol.encodeError(
    {
      ...wireErrorOf('InternalFailure'),
      code: 'InternalFailure',
      message: `We encountered an internal error. Please try again. (request ${requestId})`,
    },
    requestId,
  );
}

function send(response: ServerResponse, encoded: EncodedResponse): void {
  if (response.destroyed || response.headersSent) return;
  const body = Buffer.from(encoded.body, 'utf8');
  response.writeHead(encoded.status, { ...encoded.headers, 'content-length': String(body.length) });
  response.end(body);
}
