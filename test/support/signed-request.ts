import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from './node-sha256.ts';

export interface SignedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A request signed by smithy's SigV4 signer (what the AWS SDKs use) and sent over real TLS: for APIs an
 * SDK has no client for (the audit API) and for wire shapes the SDK will not produce (Query protocol).
 */
export async function signedRequest(options: {
  endpoint: string;
  caFile: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  service: string;
  headers: Record<string, string>;
  body: string;
  path?: string;
  userAgent?: string;
}): Promise<SignedResponse> {
  const url = new URL(options.endpoint);
  const unsigned = new HttpRequest({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: options.path ?? '/',
    headers: {
      host: url.host,
      'content-length': String(Buffer.byteLength(options.body)),
      'user-agent': options.userAgent ?? 'pciq-test-signer/1.0',
      ...options.headers,
    },
    body: options.body,
  });
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: options.credentials,
    sha256: NodeSha256,
  });
  const signed = (await signer.sign(unsigned)) as HttpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        method: 'POST',
        hostname: url.hostname,
        port: Number(url.port),
        path: signed.path,
        headers: signed.headers,
        ca: readFileSync(options.caFile),
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/** A call to the audit API (AWS JSON 1.1, X-Amz-Target PciqAudit.*, signing name `audit`). */
export async function auditApi(
  options: Omit<Parameters<typeof signedRequest>[0], 'service' | 'headers' | 'body'>,
  action: string,
  input: Record<string, unknown>,
): Promise<SignedResponse & { json: Record<string, unknown> }> {
  const response = await signedRequest({
    ...options,
    service: 'audit',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `PciqAudit.${action}` },
    body: JSON.stringify(input),
  });
  return { ...response, json: JSON.parse(response.body || '{}') as Record<string, unknown> };
}
