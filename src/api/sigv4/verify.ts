import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import { PciqError } from '../../core/errors.ts';
import { formatAmzDate } from './amz-date.ts';
import { buildCanonicalRequest, type HeaderIndex, indexHeaders, parseQueryParams } from './canonical-request.ts';
import { readSignatureClaim, SIGV4_ALGORITHM, type SignatureClaim } from './signature-claim.ts';
import { SigningKeyCache } from './signing-key-cache.ts';

export interface SignedRequest {
  method: string;
  /** The path exactly as received on the wire, without the query, e.g. '/123456789012/my-queue'. */
  rawPath: string;
  /** The query string exactly as received, without '?'; '' if none. */
  rawQuery: string;
  /** node's IncomingMessage.rawHeaders (name, value, name, value…), values latin1-decoded as node gives them. */
  rawHeaders: string[];
  body: Buffer;
}

export interface VerifiedCaller {
  accessKeyId: string;
  sessionToken: string | undefined;
  region: string;
  service: string;
  signedAtMs: number;
}

export type SecretLookup = (accessKeyId: string) => { secretAccessKey: string } | undefined;

export interface VerifyOptions {
  nowMs: number;
  lookupSecret: SecretLookup;
  /** Credential-scope services accepted, e.g. ['sqs']. */
  services: readonly string[];
  /** How far a header-signed request's time may be from `nowMs`, either way; 15 minutes by default. */
  maxSkewMs?: number;
  /** The longest X-Amz-Expires accepted on a presigned request; 7 days by default, as AWS. */
  maxPresignedExpirySec?: number;
}

const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
const DEFAULT_MAX_PRESIGNED_EXPIRY_SEC = 7 * 24 * 60 * 60;

const signingKeys = new SigningKeyCache();

/**
 * Verifies an AWS Signature Version 4 request (Authorization header or presigned query) and says who signed
 * it. Throws `PciqError` with the AWS error code a client expects; messages never carry the secret, the
 * expected signature or anything derived from them.
 */
export function verifySigV4(request: SignedRequest, options: VerifyOptions): VerifiedCaller {
  const maxSkewMs = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const headers = indexHeaders(request.rawHeaders);
  const query = parseQueryParams(request.rawQuery);
  const claim = readSignatureClaim(headers, query, options.maxPresignedExpirySec ?? DEFAULT_MAX_PRESIGNED_EXPIRY_SEC);
  checkScopeAndHost(claim, options.services);

  const credentials = options.lookupSecret(claim.accessKeyId);
  if (!credentials) {
    throw new PciqError('InvalidClientTokenId', 'The security token included in the request is invalid.');
  }
  checkSigningTime(claim, options.nowMs, maxSkewMs);

  // The payload hash is always ours: a client-declared x-amz-content-sha256 is checked, never trusted.
  const payloadHash = hash('sha256', request.body, 'hex');
  checkDeclaredPayloadHash(headers, payloadHash);

  const canonicalRequest = buildCanonicalRequest({
    method: request.method,
    rawPath: request.rawPath,
    query,
    headers,
    signedHeaders: claim.signedHeaders,
    payloadHash,
    isPresigned: claim.isPresigned,
  });
  const { date, region, service } = claim.scope;
  const stringToSign = [
    SIGV4_ALGORITHM,
    claim.amzDate,
    `${date}/${region}/${service}/aws4_request`,
    hash('sha256', Buffer.from(canonicalRequest, 'latin1'), 'hex'),
  ].join('\n');
  const expected = createHmac('sha256', signingKeys.signingKey(credentials.secretAccessKey, claim.scope))
    .update(stringToSign)
    .digest();
  // Both are 32 bytes: the claimed signature was checked to be 64 hex digits.
  if (!timingSafeEqual(expected, claim.signature)) {
    throw new PciqError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. ' +
        'Check your AWS Secret Access Key and signing method.',
    );
  }
  return {
    accessKeyId: claim.accessKeyId,
    sessionToken: claim.sessionToken,
    region,
    service,
    signedAtMs: claim.signedAtMs,
  };
}

function checkScopeAndHost(claim: SignatureClaim, services: readonly string[]): void {
  if (!services.includes(claim.scope.service)) {
    const accepted = services.map((service) => `'${service}'`).join(' or ');
    throw new PciqError('IncompleteSignature', `Credential should be scoped to the correct service: ${accepted}.`);
  }
  if (!claim.signedHeaders.includes('host')) {
    throw new PciqError('IncompleteSignature', `The 'host' header must be among the signed headers.`);
  }
  const timestampDate = claim.amzDate.slice(0, 8);
  if (claim.scope.date !== timestampDate) {
    throw new PciqError(
      'IncompleteSignature',
      `The date in the credential scope (${claim.scope.date}) must be the date of the request time (${timestampDate}).`,
    );
  }
}

/** Messages follow AWS's wording so that SDK users recognise a clock problem at once. */
function checkSigningTime(claim: SignatureClaim, nowMs: number, maxSkewMs: number): void {
  const signedAt = claim.amzDate;
  const now = () => formatAmzDate(nowMs);
  const skew = `${maxSkewMs / 60_000} min.`;
  if (claim.signedAtMs > nowMs + maxSkewMs) {
    throw new PciqError(
      'RequestExpired',
      `Signature not yet current: ${signedAt} is still later than ${formatAmzDate(nowMs + maxSkewMs)} (${now()} + ${skew})`,
    );
  }
  if (claim.expiresSec !== undefined) {
    const expiresAtMs = claim.signedAtMs + claim.expiresSec * 1000;
    if (nowMs > expiresAtMs) {
      throw new PciqError(
        'SignatureExpired',
        `Signature expired: the presigned request signed at ${signedAt} for ${claim.expiresSec} seconds ` +
          `expired at ${formatAmzDate(expiresAtMs)}; it is now ${now()}. Presign it again.`,
      );
    }
    return;
  }
  if (claim.signedAtMs < nowMs - maxSkewMs) {
    throw new PciqError(
      'RequestExpired',
      `Signature expired: ${signedAt} is now earlier than ${formatAmzDate(nowMs - maxSkewMs)} (${now()} - ${skew})`,
    );
  }
}

function checkDeclaredPayloadHash(headers: HeaderIndex, payloadHash: string): void {
  const declared = headers.get('x-amz-content-sha256');
  if (declared && (declared.length !== 1 || declared[0]!.trim().toLowerCase() !== payloadHash)) {
    throw new PciqError(
      'SignatureDoesNotMatch',
      'The x-amz-content-sha256 header does not match the SHA-256 of the request body. ' +
        'pciq hashes the body itself and does not accept UNSIGNED-PAYLOAD or streaming payloads.',
    );
  }
}
