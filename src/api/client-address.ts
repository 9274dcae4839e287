import type { Socket } from 'node:net';
import { unmappedIpv4 } from '../core/index.ts';

/**
 * A client's address as it is recorded and searched (PCI DSS 10.2.2: origination). A server listening on
 * `::` sees IPv4 clients as `::ffff:a.b.c.d`; they are recorded as the IPv4 address people search for
 * (`pciq audit search --source-ip 10.0.4.7`) and review rules group by, as IAM policies name them.
 */
export function clientAddressOf(socket: Socket): string | null {
  const address = socket.remoteAddress;
  if (address === undefined) return null;
  return unmappedIpv4(address);
}
