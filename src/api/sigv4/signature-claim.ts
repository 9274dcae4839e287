import { PciqError } from '../../core/errors.ts';
import { formatAmzDate, parseAmzDate, parseDateHeader } from './amz-date.ts';
import { type HeaderIndex, PRESIGNED_SIGNATURE_PARAM, type QueryParam } from './canonical-request.ts';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
const SCOPE_TERMINATOR = 'aws4_request';
const SESSION_TOKEN_HEADER = 'x-amz-security-token';
const SESSION_TOKEN_PARAM = 'X-Amz-Security-Token';

export interface CredentialScope {
  date: string;
  region: string;
  service: string;
}

/**
 * What a request says about its own signature, read and checked for shape but not yet verified. Error
 * messages echo only request values of a checked, harmless shape (dates, header names), never free text: a
 * secret or token pasted into the wrong place must not end up in a response or a log.
 */
export interface SignatureClaim {
  isPresigned: boolean;
  accessKeyId: string;
  scope: CredentialScope;
  signedHeaders: string[];
  signature: Buffer;
  signedAtMs: number;
  /** The signing time as the string to sign carries it: `YYYYMMDDTHHMMSSZ`. */
  amzDate: string;
  /** Only the presigned form carries an expiry; header-signed requests use the server's skew window. */
  expiresSec: number | undefined;
  sessionToken: string | undefined;
}

export function readSignatureClaim(
  headers: HeaderIndex,
  query: readonly QueryParam[],
  maxPresignedExpirySec: number,
): SignatureClaim {
  const authorization = headers.get('authorization');
  const hasQuerySignature = query.some((param) => param.name === PRESIGNED_SIGNATURE_PARAM);
  if (authorization && hasQuerySignature) {
    throw incomplete(
      'Only one authentication mechanism is allowed: sign with the Authorization header or with ' +
        'X-Amz-Signature in the query string, not both.',
    );
  }
  if (authorization) return readHeaderClaim(authorization, headers, query);
  if (hasQuerySignature) return readPresignedClaim(headers, query, maxPresignedExpirySec);
  throw new PciqError('MissingAuthenticationToken', 'Request is missing Authentication Token');
}

function readHeaderClaim(
  authorization: readonly string[],
  headers: HeaderIndex,
  query: readonly QueryParam[],
): SignatureClaim {
  if (authorization.length > 1) throw incomplete('The request has more than one Authorization header.');
  const fields = parseAuthorizationHeader(authorization[0]!);
  const signedAt = readHeaderSigningTime(headers);
  const signedHeaders = parseSignedHeaders(fields.signedHeaders, 'SignedHeaders', headers);
  return {
    isPresigned: false,
    ...parseCredential(fields.credential, 'Credential'),
    signedHeaders,
    signature: parseSignature(fields.signature, 'Signature'),
    ...signedAt,
    expiresSec: undefined,
    sessionToken: readSessionToken(headers, query, signedHeaders),
  };
}

function readPresignedClaim(
  headers: HeaderIndex,
  query: readonly QueryParam[],
  maxPresignedExpirySec: number,
): SignatureClaim {
  const algorithm = requireParam(query, 'X-Amz-Algorithm');
  if (algorithm !== SIGV4_ALGORITHM) throw unsupportedAlgorithm();
  const amzDate = requireParam(query, 'X-Amz-Date');
  const signedAtMs = parseAmzDate(amzDate);
  if (signedAtMs === undefined) throw incomplete(`X-Amz-Date must be in the form YYYYMMDD'T'HHMMSS'Z'.`);
  const signedHeaders = parseSignedHeaders(requireParam(query, 'X-Amz-SignedHeaders'), 'X-Amz-SignedHeaders', headers);
  return {
    isPresigned: true,
    ...parseCredential(requireParam(query, 'X-Amz-Credential'), 'X-Amz-Credential'),
    signedHeaders,
    signature: parseSignature(requireParam(query, PRESIGNED_SIGNATURE_PARAM), PRESIGNED_SIGNATURE_PARAM),
    signedAtMs,
    amzDate,
    expiresSec: parseExpires(requireParam(query, 'X-Amz-Expires'), maxPresignedExpirySec),
    sessionToken: readSessionToken(headers, query, signedHeaders),
  };
}

interface AuthorizationFields {
  credential: string;
  signedHeaders: string;
  signature: string;
}

/** `AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex` */
function parseAuthorizationHeader(header: string): AuthorizationFields {
  const match = /^(\S+)\s+(\S.*)$/s.exec(header.trim());
  if (!match) {
    throw incomplete(
      `The Authorization header must be '${SIGV4_ALGORITHM} Credential=…, SignedHeaders=…, Signature=…'.`,
    );
  }
  if (match[1] !== SIGV4_ALGORITHM) throw unsupportedAlgorithm();
  const fields = new Map<string, string>();
  for (const component of match[2]!.split(',')) {
    const trimmed = component.trim();
    const equals = trimmed.indexOf('=');
    const name = equals < 0 ? trimmed : trimmed.slice(0, equals);
    if (!['Credential', 'SignedHeaders', 'Signature'].includes(name)) {
      throw incomplete('The Authorization header may only have Credential, SignedHeaders and Signature components.');
    }
    if (equals < 0) throw incomplete(`The Authorization header's ${name} component needs a value ('${name}=…').`);
    if (fields.has(name)) throw incomplete(`The Authorization header has more than one ${name} component.`);
    fields.set(name, trimmed.slice(equals + 1));
  }
  const field = (name: string): string => {
    const value = fields.get(name);
    if (value === undefined || value === '') {
      throw incomplete(`The Authorization header requires a '${name}' component.`);
    }
    return value;
  };
  return { credential: field('Credential'), signedHeaders: field('SignedHeaders'), signature: field('Signature') };
}

function parseCredential(credential: string, source: string): { accessKeyId: string; scope: CredentialScope } {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts.some((part) => part === '')) {
    throw incomplete(`${source} must be 'ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/${SCOPE_TERMINATOR}'.`);
  }
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  if (terminator !== SCOPE_TERMINATOR) {
    throw incomplete(`${source} scope must end with '${SCOPE_TERMINATOR}'.`);
  }
  if (!/^\d{8}$/.test(date)) throw incomplete(`${source} date must be in the form YYYYMMDD.`);
  if (!/^[a-z0-9-]+$/.test(region)) {
    throw incomplete(`${source} region must contain only lowercase letters, digits and hyphens.`);
  }
  return { accessKeyId, scope: { date, region, service } };
}

/** SigV4 lists the signed headers lower-cased and sorted; anything else cannot match the signer's own list. */
function parseSignedHeaders(list: string, source: string, headers: HeaderIndex): string[] {
  const names = list.split(';');
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name) || (i > 0 && names[i - 1]! >= name)) {
      throw incomplete(`${source} must be distinct lower-case header names, sorted and separated by ';'.`);
    }
  }
  // Header names are tokens, safe to name back; a signed header that went missing is usually a proxy's doing.
  const missing = names.find((name) => !headers.has(name));
  if (missing !== undefined) throw incomplete(`The signed header '${missing}' is not present in the request.`);
  return names;
}

function parseSignature(signature: string, source: string): Buffer {
  if (!/^[0-9a-f]{64}$/.test(signature)) {
    throw incomplete(`${source} must be 64 lower-case hexadecimal characters.`);
  }
  return Buffer.from(signature, 'hex');
}

function parseExpires(expires: string, maxPresignedExpirySec: number): number {
  const expiresSec = /^\d{1,10}$/.test(expires) ? Number(expires) : Number.NaN;
  if (!(expiresSec >= 1 && expiresSec <= maxPresignedExpirySec)) {
    throw incomplete(`X-Amz-Expires must be a whole number of seconds from 1 to ${maxPresignedExpirySec}.`);
  }
  return expiresSec;
}

function readHeaderSigningTime(headers: HeaderIndex): { signedAtMs: number; amzDate: string } {
  const amzDate = headers.get('x-amz-date');
  if (amzDate) {
    const ms = amzDate.length === 1 ? parseAmzDate(amzDate[0]!) : undefined;
    if (ms === undefined) throw incomplete(`The X-Amz-Date header must be one value of the form YYYYMMDD'T'HHMMSS'Z'.`);
    return { signedAtMs: ms, amzDate: amzDate[0]! };
  }
  const date = headers.get('date');
  if (date) {
    const ms = date.length === 1 ? parseDateHeader(date[0]!) : undefined;
    if (ms === undefined) throw incomplete('The Date header must be one RFC 7231 date or YYYYMMDDTHHMMSSZ value.');
    // SigV4 signs the ISO 8601 basic form of the instant whichever form the Date header used.
    return { signedAtMs: ms, amzDate: formatAmzDate(ms) };
  }
  throw incomplete(`A header-signed request must carry an 'X-Amz-Date' or a 'Date' header.`);
}

/**
 * A token in the query is covered by the canonical query string; a token in a header must be a signed header,
 * or anyone on the path could swap it without breaking the signature.
 */
function readSessionToken(
  headers: HeaderIndex,
  query: readonly QueryParam[],
  signedHeaders: readonly string[],
): string | undefined {
  const headerValues = headers.get(SESSION_TOKEN_HEADER);
  if (headerValues && headerValues.length > 1) throw incomplete('The request has more than one X-Amz-Security-Token.');
  const fromHeader = headerValues?.[0];
  const fromQuery = findSingleParam(query, SESSION_TOKEN_PARAM);
  if (fromHeader !== undefined && fromQuery !== undefined && fromHeader !== fromQuery) {
    throw incomplete('The X-Amz-Security-Token header and query parameter differ; send the session token once.');
  }
  if (fromQuery !== undefined) return fromQuery;
  if (fromHeader !== undefined && !signedHeaders.includes(SESSION_TOKEN_HEADER)) {
    throw incomplete(`The x-amz-security-token header must be listed in the signed headers.`);
  }
  return fromHeader;
}

function requireParam(query: readonly QueryParam[], name: string): string {
  const value = findSingleParam(query, name);
  if (value === undefined || value === '') {
    throw incomplete(`A presigned request must carry the ${name} query parameter.`);
  }
  return value;
}

function findSingleParam(query: readonly QueryParam[], name: string): string | undefined {
  const matches = query.filter((param) => param.name === name);
  if (matches.length > 1) throw incomplete(`The query parameter ${name} appears more than once.`);
  return matches[0]?.value;
}

function unsupportedAlgorithm(): PciqError {
  return incomplete(`Unsupported signing algorithm: only ${SIGV4_ALGORITHM} (Signature Version 4) is accepted.`);
}

function incomplete(message: string): PciqError {
  return new PciqError('IncompleteSignature', message);
}
