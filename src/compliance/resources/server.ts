import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ResourceProvider, singletonArn } from '../resource.ts';
import type { CertificateFacts } from '../server-settings.ts';

/** The development CA `pciq init` creates: fine for a laptop, never for cardholder data (PCI DSS 4.2.1). */
const developmentCaName = 'pciq development CA';

/** Facts of a PEM certificate; null when it cannot be read. */
export function certificateFacts(pem: string, source: CertificateFacts['source']): CertificateFacts | null {
  try {
    const certificate = new X509Certificate(pem);
    return {
      source,
      subject: certificate.subject.replace(/\n/g, ', '),
      issuer: certificate.issuer.replace(/\n/g, ', '),
      notAfter: new Date(certificate.validTo).toISOString(),
      isDevelopmentCa: certificate.issuer.includes(developmentCaName),
    };
  } catch {
    return null;
  }
}

/**
 * The endpoint's transport (PCI DSS 4.2.1): TLS version floor, plain HTTP, the certificate and who issued
 * it, mutual TLS. From what the server recorded at its last start; before any start, from what
 * `pciq serve` would use by default (the development certificate in the data directory).
 */
export const serverProvider: ResourceProvider = {
  type: 'server',
  description: 'The API endpoint: TLS version, plain HTTP, certificate issuer and expiry, mutual TLS',
  async list(context) {
    const { server, dataDir } = context.environment;
    let data: Record<string, unknown>;
    if (server) {
      data = {
        hasStarted: true,
        startedAt: server.startedAt,
        endpoint: server.endpoint,
        isPlainHttp: server.scheme === 'http',
        tlsMinVersion: server.tls?.minVersion ?? null,
        certificate: server.tls?.certificate ?? null,
        isMutualTls: server.tls?.isMutual ?? false,
        workers: server.workers,
      };
    } else {
      const certFile = join(dataDir, 'tls', 'server.pem');
      data = {
        hasStarted: false,
        startedAt: null,
        endpoint: null,
        isPlainHttp: false,
        tlsMinVersion: 'TLSv1.2',
        certificate: existsSync(certFile) ? certificateFacts(readFileSync(certFile, 'utf8'), 'development') : null,
        isMutualTls: false,
        workers: null,
      };
    }
    const certificate = data.certificate as CertificateFacts | null;
    data.certificateExpiresAtMs = certificate ? Date.parse(certificate.notAfter) : null;
    data.usesDevelopmentCa = certificate?.isDevelopmentCa ?? false;
    return [{ id: singletonArn(context, 'server'), type: 'server', name: 'server', data }];
  },
};
