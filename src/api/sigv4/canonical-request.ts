import { percentDecode, uriEncode, uriEncodeBytes } from './uri-encoding.ts';

/** Request headers by lower-cased name, each with its values in arrival order. */
export type HeaderIndex = ReadonlyMap<string, readonly string[]>;

export interface QueryParam {
  /** Decoded name and value, for reading parameters such as X-Amz-Credential. */
  name: string;
  value: string;
  /** Decoded then RFC 3986-encoded again: the form the canonical query string uses. */
  canonicalName: string;
  canonicalValue: string;
}

export interface CanonicalRequestParts {
  method: string;
  rawPath: string;
  query: readonly QueryParam[];
  headers: HeaderIndex;
  signedHeaders: readonly string[];
  payloadHash: string;
  /** In the presigned form the signature travels in the query but is not part of what it signs. */
  isPresigned: boolean;
}

export const PRESIGNED_SIGNATURE_PARAM = 'X-Amz-Signature';

export function indexHeaders(rawHeaders: readonly string[]): HeaderIndex {
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    const values = headers.get(name);
    if (values) values.push(value);
    else headers.set(name, [value]);
  }
  return headers;
}

export function parseQueryParams(rawQuery: string): QueryParam[] {
  if (rawQuery === '') return [];
  const params: QueryParam[] = [];
  for (const rawPair of rawQuery.split('&')) {
    if (rawPair === '') continue;
    // botocore signs a space as %20 but sends it as '+' (urlencode), and AWS reads '+' as a space; a real
    // plus arrives as %2B from every signer.
    const pair = rawPair.replaceAll('+', '%20');
    const equals = pair.indexOf('=');
    const nameBytes = percentDecode(equals < 0 ? pair : pair.slice(0, equals));
    const valueBytes = percentDecode(equals < 0 ? '' : pair.slice(equals + 1));
    params.push({
      name: nameBytes.toString('utf8'),
      value: valueBytes.toString('utf8'),
      canonicalName: uriEncodeBytes(nameBytes, false),
      canonicalValue: uriEncodeBytes(valueBytes, false),
    });
  }
  return params;
}

/**
 * The canonical request of SigV4 for every service but S3. The result is hashed as latin1 because every part
 * is ASCII except header values, which node hands over latin1-decoded: hashing them as latin1 signs exactly
 * the bytes that arrived, as a client that signs what it sends would have.
 */
export function buildCanonicalRequest(parts: CanonicalRequestParts): string {
  return [
    parts.method,
    canonicalUri(parts.rawPath),
    canonicalQuery(parts.query, parts.isPresigned),
    canonicalHeaders(parts.headers, parts.signedHeaders),
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n');
}

/**
 * Non-S3 services sign the normalized path with each segment URI-encoded once more on top of the encoding it
 * already has on the wire (botocore and @smithy/signature-v4 both do this), so `%2F` is signed as `%252F`.
 */
export function canonicalUri(rawPath: string): string {
  return uriEncode(normalizePath(rawPath), true);
}

/** RFC 3986 dot-segment removal plus collapsing of empty segments, as the AWS signers apply before signing. */
export function normalizePath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailingSlash = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return '/' + segments.join('/') + trailingSlash;
}

function canonicalQuery(params: readonly QueryParam[], isPresigned: boolean): string {
  const signed = isPresigned ? params.filter((param) => param.name !== PRESIGNED_SIGNATURE_PARAM) : params.slice();
  return signed
    .sort((a, b) => compare(a.canonicalName, b.canonicalName) || compare(a.canonicalValue, b.canonicalValue))
    .map((param) => `${param.canonicalName}=${param.canonicalValue}`)
    .join('&');
}

function canonicalHeaders(headers: HeaderIndex, signedHeaders: readonly string[]): string {
  let block = '';
  for (const name of signedHeaders) {
    const values = headers.get(name) ?? [];
    block += `${name}:${values.map(canonicalHeaderValue).join(',')}\n`;
  }
  return block;
}

/**
 * Trims and collapses runs of spaces and tabs only: `String.prototype.trim` and `\s` would also eat 0xA0,
 * which in a latin1-decoded header value is a UTF-8 continuation byte, not a space.
 */
function canonicalHeaderValue(value: string): string {
  return value.replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

/** Code-unit order, which for these all-ASCII strings is the byte order SigV4 sorts by. */
function compare(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
