import type { TlsOptions } from 'node:tls';

/**
 * PCI DSS 4.2.1: strong cryptography in transit. TLS 1.2 at least (1.3 preferred, negotiated first by
 * OpenSSL); for TLS 1.2 only ECDHE key exchange with AEAD ciphers (forward secrecy, no CBC, no RSA key
 * transport). TLS 1.3 suites are all AEAD and stay at OpenSSL's defaults.
 */
export const tls12Ciphers = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export interface TlsMaterial {
  cert: string;
  key: string;
  /** PEM of the CA whose certificates clients must present (mutual TLS); absent: no client certificates. */
  clientCa?: string;
}

export function tlsServerOptions(material: TlsMaterial): TlsOptions {
  const options: TlsOptions = {
    cert: material.cert,
    key: material.key,
    minVersion: 'TLSv1.2',
    ciphers: tls12Ciphers,
    honorCipherOrder: true,
  };
  if (material.clientCa) {
    // Mutual TLS: the handshake fails without a certificate chaining to this CA, before any HTTP is read.
    Object.assign(options, { ca: material.clientCa, requestCert: true, rejectUnauthorized: true });
  }
  return options;
}
