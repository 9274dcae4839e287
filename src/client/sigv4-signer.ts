import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (STS sessions) carry a token, sent as X-Amz-Security-Token. */
  sessionToken?: string;
}

export interface RequestToSign {
  host: string;
  path: string;
  /** Signed as given; every header name must be lower case. */
  headers: Record<string, string>;
  body: string;
}

/**
 * The smallest SigV4 signer a POST to an AWS JSON endpoint needs (pciq's clients and benchmarks): no query
 * string. The derived key depends only on the day, so the four-HMAC chain runs once a day rather than once a
 * request.
 */
export class SigV4Signer {
  private readonly credentials: Credentials;
  private readonly region: string;
  private readonly service: string;
  private signingDay = '';
  private signingKey: KeyObject | undefined;

  constructor(credentials: Credentials, region: string, service: string) {
    this.credentials = credentials;
    this.region = region;
    this.service = service;
  }

  /** The headers to send: those given plus host, x-amz-date and authorization. */
  sign(request: RequestToSign, now = new Date()): Record<string, string> {
    const amzDate = now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    const headers: Record<string, string> = { ...request.headers, host: request.host, 'x-amz-date': amzDate };
    if (this.credentials.sessionToken) headers['x-amz-security-token'] = this.credentials.sessionToken;
    const names = Object.keys(headers).sort();
    const signedHeaders = names.join(';');
    const canonicalRequest = [
      'POST',
      request.path,
      '',
      names.map((name) => `${name}:${headers[name]!.trim()}\n`).join(''),
      signedHeaders,
      sha256Hex(request.body),
    ].join('\n');
    const scope = `${day}/${this.region}/${this.service}/aws4_request`;
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
    const signature = createHmac('sha256', this.keyFor(day)).update(stringToSign).digest('hex');
    headers['authorization'] =
      `AWS4-HMAC-SHA256 Credential=${this.credentials.accessKeyId}/${scope}, ` +
      `SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return headers;
  }

  /** A KeyObject, not a Buffer: node 24 re-imports a Buffer key on every createHmac, several times the HMAC itself. */
  private keyFor(day: string): KeyObject {
    if (day !== this.signingDay || !this.signingKey) {
      let key = createHmac('sha256', `AWS4${this.credentials.secretAccessKey}`).update(day).digest();
      for (const part of [this.region, this.service, 'aws4_request']) {
        key = createHmac('sha256', key).update(part).digest();
      }
      this.signingKey = createSecretKey(key);
      this.signingDay = day;
    }
    return this.signingKey;
  }
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
