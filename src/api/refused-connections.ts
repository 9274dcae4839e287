import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestAuditor } from '../audit/index.ts';
import { clientAddressOf } from './client-address.ts';
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

/**
 * Records connections refused before the request handler sees a request (PCI DSS 10.2.1.4: invalid logical
 * access attempts): a TLS handshake that failed — no client certificate where mutual TLS requires one, an
 * untrusted one, no common protocol or cipher — and bytes Node's HTTP parser refused (malformed, headers over
 * the limit, too slow). Each is recorded once per connection (a TLS 1.3 client certificate is checked after
 * the server's side of the handshake, so its refusal reaches both events), with its origin and error code,
 * never the bytes sent.
 */
export function auditRefusedConnections(
  server: Server,
  auditor: RequestAuditor,
  onError: (error: unknown) => void,
): void {
  const recorded = new WeakSet<Socket>();
  /** Records the refusal of `socket`'s connection; returns what it was, or undefined for a disconnect. */
  const record = (socket: Socket, error: unknown): Refusal | undefined => {
    const code = codeOf(error);
    if (code !== null && disconnects.has(code)) return undefined;
    const refusal = refusalOf(code);
    if (recorded.has(socket)) return refusal;
    recorded.add(socket);
    // Read now, while the connection is open.
    const facts = tlsFactsOf(socket);
    const origin = {
      ip: clientAddressOf(socket),
      userAgent: null,
      tls: facts.tlsProtocol,
      clientCertificate: facts.clientCertificate,
    };
    auditor.refused({ origin, type: refusal.type, error: refusal.error, details: refusal.details }).catch(onError);
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
}
