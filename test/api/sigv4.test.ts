import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { inspect, promisify } from 'node:util';
import { ListQueuesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { buildQueryString, HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { type SignedRequest, type VerifyOptions, verifySigV4 } from '../../src/api/sigv4/index.ts';
import { deriveSigningKey, SigningKeyCache } from '../../src/api/sigv4/signing-key-cache.ts';
import { type ErrorCode, isPciqError, type PciqError } from '../../src/core/errors.ts';
import { NodeSha256 } from '../support/node-sha256.ts';

const ACCESS_KEY_ID = 'AKIAPCIQTESTKEY00001';
const SECRET = 'pciqTestSecret/0123+456789abcdefGHIJKLmnop';
const OTHER_SECRET = 'notTheRightSecret/0123+456789abcdefGHIJKLm';
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEPCIQ//session+token/with=padding==';
const SIGNED_AT_MS = Date.UTC(2026, 0, 15, 10, 30, 0);
const MINUTE_MS = 60_000;
const HOST = 'localhost:9324';

const secrets = new Map([[ACCESS_KEY_ID, SECRET]]);

function verifyOptions(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    nowMs: SIGNED_AT_MS,
    lookupSecret: (accessKeyId) => {
      const secretAccessKey = secrets.get(accessKeyId);
      return secretAccessKey === undefined ? undefined : { secretAccessKey };
    },
    services: ['sqs'],
    ...overrides,
  };
}

function rejectionOf(request: SignedRequest, overrides: Partial<VerifyOptions> = {}): PciqError {
  try {
    verifySigV4(request, verifyOptions(overrides));
  } catch (error) {
    if (isPciqError(error)) return error;
    assert.fail(`expected a PciqError, got ${inspect(error)}`);
  }
  assert.fail('expected the request to be rejected, but it verified');
}

function assertRejected(request: SignedRequest, code: ErrorCode, pattern?: RegExp, overrides?: Partial<VerifyOptions>) {
  const error = rejectionOf(request, overrides);
  assert.equal(error.code, code, `${error.code}: ${error.message}`);
  if (pattern) assert.match(error.message, pattern);
  return error;
}

// --- @smithy/signature-v4, the signer inside the AWS SDK for JavaScript v3 -----------------------------------

interface SmithyInput {
  method?: string;
  path?: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string;
  withoutHost?: boolean;
}

interface SigningIdentity {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  service?: string;
  signedAtMs?: number;
}

function sendMessageBody(messageBytes = 64): string {
  const messageBody = 'x'.repeat(messageBytes);
  return JSON.stringify({ QueueUrl: `http://${HOST}/123456789012/payments`, MessageBody: messageBody });
}

function smithyRequest(input: SmithyInput): HttpRequest {
  const body = input.body ?? sendMessageBody();
  const headers: Record<string, string> = {
    ...(input.withoutHost ? {} : { host: HOST }),
    ...(body === ''
      ? {}
      : {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': String(Buffer.byteLength(body)),
          'x-amz-target': 'AmazonSQS.SendMessage',
        }),
    ...input.headers,
  };
  return new HttpRequest({
    method: input.method ?? 'POST',
    protocol: 'http:',
    hostname: 'localhost',
    port: 9324,
    path: input.path ?? '/',
    query: input.query ?? {},
    headers,
    body,
  });
}

function smithySigner(identity: SigningIdentity): SignatureV4 {
  return new SignatureV4({
    service: identity.service ?? 'sqs',
    region: 'us-east-1',
    credentials: {
      accessKeyId: identity.accessKeyId ?? ACCESS_KEY_ID,
      secretAccessKey: identity.secretAccessKey ?? SECRET,
      ...(identity.sessionToken === undefined ? {} : { sessionToken: identity.sessionToken }),
    },
    sha256: NodeSha256,
  });
}

/** What node's http server sees for a smithy request: the query is serialized as @smithy/node-http-handler does. */
interface SmithySignedRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

function onTheWire(request: SmithySignedRequest): SignedRequest {
  return {
    method: request.method,
    rawPath: request.path,
    rawQuery: buildQueryString(request.query ?? {}),
    rawHeaders: Object.entries(request.headers).flat(),
    body: Buffer.from((request.body as string | undefined) ?? ''),
  };
}

async function signWithSmithy(input: SmithyInput = {}, identity: SigningIdentity = {}): Promise<SignedRequest> {
  const signingDate = new Date(identity.signedAtMs ?? SIGNED_AT_MS);
  return onTheWire(await smithySigner(identity).sign(smithyRequest(input), { signingDate }));
}

async function presignWithSmithy(
  input: SmithyInput,
  expiresIn: number,
  identity: SigningIdentity = {},
): Promise<SignedRequest> {
  const signingDate = new Date(identity.signedAtMs ?? SIGNED_AT_MS);
  return onTheWire(
    await smithySigner(identity).presign(smithyRequest({ body: '', ...input }), { signingDate, expiresIn }),
  );
}

function header(request: SignedRequest, name: string): string | undefined {
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    if (request.rawHeaders[i]!.toLowerCase() === name) return request.rawHeaders[i + 1];
  }
  return undefined;
}

function withHeader(request: SignedRequest, name: string, value: string | undefined): SignedRequest {
  const rawHeaders: string[] = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    if (request.rawHeaders[i]!.toLowerCase() !== name)
      rawHeaders.push(request.rawHeaders[i]!, request.rawHeaders[i + 1]!);
  }
  if (value !== undefined) rawHeaders.push(name, value);
  return { ...request, rawHeaders };
}

function signatureOf(request: SignedRequest): string {
  const fromHeader = /Signature=([0-9a-f]{64})/.exec(header(request, 'authorization') ?? '');
  const fromQuery = /X-Amz-Signature=([0-9a-f]{64})/.exec(request.rawQuery);
  const signature = fromHeader?.[1] ?? fromQuery?.[1];
  assert.ok(signature, 'the request carries no signature');
  return signature;
}

// --- botocore, the signer inside boto3 and the AWS CLI, run from the local python3 ---------------------------

interface BotocoreCase {
  method: string;
  url: string;
  headers?: Record<string, string>;
  params?: Record<string, string>;
  body?: string;
  expiresSec?: number;
  sessionToken?: string;
}

const BOTOCORE_SIGNER = `
import base64, datetime, json, sys
from urllib.parse import urlsplit
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

signed = []
for case in json.load(sys.stdin):
    at = datetime.datetime.fromtimestamp(case['signedAtMs'] / 1000, datetime.timezone.utc).replace(tzinfo=None)
    botocore.auth.get_current_datetime = lambda *args, at=at, **kwargs: at
    credentials = Credentials(case['accessKeyId'], case['secretAccessKey'], case.get('sessionToken'))
    if case.get('expiresSec'):
        signer = botocore.auth.SigV4QueryAuth(credentials, 'sqs', 'us-east-1', expires=case['expiresSec'])
    else:
        signer = botocore.auth.SigV4Auth(credentials, 'sqs', 'us-east-1')
    request = AWSRequest(method=case['method'], url=case['url'], headers=case.get('headers') or {},
                         params=case.get('params') or {}, data=case.get('body', '').encode('utf-8'))
    signer.add_auth(request)
    prepared = request.prepare()
    raw_headers = []
    for name, value in prepared.headers.items():
        raw_headers += [name, value if isinstance(value, str) else value.decode('latin-1')]
    if 'host' not in [name.lower() for name in prepared.headers.keys()]:
        # http.client adds Host when it sends; botocore signs the same value.
        raw_headers += ['Host', botocore.auth._host_from_url(prepared.url)]
    body = prepared.body or b''
    if isinstance(body, str):
        body = body.encode('utf-8')
    url = urlsplit(prepared.url)
    signed.append({'method': prepared.method, 'rawPath': url.path, 'rawQuery': url.query,
                   'rawHeaders': raw_headers, 'body': base64.b64encode(body).decode('ascii')})
json.dump(signed, sys.stdout)
`;

const botocoreProbe = spawnSync('python3', ['-c', 'import botocore; print(botocore.__version__)'], {
  encoding: 'utf8',
});
const botocoreVersion = botocoreProbe.status === 0 ? botocoreProbe.stdout.trim() : undefined;
const botocoreMissing = `python3 with botocore is not available (${
  botocoreProbe.error?.message ?? botocoreProbe.stderr?.trim().split('\n').pop() ?? 'unknown reason'
})`;

function skipWithoutBotocore(t: TestContext): boolean {
  if (botocoreVersion !== undefined) return false;
  t.skip(botocoreMissing);
  return true;
}

function signWithBotocore(cases: BotocoreCase[], identity: SigningIdentity = {}): SignedRequest[] {
  const input = cases.map((botocoreCase) => ({
    accessKeyId: identity.accessKeyId ?? ACCESS_KEY_ID,
    secretAccessKey: identity.secretAccessKey ?? SECRET,
    signedAtMs: identity.signedAtMs ?? SIGNED_AT_MS,
    ...botocoreCase,
  }));
  const result = spawnSync('python3', ['-c', BOTOCORE_SIGNER], { input: JSON.stringify(input), encoding: 'utf8' });
  assert.equal(result.status, 0, `botocore signer failed: ${result.stderr}`);
  const signed = JSON.parse(result.stdout) as (Omit<SignedRequest, 'body'> & { body: string })[];
  return signed.map((request) => ({ ...request, body: Buffer.from(request.body, 'base64') }));
}

// --- The specification ---------------------------------------------------------------------------------------

describe('SigV4 verification of requests signed by @smithy/signature-v4', () => {
  it('accepts a header-signed SQS JSON request and says who signed it', async () => {
    const caller = verifySigV4(await signWithSmithy(), verifyOptions());
    assert.deepEqual(caller, {
      accessKeyId: ACCESS_KEY_ID,
      sessionToken: undefined,
      region: 'us-east-1',
      service: 'sqs',
      signedAtMs: SIGNED_AT_MS,
    });
  });

  it('returns the session token of a request signed with temporary credentials', async () => {
    const request = await signWithSmithy({}, { sessionToken: SESSION_TOKEN });
    assert.equal(verifySigV4(request, verifyOptions()).sessionToken, SESSION_TOKEN);
  });

  it('accepts a presigned URL, with and without a session token', async () => {
    const query = { Action: 'ListQueues', Version: '2012-11-05', QueueNamePrefix: 'pay ments+ü/~*' };
    const plain = await presignWithSmithy({ method: 'GET', query }, 300);
    assert.equal(header(plain, 'authorization'), undefined);
    assert.equal(verifySigV4(plain, verifyOptions()).sessionToken, undefined);
    const withToken = await presignWithSmithy({ method: 'GET', query }, 300, { sessionToken: SESSION_TOKEN });
    assert.equal(verifySigV4(withToken, verifyOptions()).sessionToken, SESSION_TOKEN);
  });

  it('accepts query parameters with repeated names, empty values and reserved characters', async () => {
    const query = { b: ['2', '1', ''], a: '', 'c d': 'é&=+', 'AttributeName.1': 'All' };
    const request = await signWithSmithy({ method: 'GET', body: '', query });
    assert.ok(request.rawQuery.includes('a=&'), request.rawQuery);
    assert.equal(verifySigV4(request, verifyOptions()).accessKeyId, ACCESS_KEY_ID);
  });

  it("reads '+' in the query as a space, as botocore sends it, and only %2B as a plus", async () => {
    const request = await signWithSmithy({ method: 'GET', body: '', query: { QueueNamePrefix: 'pay ments' } });
    assert.equal(request.rawQuery, 'QueueNamePrefix=pay%20ments');
    const withPlus = { ...request, rawQuery: 'QueueNamePrefix=pay+ments' };
    assert.equal(verifySigV4(withPlus, verifyOptions()).accessKeyId, ACCESS_KEY_ID);
    assertRejected({ ...request, rawQuery: 'QueueNamePrefix=pay%2Bments' }, 'SignatureDoesNotMatch');
  });

  it('accepts a 1 MiB body', async () => {
    const request = await signWithSmithy({ body: sendMessageBody(1024 * 1024) });
    assert.equal(verifySigV4(request, verifyOptions()).accessKeyId, ACCESS_KEY_ID);
  });

  it('ignores headers that were not signed, as proxies and clients add them', async () => {
    const request = withHeader(await signWithSmithy(), 'user-agent', 'aws-sdk-js/3 proxy/1');
    assert.equal(verifySigV4(request, verifyOptions()).accessKeyId, ACCESS_KEY_ID);
  });
});

describe('SigV4 canonical URI (non-S3 rules: normalized, then every segment encoded once more)', () => {
  const paths = [
    ['a space', '/123456789012/my%20queue'],
    ['an encoded slash', '/123456789012/a%2Fb'],
    ['unicode', '/123456789012/%C3%A9t%C3%A9-%E2%9C%93'],
    ['a tilde', '/~user/queue~1'],
    ['sub-delimiters left raw', "/123456789012/q:1@x!$'()*,;="],
    ['dot segments and empty segments', '/a/./b/../123456789012//payments/'],
  ] as const;

  for (const [what, path] of paths) {
    it(`accepts a path with ${what} signed by smithy`, async () => {
      const request = await signWithSmithy({ path });
      assert.equal(request.rawPath, path);
      assert.equal(verifySigV4(request, verifyOptions()).accessKeyId, ACCESS_KEY_ID);
    });

    it(`accepts a path with ${what} signed by botocore`, (t) => {
      if (skipWithoutBotocore(t)) return;
      const [request] = signWithBotocore([{ method: 'POST', url: `http://${HOST}${path}`, body: sendMessageBody() }]);
      assert.equal(request!.rawPath, path);
      assert.equal(verifySigV4(request!, verifyOptions()).accessKeyId, ACCESS_KEY_ID);
    });
  }

  it('does not let a signature for an encoded slash stand for a real slash', async () => {
    const request = await signWithSmithy({ path: '/123456789012/a%2Fb' });
    assertRejected({ ...request, rawPath: '/123456789012/a/b' }, 'SignatureDoesNotMatch');
  });

  it('does not let a signature for an encoded path stand for its decoded form', async () => {
    const request = await signWithSmithy({ path: '/123456789012/my%20queue' });
    assertRejected({ ...request, rawPath: '/123456789012/my queue' }, 'SignatureDoesNotMatch');
  });
});

describe(`SigV4 verification of requests signed by botocore ${botocoreVersion ?? ''}`.trimEnd(), () => {
  it('accepts a header-signed SQS JSON request', (t) => {
    if (skipWithoutBotocore(t)) return;
    const headers = { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AmazonSQS.SendMessage' };
    const [request] = signWithBotocore([{ method: 'POST', url: `http://${HOST}/`, headers, body: sendMessageBody() }]);
    assert.deepEqual(verifySigV4(request!, verifyOptions()), {
      accessKeyId: ACCESS_KEY_ID,
      sessionToken: undefined,
      region: 'us-east-1',
      service: 'sqs',
      signedAtMs: SIGNED_AT_MS,
    });
  });

  it('returns the session token botocore signed with', (t) => {
    if (skipWithoutBotocore(t)) return;
    const [request] = signWithBotocore([
      { method: 'POST', url: `http://${HOST}/`, body: sendMessageBody(), sessionToken: SESSION_TOKEN },
    ]);
    assert.equal(verifySigV4(request!, verifyOptions()).sessionToken, SESSION_TOKEN);
  });

  it('accepts query parameters given as params and as an already-encoded URL', (t) => {
    if (skipWithoutBotocore(t)) return;
    const params = { Action: 'ListQueues', QueueNamePrefix: 'pay ments+ü/~*', Empty: '' };
    const requests = signWithBotocore([
      { method: 'GET', url: `http://${HOST}/`, params },
      { method: 'GET', url: `http://${HOST}/?Action=ListQueues&QueueNamePrefix=pay%20ments%2B%C3%BC%2F~%2A&Empty=` },
    ]);
    for (const request of requests) assert.equal(verifySigV4(request, verifyOptions()).accessKeyId, ACCESS_KEY_ID);
  });

  it('accepts presigned URLs (SigV4QueryAuth), with and without a session token', (t) => {
    if (skipWithoutBotocore(t)) return;
    const url = `http://${HOST}/?Action=ListQueues&QueueNamePrefix=pay%20ments%2B%C3%BC`;
    const [plain, withToken] = signWithBotocore([
      { method: 'GET', url, expiresSec: 300 },
      { method: 'GET', url, expiresSec: 300, sessionToken: SESSION_TOKEN },
    ]);
    assert.match(plain!.rawQuery, /X-Amz-Signature=/);
    assert.equal(verifySigV4(plain!, verifyOptions()).sessionToken, undefined);
    assert.equal(verifySigV4(withToken!, verifyOptions()).sessionToken, SESSION_TOKEN);
    assertRejected(plain!, 'SignatureExpired', /expired/, { nowMs: SIGNED_AT_MS + 301_000 });
  });

  it('accepts the time from a Date header when there is no X-Amz-Date (botocore writes "-0000")', (t) => {
    if (skipWithoutBotocore(t)) return;
    const [request] = signWithBotocore([
      { method: 'POST', url: `http://${HOST}/`, headers: { Date: 'placeholder' }, body: sendMessageBody() },
    ]);
    assert.equal(header(request!, 'x-amz-date'), undefined);
    assert.equal(header(request!, 'date'), 'Thu, 15 Jan 2026 10:30:00 -0000');
    assert.equal(verifySigV4(request!, verifyOptions()).signedAtMs, SIGNED_AT_MS);
  });

  it('rejects a botocore request signed with the wrong secret', (t) => {
    if (skipWithoutBotocore(t)) return;
    const [request] = signWithBotocore([{ method: 'POST', url: `http://${HOST}/`, body: sendMessageBody() }], {
      secretAccessKey: OTHER_SECRET,
    });
    assertRejected(request!, 'SignatureDoesNotMatch');
  });
});

describe('SigV4 rejections', () => {
  it('rejects a request with no signature at all as MissingAuthenticationToken', async () => {
    const request = withHeader(withHeader(await signWithSmithy(), 'authorization', undefined), 'x-amz-date', undefined);
    const error = assertRejected(request, 'MissingAuthenticationToken');
    assert.equal(error.message, 'Request is missing Authentication Token');
  });

  it('rejects a request signed with the wrong secret', async () => {
    const request = await signWithSmithy({}, { secretAccessKey: OTHER_SECRET });
    const error = assertRejected(request, 'SignatureDoesNotMatch');
    assert.equal(
      error.message,
      'The request signature we calculated does not match the signature you provided. ' +
        'Check your AWS Secret Access Key and signing method.',
    );
  });

  it('rejects an unknown access key as InvalidClientTokenId', async () => {
    const request = await signWithSmithy({}, { accessKeyId: 'AKIAUNKNOWNKEY000000' });
    const error = assertRejected(request, 'InvalidClientTokenId');
    assert.equal(error.message, 'The security token included in the request is invalid.');
  });

  it('rejects a request whose body was changed after signing', async () => {
    const request = await signWithSmithy();
    assertRejected({ ...request, body: Buffer.from(sendMessageBody(65)) }, 'SignatureDoesNotMatch');
  });

  it('rejects a request whose signed header was changed, repeated or dropped after signing', async () => {
    const request = await signWithSmithy();
    assertRejected(withHeader(request, 'x-amz-target', 'AmazonSQS.DeleteQueue'), 'SignatureDoesNotMatch');
    const repeated = { ...request, rawHeaders: [...request.rawHeaders, 'X-Amz-Target', 'AmazonSQS.DeleteQueue'] };
    assertRejected(repeated, 'SignatureDoesNotMatch');
    assertRejected(
      withHeader(request, 'x-amz-target', undefined),
      'IncompleteSignature',
      /x-amz-target|signed header/i,
    );
  });

  it('rejects a request whose method, path or query was changed after signing', async () => {
    const request = await signWithSmithy({ path: '/123456789012/payments', query: { a: '1' } });
    assertRejected({ ...request, method: 'PUT' }, 'SignatureDoesNotMatch');
    assertRejected({ ...request, rawPath: '/123456789012/refunds' }, 'SignatureDoesNotMatch');
    assertRejected({ ...request, rawQuery: 'a=2' }, 'SignatureDoesNotMatch');
    assertRejected({ ...request, rawQuery: 'a=1&b=2' }, 'SignatureDoesNotMatch');
  });

  it('rejects a presigned URL whose query was changed after signing', async () => {
    const request = await presignWithSmithy({ method: 'GET', query: { Action: 'ListQueues' } }, 300);
    const tampered = { ...request, rawQuery: request.rawQuery.replace('Action=ListQueues', 'Action=PurgeQueue') };
    assertRejected(tampered, 'SignatureDoesNotMatch');
  });

  it('requires host to be a signed header', async () => {
    const request = await signWithSmithy({ withoutHost: true });
    const unsignedHost = { ...request, rawHeaders: ['Host', HOST, ...request.rawHeaders] };
    assertRejected(unsignedHost, 'IncompleteSignature', /'host'/);
  });

  for (const [direction, offsetMs, pattern] of [
    [
      'behind',
      -16 * MINUTE_MS,
      /^Signature not yet current: 20260115T103000Z is still later than 20260115T102900Z \(20260115T101400Z \+ 15 min\.\)$/,
    ],
    [
      'ahead of',
      16 * MINUTE_MS,
      /^Signature expired: 20260115T103000Z is now earlier than 20260115T103100Z \(20260115T104600Z - 15 min\.\)$/,
    ],
  ] as const) {
    it(`rejects a header-signed request when the server clock is 16 minutes ${direction} it, and accepts 15`, async () => {
      const request = await signWithSmithy();
      assertRejected(request, 'RequestExpired', pattern, { nowMs: SIGNED_AT_MS + offsetMs });
      const fifteenMinutes = Math.sign(offsetMs) * 15 * MINUTE_MS;
      assert.equal(
        verifySigV4(request, verifyOptions({ nowMs: SIGNED_AT_MS + fifteenMinutes })).accessKeyId,
        ACCESS_KEY_ID,
      );
    });
  }

  it('honours a narrower maxSkewMs', async () => {
    const request = await signWithSmithy();
    assertRejected(request, 'RequestExpired', /5 min\./, {
      nowMs: SIGNED_AT_MS + 6 * MINUTE_MS,
      maxSkewMs: 5 * MINUTE_MS,
    });
  });

  it('rejects a presigned URL once X-Amz-Date + X-Amz-Expires has passed', async () => {
    const request = await presignWithSmithy({ method: 'GET', query: { Action: 'ListQueues' } }, 300);
    assert.equal(verifySigV4(request, verifyOptions({ nowMs: SIGNED_AT_MS + 300_000 })).accessKeyId, ACCESS_KEY_ID);
    assertRejected(request, 'SignatureExpired', /20260115T103500Z/, { nowMs: SIGNED_AT_MS + 301_000 });
  });

  it('accepts a presigned URL for its whole lifetime, even past the 15-minute skew window', async () => {
    const request = await presignWithSmithy({ method: 'GET', query: { Action: 'ListQueues' } }, 3600);
    assert.equal(
      verifySigV4(request, verifyOptions({ nowMs: SIGNED_AT_MS + 59 * MINUTE_MS })).accessKeyId,
      ACCESS_KEY_ID,
    );
  });

  it('rejects a presigned URL dated more than the skew window in the future', async () => {
    const request = await presignWithSmithy({ method: 'GET', query: { Action: 'ListQueues' } }, 300);
    assertRejected(request, 'RequestExpired', /not yet current/, { nowMs: SIGNED_AT_MS - 16 * MINUTE_MS });
  });

  it('rejects an X-Amz-Expires beyond maxPresignedExpirySec or not a number', async () => {
    const request = await presignWithSmithy({ method: 'GET', query: { Action: 'ListQueues' } }, 7200);
    assertRejected(request, 'IncompleteSignature', /X-Amz-Expires/, { maxPresignedExpirySec: 3600 });
    for (const expires of ['soon', '-5', '0', '1e3', '']) {
      const tampered = {
        ...request,
        rawQuery: request.rawQuery.replace('X-Amz-Expires=7200', `X-Amz-Expires=${expires}`),
      };
      assertRejected(tampered, 'IncompleteSignature', /X-Amz-Expires/);
    }
  });

  it('rejects an x-amz-content-sha256 header that does not match the body, or claims UNSIGNED-PAYLOAD', async () => {
    const emptyHash = createHash('sha256').update('').digest('hex');
    for (const declared of [emptyHash, 'UNSIGNED-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD']) {
      // smithy signs with whatever the header says, so these signatures are valid over a lying payload hash.
      const request = await signWithSmithy({ headers: { 'x-amz-content-sha256': declared } });
      assertRejected(request, 'SignatureDoesNotMatch', /x-amz-content-sha256/);
    }
  });

  it('accepts an x-amz-content-sha256 header that tells the truth', async () => {
    const body = sendMessageBody();
    const truth = createHash('sha256').update(body).digest('hex');
    const request = await signWithSmithy({ body, headers: { 'x-amz-content-sha256': truth } });
    assert.equal(verifySigV4(request, verifyOptions()).accessKeyId, ACCESS_KEY_ID);
  });

  it('rejects a credential scoped to a service it does not serve', async () => {
    assertRejected(await signWithSmithy({}, { service: 'sns' }), 'IncompleteSignature', /'sqs'/);
  });

  it('rejects a credential scope date that is not the date of X-Amz-Date', async () => {
    const request = await signWithSmithy();
    const nextDay = withHeader(request, 'x-amz-date', '20260116T000500Z');
    assertRejected(nextDay, 'IncompleteSignature', /20260115.*20260116/, { nowMs: Date.UTC(2026, 0, 16, 0, 5) });
  });

  it('rejects a header-signed request without X-Amz-Date or Date, or with an unreadable one', async () => {
    const request = await signWithSmithy();
    assertRejected(withHeader(request, 'x-amz-date', undefined), 'IncompleteSignature', /X-Amz-Date/);
    assertRejected(withHeader(request, 'x-amz-date', '2026-01-15T10:30:00Z'), 'IncompleteSignature', /X-Amz-Date/);
    assertRejected(withHeader(request, 'x-amz-date', '20260230T103000Z'), 'IncompleteSignature', /X-Amz-Date/);
  });

  it('rejects a request carrying both an Authorization header and X-Amz-Signature', async () => {
    const presigned = await presignWithSmithy({ method: 'GET', query: { Action: 'ListQueues' } }, 300);
    const headerSigned = await signWithSmithy({ method: 'GET', body: '' });
    const both = withHeader(presigned, 'authorization', header(headerSigned, 'authorization'));
    assertRejected(both, 'IncompleteSignature', /one authentication mechanism/);
  });

  it('rejects a session token header that is not signed', async () => {
    const request = withHeader(await signWithSmithy(), 'x-amz-security-token', SESSION_TOKEN);
    assertRejected(request, 'IncompleteSignature', /x-amz-security-token/);
  });

  it('rejects presigned URLs missing one of their parameters', async () => {
    const request = await presignWithSmithy({ method: 'GET', query: { Action: 'ListQueues' } }, 300);
    for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires']) {
      const rawQuery = request.rawQuery
        .split('&')
        .filter((pair) => !pair.startsWith(`${name}=`))
        .join('&');
      assertRejected({ ...request, rawQuery }, 'IncompleteSignature', new RegExp(name));
    }
    const wrongAlgorithm = request.rawQuery.replace(
      'X-Amz-Algorithm=AWS4-HMAC-SHA256',
      'X-Amz-Algorithm=AWS4-HMAC-SHA1',
    );
    assertRejected({ ...request, rawQuery: wrongAlgorithm }, 'IncompleteSignature', /AWS4-HMAC-SHA256/);
  });

  describe('malformed Authorization headers are IncompleteSignature, naming the part at fault', () => {
    const variants: [string, (credential: string, signedHeaders: string, signature: string) => string, RegExp][] = [
      ['no Credential', (_c, h, s) => `AWS4-HMAC-SHA256 SignedHeaders=${h}, Signature=${s}`, /'Credential'/],
      ['no SignedHeaders', (c, _h, s) => `AWS4-HMAC-SHA256 Credential=${c}, Signature=${s}`, /'SignedHeaders'/],
      ['no Signature', (c, h) => `AWS4-HMAC-SHA256 Credential=${c}, SignedHeaders=${h}`, /'Signature'/],
      [
        'an empty Signature',
        (c, h) => `AWS4-HMAC-SHA256 Credential=${c}, SignedHeaders=${h}, Signature=`,
        /'Signature'/,
      ],
      ['only the algorithm', () => 'AWS4-HMAC-SHA256', /Authorization header must be/],
      ['a SigV2 header', () => `AWS ${ACCESS_KEY_ID}:frJIUN8DYpKDtOLCwo//yllqDzg=`, /only AWS4-HMAC-SHA256/],
      [
        'another algorithm',
        (c, h, s) => `AWS4-HMAC-SHA1 Credential=${c}, SignedHeaders=${h}, Signature=${s}`,
        /only AWS4-HMAC-SHA256/,
      ],
      [
        'a scope not ending in aws4_request',
        (c, h, s) =>
          `AWS4-HMAC-SHA256 Credential=${c.replace('aws4_request', 'aws4_reply')}, SignedHeaders=${h}, Signature=${s}`,
        /aws4_request/,
      ],
      [
        'a credential with a part missing',
        (c, h, s) => `AWS4-HMAC-SHA256 Credential=${c.replace('/us-east-1', '')}, SignedHeaders=${h}, Signature=${s}`,
        /Credential must be/,
      ],
      [
        'a credential date that is not YYYYMMDD',
        (c, h, s) =>
          `AWS4-HMAC-SHA256 Credential=${c.replace('20260115', '2026-1-15')}, SignedHeaders=${h}, Signature=${s}`,
        /YYYYMMDD/,
      ],
      [
        'a signature that is not hex',
        (c, h, s) => `AWS4-HMAC-SHA256 Credential=${c}, SignedHeaders=${h}, Signature=${s.replace(/^../, 'zz')}`,
        /Signature must be/,
      ],
      [
        'a truncated signature',
        (c, h, s) => `AWS4-HMAC-SHA256 Credential=${c}, SignedHeaders=${h}, Signature=${s.slice(0, 63)}`,
        /Signature must be/,
      ],
      [
        'an upper-case signature',
        (c, h, s) => `AWS4-HMAC-SHA256 Credential=${c}, SignedHeaders=${h}, Signature=${s.toUpperCase()}`,
        /Signature must be/,
      ],
      [
        'a repeated component',
        (c, h, s) => `AWS4-HMAC-SHA256 Credential=${c}, SignedHeaders=${h}, Signature=${s}, Signature=${s}`,
        /more than one Signature/,
      ],
      [
        'an unknown component',
        (c, h, s) => `AWS4-HMAC-SHA256 Credential=${c}, SignedHeaders=${h}, Signature=${s}, Expires=60`,
        /only have Credential, SignedHeaders and Signature/,
      ],
      [
        'unsorted SignedHeaders',
        (c, h, s) =>
          `AWS4-HMAC-SHA256 Credential=${c}, SignedHeaders=${h.split(';').reverse().join(';')}, Signature=${s}`,
        /SignedHeaders must be/,
      ],
      [
        'upper-case SignedHeaders',
        (c, h, s) => `AWS4-HMAC-SHA256 Credential=${c}, SignedHeaders=${h.toUpperCase()}, Signature=${s}`,
        /SignedHeaders must be/,
      ],
    ];

    for (const [what, build, pattern] of variants) {
      it(`rejects ${what}`, async () => {
        const request = await signWithSmithy();
        const match = /^AWS4-HMAC-SHA256 Credential=(\S+), SignedHeaders=(\S+), Signature=(\S+)$/.exec(
          header(request, 'authorization') ?? '',
        );
        assert.ok(match, 'smithy wrote an Authorization header of the usual shape');
        const authorization = build(match[1]!, match[2]!, match[3]!);
        assertRejected(withHeader(request, 'authorization', authorization), 'IncompleteSignature', pattern);
      });
    }

    it('rejects two Authorization headers', async () => {
      const request = await signWithSmithy();
      const twice = {
        ...request,
        rawHeaders: [...request.rawHeaders, 'Authorization', header(request, 'authorization')!],
      };
      assertRejected(twice, 'IncompleteSignature', /more than one Authorization/);
    });
  });

  it('never puts the secret, the expected signature or any derived hash in an error message', async () => {
    const good = await signWithSmithy();
    const tamperedBody = Buffer.from(sendMessageBody(65));
    const expectedForTampered = await signWithSmithy({ body: tamperedBody.toString() });
    const signingKeyHex = deriveSigningKey(SECRET, { date: '20260115', region: 'us-east-1', service: 'sqs' }).toString(
      'hex',
    );
    const failures = [
      rejectionOf(await signWithSmithy({}, { secretAccessKey: OTHER_SECRET })),
      rejectionOf({ ...good, body: tamperedBody }),
      rejectionOf(await signWithSmithy({}, { accessKeyId: 'AKIAUNKNOWNKEY000000' })),
      rejectionOf(good, { nowMs: SIGNED_AT_MS + 16 * MINUTE_MS }),
      rejectionOf(await signWithSmithy({ headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } })),
      rejectionOf(await presignWithSmithy({ method: 'GET' }, 60), { nowMs: SIGNED_AT_MS + 61_000 }),
      rejectionOf(withHeader(good, 'authorization', `AWS4-HMAC-SHA256 Credential=${SECRET}`)),
      rejectionOf(withHeader(good, 'authorization', `${SECRET} Credential=x, SignedHeaders=host, Signature=y`)),
      rejectionOf(withHeader(good, 'authorization', `AWS4-HMAC-SHA256 ${SECRET}`)),
    ];
    const forbidden = [SECRET, OTHER_SECRET, signingKeyHex, signatureOf(expectedForTampered), signatureOf(good)];
    for (const error of failures) {
      const shown = `${error.message}\n${error.stack ?? ''}\n${inspect(error)}`;
      for (const value of forbidden) assert.ok(!shown.includes(value), `${error.code} message reveals a secret value`);
      assert.doesNotMatch(error.message, /[0-9a-f]{64}/, `${error.code} message carries a hash`);
    }
  });
});

describe('SigV4 signing key cache', () => {
  it('derives the signing key AWS documents for its example secret', () => {
    const key = deriveSigningKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', {
      date: '20150830',
      region: 'us-east-1',
      service: 'iam',
    });
    assert.equal(key.toString('hex'), 'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9');
  });

  it('returns the derived key, keeps at most maxEntries and evicts the least recently used', () => {
    const cache = new SigningKeyCache(2);
    const scope = (date: string) => ({ date, region: 'us-east-1', service: 'sqs' });
    const first = cache.signingKey(SECRET, scope('20260101'));
    assert.deepEqual(first.export(), deriveSigningKey(SECRET, scope('20260101')));
    cache.signingKey(SECRET, scope('20260102'));
    assert.equal(cache.signingKey(SECRET, scope('20260101')), first, 'a hit returns the cached key');
    cache.signingKey(SECRET, scope('20260103'));
    assert.equal(cache.size, 2);
    assert.equal(cache.signingKey(SECRET, scope('20260101')), first, 'the recently used entry survived eviction');
    assert.notEqual(cache.signingKey(OTHER_SECRET, scope('20260101')), first, 'another secret gets another key');
  });

  it('holds no secret in the clear', () => {
    const cache = new SigningKeyCache();
    cache.signingKey(SECRET, { date: '20260115', region: 'us-east-1', service: 'sqs' });
    const everything = inspect(cache, { showHidden: true, depth: Number.POSITIVE_INFINITY, maxStringLength: null });
    assert.ok(!everything.includes(SECRET));
    assert.ok(!everything.includes(Buffer.from(SECRET).toString('hex')));
    assert.ok(!everything.includes(Buffer.from(SECRET).toString('base64')));
  });
});

// Requests from the AWS SigV4 test suite, as published in awslabs/aws-c-auth
// (tests/aws-signing-test-suite/v4/<name>/header-signed-request.txt). Paths and queries there are the
// unencoded inputs of the suite, so they go through our encoding exactly once, as the suite intends.
const SUITE_AUTH = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request';
const SUITE_VECTORS: [string, string][] = [
  [
    'get-vanilla',
    `GET / HTTP/1.1\nHost:example.amazonaws.com\nAuthorization:${SUITE_AUTH}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31\nX-Amz-Date:20150830T123600Z\n\n`,
  ],
  [
    'get-vanilla-query-order-key-case',
    `GET /?Param2=value2&Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nAuthorization:${SUITE_AUTH}, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500\nX-Amz-Date:20150830T123600Z\n\n`,
  ],
  [
    'get-vanilla-query-order-encoded',
    `GET /?Param-3=Value3&Param=Value2&%E1%88%B4=Value1 HTTP/1.1\nHost:example.amazonaws.com\nAuthorization:${SUITE_AUTH}, SignedHeaders=host;x-amz-date, Signature=371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac\nX-Amz-Date:20150830T123600Z\n\n`,
  ],
  [
    'get-vanilla-empty-query-key',
    `GET /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nAuthorization:${SUITE_AUTH}, SignedHeaders=host;x-amz-date, Signature=a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb\nX-Amz-Date:20150830T123600Z\n\n`,
  ],
  [
    'get-vanilla-query-unreserved',
    `GET /?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\nHost:example.amazonaws.com\nAuthorization:${SUITE_AUTH}, SignedHeaders=host;x-amz-date, Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197\nX-Amz-Date:20150830T123600Z\n\n`,
  ],
  [
    'get-vanilla-utf8-query',
    `GET /?ሴ=bar HTTP/1.1\nHost:example.amazonaws.com\nAuthorization:${SUITE_AUTH}, SignedHeaders=host;x-amz-date, Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04\nX-Amz-Date:20150830T123600Z\n\n`,
  ],
  [
    'get-utf8',
    `GET /ሴ HTTP/1.1\nHost:example.amazonaws.com\nAuthorization:${SUITE_AUTH}, SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85\nX-Amz-Date:20150830T123600Z\n\n`,
  ],
  [
    'get-unreserved',
    `GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\nHost:example.amazonaws.com\nAuthorization:${SUITE_AUTH}, SignedHeaders=host;x-amz-date, Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f\nX-Amz-Date:20150830T123600Z\n\n`,
  ],
  [
    'get-space-normalized',
    `GET /example space/ HTTP/1.1\nHost:example.amazonaws.com\nAuthorization:${SUITE_AUTH}, SignedHeaders=host;x-amz-date, Signature=652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741\nX-Amz-Date:20150830T123600Z\n\n`,
  ],
  [
    'get-slashes-normalized',
    `GET //example// HTTP/1.1\nHost:example.amazonaws.com\nAuthorization:${SUITE_AUTH}, SignedHeaders=host;x-amz-date, Signature=9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84\nX-Amz-Date:20150830T123600Z\n\n`,
  ],
  [
    'get-slash-dot-slash-normalized',
    `GET /./ HTTP/1.1\nHost:example.amazonaws.com\nAuthorization:${SUITE_AUTH}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31\nX-Amz-Date:20150830T123600Z\n\n`,
  ],
  [
    'get-relative-relative-normalized',
    `GET /example1/example2/../.. HTTP/1.1\nHost:example.amazonaws.com\nAuthorization:${SUITE_AUTH}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31\nX-Amz-Date:20150830T123600Z\n\n`,
  ],
  [
    'get-header-key-duplicate',
    `GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value2\nMy-Header1:value2\nMy-Header1:value1\nAuthorization:${SUITE_AUTH}, SignedHeaders=host;my-header1;x-amz-date, Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea\nX-Amz-Date:20150830T123600Z\n\n`,
  ],
  [
    'get-header-value-order',
    `GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value4\nMy-Header1:value1\nMy-Header1:value3\nMy-Header1:value2\nAuthorization:${SUITE_AUTH}, SignedHeaders=host;my-header1;x-amz-date, Signature=08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01\nX-Amz-Date:20150830T123600Z\n\n`,
  ],
  [
    'get-header-value-trim',
    `GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1: value1\nMy-Header2: "a   b   c"\nAuthorization:${SUITE_AUTH}, SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736\nX-Amz-Date:20150830T123600Z\n\n`,
  ],
  [
    'get-vanilla-with-session-token',
    `GET / HTTP/1.1\nHost:example.amazonaws.com\nAuthorization:${SUITE_AUTH}, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8\nX-Amz-Date:20150830T123600Z\nX-Amz-Security-Token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267\n\n`,
  ],
  [
    'post-x-www-form-urlencoded',
    `POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded\nHost:example.amazonaws.com\nContent-Length:13\nx-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\nAuthorization:${SUITE_AUTH}, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b\nX-Amz-Date:20150830T123600Z\n\nParam1=value1`,
  ],
];

/** Reads a suite request as node would hand it over: header values stripped of surrounding whitespace. */
function parseSuiteRequest(text: string): SignedRequest {
  const headEnd = text.indexOf('\n\n');
  const [requestLine, ...headerLines] = text.slice(0, headEnd).split('\n');
  const [, method, target] = /^(\S+) (.*) HTTP\/1\.1$/.exec(requestLine!)!;
  const queryStart = target!.indexOf('?');
  return {
    method: method!,
    rawPath: queryStart < 0 ? target! : target!.slice(0, queryStart),
    rawQuery: queryStart < 0 ? '' : target!.slice(queryStart + 1),
    rawHeaders: headerLines.flatMap((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    }),
    body: Buffer.from(text.slice(headEnd + 2)),
  };
}

describe('AWS SigV4 test suite vectors', () => {
  const suiteOptions = verifyOptions({
    nowMs: Date.UTC(2015, 7, 30, 12, 36, 0),
    services: ['service'],
    lookupSecret: (id) =>
      id === 'AKIDEXAMPLE' ? { secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } : undefined,
  });

  for (const [name, text] of SUITE_VECTORS) {
    it(`verifies ${name}`, () => {
      const caller = verifySigV4(parseSuiteRequest(text), suiteOptions);
      assert.equal(caller.accessKeyId, 'AKIDEXAMPLE');
      assert.equal(caller.signedAtMs, Date.UTC(2015, 7, 30, 12, 36, 0));
    });
  }

  it('returns the session token of get-vanilla-with-session-token', () => {
    const text = SUITE_VECTORS.find(([name]) => name === 'get-vanilla-with-session-token')![1];
    const caller = verifySigV4(parseSuiteRequest(text), suiteOptions);
    assert.equal(caller.sessionToken, '6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267');
  });

  it('rejects get-vanilla once its path is changed', () => {
    const request = parseSuiteRequest(SUITE_VECTORS[0]![1]);
    assert.throws(() => verifySigV4({ ...request, rawPath: '/other' }, suiteOptions), {
      code: 'SignatureDoesNotMatch',
    });
  });
});

// --- Real clients over real HTTP -----------------------------------------------------------------------------

interface CapturedVerification {
  code: ErrorCode | 'OK';
  message: string;
}

/** A minimal SQS JSON endpoint that verifies each request exactly as node's http server hands it over. */
async function withVerifyingServer(run: (endpoint: string, seen: CapturedVerification[]) => Promise<void>) {
  const seen: CapturedVerification[] = [];
  const server = createServer(async (incoming: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const target = incoming.url ?? '/';
    const queryStart = target.indexOf('?');
    const request: SignedRequest = {
      method: incoming.method ?? 'GET',
      rawPath: queryStart < 0 ? target : target.slice(0, queryStart),
      rawQuery: queryStart < 0 ? '' : target.slice(queryStart + 1),
      rawHeaders: incoming.rawHeaders,
      body: Buffer.concat(chunks),
    };
    response.setHeader('content-type', 'application/x-amz-json-1.0');
    try {
      verifySigV4(request, verifyOptions({ nowMs: Date.now() }));
      seen.push({ code: 'OK', message: '' });
      const target = String(incoming.headers['x-amz-target'] ?? '');
      response.end(
        target.endsWith('SendMessage')
          ? JSON.stringify({ MessageId: 'm-1', MD5OfMessageBody: md5OfBody(request.body) })
          : '{}',
      );
    } catch (error) {
      const { code, message } = isPciqError(error)
        ? error
        : { code: 'InternalFailure' as const, message: String(error) };
      seen.push({ code, message });
      response.statusCode = 400;
      response.end(JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

function md5OfBody(body: Buffer): string {
  const messageBody = (JSON.parse(body.toString('utf8')) as { MessageBody: string }).MessageBody;
  return createHash('md5').update(messageBody).digest('hex');
}

const BOTOCORE_CLIENT = `
import json, sys
import botocore.session
endpoint, access_key_id, secret = sys.argv[1:4]
client = botocore.session.get_session().create_client(
    'sqs', region_name='us-east-1', endpoint_url=endpoint,
    aws_access_key_id=access_key_id, aws_secret_access_key=secret)
client.list_queues()
client.send_message(QueueUrl=endpoint + '/123456789012/payments', MessageBody='héllo wörld ' * 100)
`;

describe('SigV4 verification of real clients over HTTP', () => {
  it('accepts ListQueues and SendMessage from @aws-sdk/client-sqs', async () => {
    await withVerifyingServer(async (endpoint, seen) => {
      const client = new SQSClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET },
        maxAttempts: 1,
      });
      try {
        await client.send(new ListQueuesCommand({}));
        await client.send(
          new SendMessageCommand({ QueueUrl: `${endpoint}/123456789012/payments`, MessageBody: 'héllo '.repeat(500) }),
        );
      } finally {
        client.destroy();
      }
      assert.deepEqual(seen, [
        { code: 'OK', message: '' },
        { code: 'OK', message: '' },
      ]);
    });
  });

  it('rejects @aws-sdk/client-sqs with the wrong secret as SignatureDoesNotMatch', async () => {
    await withVerifyingServer(async (endpoint, seen) => {
      const client = new SQSClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: OTHER_SECRET },
        maxAttempts: 1,
      });
      try {
        await assert.rejects(client.send(new ListQueuesCommand({})), { name: 'SignatureDoesNotMatch' });
      } finally {
        client.destroy();
      }
      assert.equal(seen[0]?.code, 'SignatureDoesNotMatch');
    });
  });

  it('accepts ListQueues and SendMessage from botocore', async (t) => {
    if (skipWithoutBotocore(t)) return;
    await withVerifyingServer(async (endpoint, seen) => {
      await promisify(execFile)('python3', ['-c', BOTOCORE_CLIENT, endpoint, ACCESS_KEY_ID, SECRET], {
        env: { PATH: process.env.PATH, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
      });
      assert.deepEqual(seen, [
        { code: 'OK', message: '' },
        { code: 'OK', message: '' },
      ]);
    });
  });
});
