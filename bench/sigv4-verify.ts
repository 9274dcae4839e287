/**
 * Verifications per second of a header-signed 10 KiB SQS JSON SendMessage, signed once by @smithy/signature-v4
 * (the AWS SDK for JavaScript v3 signer). The signer's own rate is printed as a peer: verifying does the same
 * hashing as signing, so the ratio shows what the server-side checks cost on top.
 */
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { type SignedRequest, verifySigV4 } from '../src/api/sigv4/index.ts';
import { NodeSha256 } from '../test/support/node-sha256.ts';

const ACCESS_KEY_ID = 'AKIAPCIQBENCHKEY0001';
const SECRET_ACCESS_KEY = 'pciqBenchSecret/0123+456789abcdefGHIJKLmn';
const SIGNED_AT_MS = Date.UTC(2026, 0, 15, 10, 30, 0);
const WARM_UP_MS = 1_000;
const MEASURE_MS = 3_000;

const messageBody = 'x'.repeat(10 * 1024 - 80);
const body = JSON.stringify({ QueueUrl: 'http://localhost:9324/123456789012/payments', MessageBody: messageBody });
const signer = new SignatureV4({
  service: 'sqs',
  region: 'us-east-1',
  credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
  sha256: NodeSha256,
});
const unsigned = new HttpRequest({
  method: 'POST',
  protocol: 'http:',
  hostname: 'localhost',
  port: 9324,
  path: '/',
  headers: {
    host: 'localhost:9324',
    'content-type': 'application/x-amz-json-1.0',
    'content-length': String(Buffer.byteLength(body)),
    'x-amz-target': 'AmazonSQS.SendMessage',
    'user-agent': 'aws-sdk-js/3 bench',
  },
  body,
});
const signed = await signer.sign(unsigned, { signingDate: new Date(SIGNED_AT_MS) });
const request: SignedRequest = {
  method: signed.method,
  rawPath: signed.path,
  rawQuery: '',
  rawHeaders: Object.entries(signed.headers).flat(),
  body: Buffer.from(body),
};
const options = {
  nowMs: SIGNED_AT_MS,
  services: ['sqs'],
  lookupSecret: (id: string) => (id === ACCESS_KEY_ID ? { secretAccessKey: SECRET_ACCESS_KEY } : undefined),
};

function verificationsPerSecond(durationMs: number): number {
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < 200; i++) verifySigV4(request, options);
    count += 200;
    elapsed = performance.now() - start;
  }
  return (count * 1000) / elapsed;
}

async function signaturesPerSecond(durationMs: number): Promise<number> {
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < 200; i++) await signer.sign(unsigned, { signingDate: new Date(SIGNED_AT_MS) });
    count += 200;
    elapsed = performance.now() - start;
  }
  return (count * 1000) / elapsed;
}

verificationsPerSecond(WARM_UP_MS);
const verifyRate = verificationsPerSecond(MEASURE_MS);
await signaturesPerSecond(WARM_UP_MS);
const signRate = await signaturesPerSecond(MEASURE_MS);

const format = (rate: number) => Math.round(rate).toLocaleString('en-US');
console.log(
  `sigv4 verify, 10 KiB JSON POST: ${format(verifyRate)} verifications/s (${(1e6 / verifyRate).toFixed(1)} µs each)`,
);
console.log(`peer: @smithy/signature-v4 sign, same request: ${format(signRate)} signatures/s`);
console.log(`ratio verify/sign: ${(verifyRate / signRate).toFixed(2)}`);
