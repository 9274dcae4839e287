import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface TlsFacts {
  /** The TLS protocol negotiated; null for plain HTTP or before a protocol was agreed. */
  tlsProtocol: string | null;
  /** SHA-256 fingerprint of the client certificate presented, if any (PCI DSS 10.2.2: origination). */
  clientCertificate: string | null;
}

/** TLS facts of a connection, worked out once per connection rather than per request. */
const tlsFacts = new WeakMap<Socket, TlsFacts>();

export function tlsFactsOf(socket: Socket): TlsFacts {
  let facts = tlsFacts.get(socket);
  if (!facts) {
    const tls = socket as TLSSocket;
    const certificate = tls.encrypted ? tls.getPeerCertificate?.() : undefined;
    facts = {
      tlsProtocol: tls.encrypted ? (tls.getProtocol?.() ?? null) : null,
      clientCertificate: certificate?.raw ? createHash('sha256').update(certificate.raw).digest('hex') : null,
    };
    tlsFacts.set(socket, facts);
  }
  return facts;
}
