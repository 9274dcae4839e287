import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestAuditor } from '../audit/index.ts';
import type { Clock } from '../core/index.ts';
import { clientAddressOf } from './client-address.ts';
import { RefusalFloodTracker, type RefusalSummary, refusalWindowMs } from './refusal-flood.ts';
import { tlsFactsOf } from './tls-facts.ts';

/**
 * A peer that went away refused nothing: a dropped connection (a port check, a client giving up, one that
 * hung up in the middle of a request) is no access attempt.
 */
const disconnects = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'HPE_INVALID_EOF_STATE']);

const errorCodeShape = /^[A-Z0-9_]{1,64}$/;

/** An error's Node or OpenSSL code, kept only if shaped like one: never a message, which may echo input. */
function codeOf(error: unknown): string | null {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && errorCodeShape.test(code) ? code : null;
}

interface Refusal {
  type: string;
  error: string;
  details: Record<string, string | null>;
  /** What Node answers by default, for a refusal made in HTTP. */
  answer?: string;
}

/** What a refusal is, from its error code: a TLS handshake OpenSSL failed, or bytes the HTTP parser refused. */
function refusalOf(code: string | null): Refusal {
  if (code?.startsWith('ERR_SSL_') || code?.startsWith('ERR_TLS_')) {
    // OpenSSL's codes for a client certificate missing, untrusted, expired or otherwise refused.
    const isCertificate = /CERTIFICATE|_CERT_|UNKNOWN_CA/.test(code);
    const error = isCertificate ? 'ClientCertificateRefused' : 'TlsHandshakeFailed';
    return { type: 'pciq:TlsHandshake', error, details: { tlsError: code } };
  }
  const details = { httpError: code };
  if (code === 'HPE_HEADER_OVERFLOW') {
    const answer = '431 Request Header Fields Too Large';
    return { type: 'pciq:HttpRequest', error: 'RequestHeaderFieldsTooLarge', details, answer };
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { type: 'pciq:HttpRequest', error: 'RequestTimeout', details, answer: '408 Request Timeout' };
  }
  return { type: 'pciq:HttpRequest', error: 'MalformedRequest', details, answer: '400 Bad Request' };
}

/** The summary of a flood's refusals past the first few, as the audit records it: counts and codes, no bytes. */
function summaryRecordOf(summary: RefusalSummary) {
  const details: Record<string, string | number | null> = {
    firstTime: new Date(summary.firstMs).toISOString(),
    lastTime: new Date(summary.lastMs).toISOString(),
    errorCodes: summary.codes.length > 0 ? summary.codes.join(' ') : null,
    windowSec: refusalWindowMs / 1000,
  };
  if (summary.addresses) {
    // The aggregate over addresses beyond the tracker's cap: no one origin, so the first and last it counted.
    details['firstAddress'] = summary.addresses.first;
    details['lastAddress'] = summary.addresses.last;
  }
  const origin = { ip: summary.ip, userAgent: null, tls: null, clientCertificate: null };
  return { origin, type: summary.type, error: summary.error, details, occurrences: summary.occurrences };
}

/** What the server calls on stop: records what was counted and not yet summarized, and waits for every record. */
export interface RefusedConnectionsAudit {
  flush(): Promise<void>;
}

/**
 * Records connections refused before the request handler sees a request (PCI DSS 10.2.1.4: invalid logical
 * access attempts): a TLS handshake that failed — no client certificate where mutual TLS requires one, an
 * untrusted one, no common protocol or cipher — and bytes Node's HTTP parser refused (malformed, headers over
 * the limit, too slow). Each is recorded once per connection (a TLS 1.3 client certificate is checked after
 * the server's side of the handshake, so its refusal reaches both events), with its origin and error code,
 * never the bytes sent.
 *
 * A flood (a scanner, a client reconnecting in a loop, an attack) is recorded as one: the first refusals of
 * a kind from an address within a window one by one, the rest as one summary with their count, so it can
 * neither grow the trail nor cost a durable write per connection without limit (see `RefusalFloodTracker`).
 */
export function auditRefusedConnections(
  server: Server,
  auditor: RequestAuditor,
  clock: Clock,
  onError: (error: unknown) => void,
): RefusedConnectionsAudit {
  const writes = new Set<Promise<void>>();
  const write = (refusal: Parameters<RequestAuditor['refused']>[0]) => {
    const written = auditor.refused(refusal).catch(onError);
    writes.add(written);
    void written.finally(() => writes.delete(written));
  };
  const tracker = new RefusalFloodTracker({ clock, onSummary: (summary) => write(summaryRecordOf(summary)) });
  const recorded = new WeakSet<Socket>();
  /** Records the refusal of `socket`'s connection; returns what it was, or undefined for a disconnect. */
  const record = (socket: Socket, error: unknown): Refusal | undefined => {
    const code = codeOf(error);
    if (code !== null && disconnects.has(code)) return undefined;
    const refusal = refusalOf(code);
    if (recorded.has(socket)) return refusal;
    recorded.add(socket);
    const ip = clientAddressOf(socket);
    if (!tracker.admit({ ip, type: refusal.type, error: refusal.error, code })) return refusal;
    // Read now, while the connection is open.
    const facts = tlsFactsOf(socket);
    const origin = { ip, userAgent: null, tls: facts.tlsProtocol, clientCertificate: facts.clientCertificate };
    write({ origin, type: refusal.type, error: refusal.error, details: refusal.details });
    return refusal;
  };
  server.on('tlsClientError', (error: Error, socket: Socket) => {
    record(socket, error);
  });
  // A listener replaces Node's own handling, so its answer is given here as Node gives it.
  server.on('clientError', (error: Error, socket: Socket) => {
    const refusal = record(socket, error);
    if (refusal?.answer && socket.writable && socket.bytesWritten === 0) {
      socket.end(`HTTP/1.1 ${refusal.answer}\r\nConnection: close\r\n\r\n`);
    } else {
      socket.destroy();
    }
  });
  return {
    async flush() {
      tracker.flush();
      await Promise.all(writes);
    },
  };
}
