import type { ReadTx, WriteTx } from '../storage/index.ts';

/**
 * What `pciq serve` ran with, saved at each start so that scans run from the command line (another
 * process, maybe while the server is down) judge the settings in force rather than guess them.
 */
export interface ServerSettings {
  startedAt: string;
  endpoint: string;
  scheme: 'https' | 'http';
  workers: number;
  tls: {
    minVersion: string;
    /** development: the certificate `pciq init` made, issued by the development CA. */
    certificate: CertificateFacts | null;
    isMutual: boolean;
  } | null;
  audit: {
    clockSource: string;
    reviewRules: number;
    verifyIntervalSec: number;
    checkpointIntervalSec: number;
    /** The queue alerts go to (pciq's own, no card data); null for none. */
    alertQueue: string | null;
  };
}

export interface CertificateFacts {
  source: 'development' | 'operator';
  subject: string;
  issuer: string;
  notAfter: string;
  isDevelopmentCa: boolean;
}

const metaKey = 'server_settings';

export async function saveServerSettings(tx: WriteTx, settings: ServerSettings): Promise<void> {
  await tx.setMeta(metaKey, JSON.stringify(settings));
}

export async function loadServerSettings(tx: ReadTx): Promise<ServerSettings | null> {
  const text = await tx.getMeta(metaKey);
  return text ? (JSON.parse(text) as ServerSettings) : null;
}
