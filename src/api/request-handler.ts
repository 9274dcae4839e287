import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RequestAudit, RequestAuditor } from '../audit/index.ts';
import { type Caller, type Clock, isPciqError, newRequestId, PciqError } from '../core/index.ts';
import type { AuthorizationContext } from '../iam/index.ts';
import { ActionInput } from './action-input.ts';
import { clientAddressOf } from './client-address.ts';
import { wireErrorOf } from './error-codes.ts';
import { readBody } from './read-body.ts';
import type { ActionContext, ApiService, AppServices, RequestOrigin } from './service.ts';
import { apiServices } from './services.ts';
import { verifySigV4 } from './sigv4/index.ts';
import { sqsService } from './sqs/service.ts';
import { tlsFactsOf } from './tls-facts.ts';
import type { EncodedResponse, WireProtocol } from './wire.ts';

export interface RequestHandlerOptions {
  app: AppServices;
  clock: Clock;
  region: string;
  /** Aborts when the server drains: parked long polls return at once. */
  drainSignal: AbortSignal;
  /** Called for failures that are ours, not the client's; never given request bodies. */
  onInternalError: (requestId: string, error: unknown) => void;
  /**
   * Records every request, whatever its outcome (PCI DSS 10.2.1). Absent only where auditing is deliberately
   * off, to measure what it costs.
   */
  audit?: RequestAuditor;
}

/** Largest request body read: a 1 MiB batch in the Query protocol's percent-encoding, with room to spare. */
const maxBodyBytes = 8 * 1024 * 1024;

const signingNames = apiServices.map((service) => service.signingName);

/** The service and protocol of a request; the protocol is what errors are answered in. */
interface Exchange {
  /** Known from X-Amz-Target for JSON requests; from the SigV4 scope, after authentication, for Query. */
  service: ApiService | undefined;
  protocol: WireProtocol;
}

function claimedApi(request: IncomingMessage): Exchange {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') {
    const service = apiServices.find((candidate) => candidate.json && target.startsWith(candidate.json.targetPrefix));
    return { service, protocol: service?.json?.protocol ?? sqsService.json!.protocol };
  }
  // A Query request names its service only in the SigV4 scope; errors before that are answered as SQS does.
  return { service: undefined, protocol: sqsService.query! };
}

/**
 * One API request: route → SigV4 → decode → authorize → action → encode. Every outcome, success or error,
 * is answered in the protocol the client spoke.
 */
export function createRequestHandler(options: RequestHandlerOptions) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = newRequestId();
    const exchange = claimedApi(request);
    const origin = originOf(request);
    const claimedAction = claimedJsonAction(request, exchange);
    const audit = options.audit?.begin({
      requestId,
      origin: {
        ip: origin.sourceIp,
        userAgent: origin.userAgent,
        tls: origin.tlsProtocol,
        clientCertificate: origin.clientCertificate,
      },
      type: `${exchange.service?.signingName ?? 'sqs'}:${claimedAction}`,
      category: exchange.service?.auditCategory(claimedAction) ?? 'management',
    });
    const clientGone = new AbortController();
    // Only a client that leaves before its answer aborts the work (aborting builds an exception: not for free).
    response.on('close', () => {
      if (!response.writableFinished) clientGone.abort();
    });
    let encoded: EncodedResponse;
    let errorCode: string | undefined;
    try {
      const signal = AbortSignal.any([clientGone.signal, options.drainSignal]);
      const work = () => handle(options, request, exchange, { requestId, origin, audit }, signal);
      encoded = await (audit && options.audit ? options.audit.run(audit, work) : work());
    } catch (error) {
      errorCode = isPciqError(error) ? error.code : 'InternalFailure';
      encoded = encodeError(options, exchange.protocol, requestId, error);
    }
    if (audit && options.audit) {
      try {
        await options.audit.finish(audit, errorCode);
      } catch (error) {
        // No answer without its record: if the record cannot be written, the request fails (fail closed).
        encoded = encodeError(options, exchange.protocol, requestId, error);
      }
    }
    send(response, encoded);
  };
}

/** What a request claims to be before anything is verified: for the record of a refused request. */
function claimedJsonAction(request: IncomingMessage, exchange: Exchange): string {
  const target = request.headers['x-amz-target'];
  const prefix = exchange.service?.json?.targetPrefix;
  const action = typeof target === 'string' && prefix ? target.slice(prefix.length) : '';
  return /^[A-Za-z]{1,64}$/.test(action) ? action : '(unknown)';
}

function claimedQueryAction(body: Buffer, rawQuery: string): string {
  const action =
    new URLSearchParams(rawQuery).get('Action') ?? new URLSearchParams(body.toString('latin1')).get('Action');
  return action && /^[A-Za-z]{1,64}$/.test(action) ? action : '(unknown)';
}

/**
 * The service a Query request's credential scope names, read before anything is verified: IAM and STS speak
 * only the Query protocol, and a refused `CreateUser` must be recorded as IAM's, not SQS's (PCI DSS 10.2.2).
 */
function claimedQueryService(request: IncomingMessage, rawQuery: string): ApiService | undefined {
  const authorization = request.headers.authorization;
  const credential =
    typeof authorization === 'string'
      ? /Credential=([^,\s]+)/.exec(authorization)?.[1]
      : new URLSearchParams(rawQuery).get('X-Amz-Credential');
  const service = credential?.split('/')[3];
  return apiServices.find((candidate) => candidate.query && candidate.signingName === service);
}

function originOf(request: IncomingMessage): RequestOrigin {
  return {
    sourceIp: clientAddressOf(request.socket) ?? '',
    userAgent: String(request.headers['user-agent'] ?? ''),
    secureTransport: Boolean((request.socket as TLSSocket).encrypted),
    ...tlsFactsOf(request.socket),
  };
}

async function handle(
  options: RequestHandlerOptions,
  request: IncomingMessage,
  exchange: Exchange,
  { requestId, origin, audit }: { requestId: string; origin: RequestOrigin; audit: RequestAudit | undefined },
  signal: AbortSignal,
): Promise<EncodedResponse> {
  if (request.method !== 'POST' && request.method !== 'GET') {
    throw new PciqError(
      'MalformedRequest',
      `Method ${request.method} is not supported; API requests are POST (or GET for Query).`,
    );
  }
  const body = await readBody(request, maxBodyBytes);
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? '' : url.slice(queryStart + 1);
  if (audit && !exchange.service) {
    const action = claimedQueryAction(body, rawQuery);
    const claimed = claimedQueryService(request, rawQuery) ?? sqsService;
    audit.describe({ type: `${claimed.signingName}:${action}`, category: claimed.auditCategory(action) });
  }
  const { caller, service: signedFor } =
    exchange.service?.authentication === 'none'
      ? { caller: anonymousCaller, service: exchange.service.signingName }
      : await authenticate(
          options,
          {
            method: request.method,
            rawPath,
            rawQuery,
            rawHeaders: request.rawHeaders,
            body,
          },
          audit,
        );
  const isJson = exchange.service !== undefined;
  const service =
    exchange.service ?? apiServices.find((candidate) => candidate.query && candidate.signingName === signedFor);
  const protocol = isJson ? service?.json?.protocol : service?.query;
  if (!service || !protocol || service.signingName !== signedFor) {
    throw new PciqError(
      'IncompleteSignature',
      `Credential should be scoped to the service the request is for, not '${signedFor}'.`,
    );
  }
  exchange.service = service;
  exchange.protocol = protocol;
  const decoded = protocol.decode({ headers: request.headers, body, query: rawQuery });
  const action = service.actions.get(decoded.action);
  if (!action) {
    throw new PciqError(
      'InvalidAction',
      `The action ${decoded.action.slice(0, 64) || '(none)'} is not valid for this endpoint.`,
    );
  }
  audit?.describe({
    type: `${service.signingName}:${action.name}`,
    category: service.auditCategory(action.name),
  });
  const input = new ActionInput(decoded.input, safeDecodePath(rawPath));
  // aws:RequestedRegion: IAM has one global endpoint, which AWS places in us-east-1.
  const requestedRegion = service.signingName === 'iam' ? 'us-east-1' : options.region;
  // What a decision on `resource` knows of the request: its origin, its Region, and the resource's own policy
  // and tags, which count for a further action as for the request's own (a queue policy granting
  // sqs:SendMessage on a move task's destination).
  const authorizationFor = async (
    resource: string,
    resourceKeys?: AuthorizationContext['keys'],
  ): Promise<AuthorizationContext> => {
    const authorization: AuthorizationContext = { origin, requestedRegion };
    if (resourceKeys) return { ...authorization, keys: resourceKeys };
    const access = await service.resourceAccess?.(resource, context);
    if (access?.policy !== undefined) authorization.resourcePolicy = access.policy;
    if (access) authorization.keys = access.keys;
    return authorization;
  };
  const context: ActionContext = {
    app: options.app,
    caller,
    region: options.region,
    origin,
    signal,
    // A further action the request performs goes through the same decision point, with the request's origin.
    authorize: async (iamAction, resource, further) => {
      const authorization = await authorizationFor(resource, further?.resourceKeys);
      if (further?.explicitDenyOnly)
        await options.app.iam.refuseExplicitDeny(caller, iamAction, resource, authorization);
      else await options.app.iam.authorize(caller, iamAction, resource, authorization);
    },
    note: (details) => audit?.describe({ details }),
  };
  const resource = await action.resource(input, context);
  audit?.describe({ resource });
  if (action.auditDetails) audit?.describe({ details: action.auditDetails(input, context) });
  if (action.authorization !== 'self') {
    const authorization = await authorizationFor(resource);
    if (action.conditionKeys)
      authorization.keys = { ...authorization.keys, ...(await action.conditionKeys(input, context)) };
    const iamAction = `${service.actionPrefix ?? service.signingName}:${action.permission ?? action.name}`;
    await options.app.iam.authorize(caller, iamAction, resource, authorization);
  }
  const output = await action.run(input, context);
  return protocol.encodeResult(action.name, output, requestId, action.queryListElements ?? {});
}

/** The caller of an unsigned request (the sign-in API): nobody yet; its actions authenticate people themselves. */
const anonymousCaller: Caller = { accountId: '', principalArn: 'anonymous', accessKeyId: '', senderId: '' };

async function authenticate(
  options: RequestHandlerOptions,
  request: { method: string; rawPath: string; rawQuery: string; rawHeaders: string[]; body: Buffer },
  audit: RequestAudit | undefined,
): Promise<{ caller: Caller; service: string }> {
  const directory = options.app.iam.directory;
  // One read of the identity revision: a key deactivated or a policy changed anywhere applies from here on.
  await directory.sync();
  let unknownKeyId: string | undefined;
  const verify = () =>
    verifySigV4(request, {
      nowMs: options.clock.now(),
      lookupSecret: (id) => {
        const known = directory.lookup(id);
        if (!known) unknownKeyId = id;
        // A refused request is recorded against the key it claimed and, if that key exists, its principal
        // (PCI DSS 10.2.1.4: invalid logical access attempts).
        audit?.identify({
          principal: known?.caller.principalArn ?? null,
          accessKeyId: known || isKeyIdShaped(id) ? id : notAKeyId,
          accountId: known?.caller.accountId ?? null,
        });
        return known;
      },
      services: signingNames,
    });
  let verified: ReturnType<typeof verify>;
  try {
    verified = verify();
  } catch (error) {
    // A key or session created by another process since this one last looked is picked up once.
    if (unknownKeyId === undefined || !(await directory.refreshFor(unknownKeyId))) throw error;
    verified = verify();
  }
  const credential = directory.lookup(verified.accessKeyId);
  if (!credential)
    throw new PciqError('InvalidClientTokenId', 'The security token included in the request is invalid.');
  await directory.admit(credential, verified.sessionToken);
  audit?.identify({
    principal: credential.caller.principalArn,
    accessKeyId: credential.caller.accessKeyId,
    accountId: credential.caller.accountId,
  });
  return { caller: credential.caller, service: verified.service };
}

/**
 * An access key id as AWS (and pciq) make them: upper-case letters and digits. A claimed id of another shape
 * is recorded as `notAKeyId`: people swap the key id and the secret in their configuration, and a secret
 * must never reach the trail (PCI DSS 8.3.1).
 */
const keyIdShape = /^[A-Z0-9]{16,128}$/;
const notAKeyId = '(not an access key id)';

function isKeyIdShaped(id: string): boolean {
  return keyIdShape.test(id);
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
