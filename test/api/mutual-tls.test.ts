import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { pciqJsonAsync } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const hasOpenssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;

/** A client CA and a client certificate it issued (ECDSA P-256, clientAuth), made with the openssl command. */
function clientPki(dir: string): { ca: string; cert: string; key: string } {
  const run = (...args: string[]) => {
    const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
  };
  run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
  run('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=pciq test client CA', '-days', '2', '-out', 'ca.pem');
  run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'client.key');
  run('req', '-new', '-key', 'client.key', '-subj', '/CN=payments-worker', '-out', 'client.csr');
  const extensions = join(dir, 'client.ext');
  spawnSync('sh', ['-c', `printf 'extendedKeyUsage=clientAuth\\n' > ${extensions}`]);
  run(
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    'client.ext',
    '-out',
    'client.pem',
  );
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'client.pem'), key: join(dir, 'client.key') };
}

describe('mutual TLS (--tls-client-ca)', { skip: hasOpenssl ? false : 'the openssl command is not installed' }, () => {
  let data: ReturnType<typeof initDataDir>;
  let pki: ReturnType<typeof clientPki>;
  let server: PciqServer;
  let endpoint: string;
  const dir = makeTempDir();

  before(async () => {
    data = initDataDir();
    pki = clientPki(dir.path);
    server = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile, extra: ['--tls-client-ca', pki.ca] });
    endpoint = await server.endpoint;
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
    data.remove();
    dir.remove();
  });

  function sqs(agentOptions: Record<string, unknown>): SQSClient {
    return new SQSClient({
      endpoint,
      region: data.bootstrap.region,
      credentials: data.bootstrap,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        httpsAgent: new Agent({ ca: readFileSync(data.bootstrap.caFile), ...agentOptions }),
      }),
    });
  }

  it('serves a client that presents a certificate from the client CA', async () => {
    const client = sqs({ cert: readFileSync(pki.cert), key: readFileSync(pki.key) });
    const out = await client.send(new ListQueuesCommand({}));
    assert.equal(out.$metadata.httpStatusCode, 200);
    client.destroy();
  });

  /** Sends `bytes` over a TLS connection (with the client certificate or without) and returns what came back. */
  function exchange(bytes: string, options: { withCertificate: boolean }): Promise<string> {
    const url = new URL(endpoint);
    return new Promise((resolve) => {
      const socket = connect({
        host: url.hostname,
        port: Number(url.port),
        ca: readFileSync(data.bootstrap.caFile),
        ...(options.withCertificate ? { cert: readFileSync(pki.cert), key: readFileSync(pki.key) } : {}),
      });
      let answer = '';
      socket.on('secureConnect', () => socket.write(bytes));
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
        // An answer's head is all these tests read; a connection kept alive after it is not waited out.
        if (answer.includes('\r\n\r\n')) socket.end();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(answer));
    });
  }

  interface Refusal {
    kind: string;
    type: string;
    outcome: string;
    error: string;
    requestId: string | null;
    origin: { ip: string | null; clientCertificate: string | null };
    details: Record<string, string | null> | null;
  }

  /** The trail's failures, as `pciq audit search` prints them, once `isThere` finds what it waits for (20 s at most). */
  async function failuresOnceThere(isThere: (records: Refusal[]) => boolean): Promise<Refusal[]> {
    const dirArgs = ['--data-dir', data.dataDir, '--key-file', data.keyFile];
    const search = ['audit', 'search', '--outcome', 'failure', '--limit', '1000', '--json', ...dirArgs];
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { records } = await pciqJsonAsync<{ records: Refusal[] }>(search);
      if (isThere(records) || Date.now() > deadline) return records;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('records a handshake refused for want of a client certificate, with its origin (PCI DSS 10.2.1.4)', async () => {
    await exchange('POST / HTTP/1.1\r\nHost: pciq\r\nContent-Length: 0\r\n\r\n', { withCertificate: false });
    const records = await failuresOnceThere((found) => found.some((r) => r.type === 'pciq:TlsHandshake'));
    const refusal = records.find((r) => r.type === 'pciq:TlsHandshake');
    assert.ok(refusal, 'the refused handshake is recorded');
    assert.equal(refusal.outcome, 'failure');
    assert.equal(refusal.error, 'ClientCertificateRefused');
    assert.match(refusal.details?.['tlsError'] ?? '', /CERTIFICATE/);
    assert.match(refusal.origin.ip ?? '', /127\.0\.0\.1$/);
    assert.equal(refusal.requestId, null);
    assert.equal(records.filter((r) => r.error === 'ClientCertificateRefused').length, 1, 'recorded once');
  });

  it("records requests Node's HTTP parser refuses, answered as before, without the bytes sent", async () => {
    const malformed = await exchange('BREW /pot-of-coffee HTCPCP/1.0\r\n\r\n', { withCertificate: true });
    assert.match(malformed, /^HTTP\/1\.1 400 Bad Request/);
    const overflow = await exchange(`GET / HTTP/1.1\r\nHost: pciq\r\nX-Filler: ${'z'.repeat(20_000)}\r\n\r\n`, {
      withCertificate: true,
    });
    assert.match(overflow, /^HTTP\/1\.1 431 Request Header Fields Too Large/);
    // Over the body limit: refused by pciq's own handler, which records it too.
    const tooLarge = await exchange('POST / HTTP/1.1\r\nHost: pciq\r\nContent-Length: 9000000\r\n\r\n', {
      withCertificate: true,
    });
    assert.match(tooLarge, /^HTTP\/1\.1 413/);
    const isRecorded = (found: Refusal[], error: string) => found.some((r) => r.error === error);
    const errors = ['MalformedRequest', 'RequestHeaderFieldsTooLarge', 'RequestEntityTooLarge'];
    const records = await failuresOnceThere((found) => errors.every((error) => isRecorded(found, error)));
    for (const error of errors) {
      const record = records.find((r) => r.error === error);
      assert.ok(record, `${error} is recorded`);
      assert.match(record.origin.ip ?? '', /127\.0\.0\.1$/);
      assert.match(record.origin.clientCertificate ?? '', /^[0-9a-f]{64}$/, 'the certificate it came with');
    }
    assert.equal(records.find((r) => r.error === 'MalformedRequest')?.type, 'pciq:HttpRequest');
    assert.doesNotMatch(JSON.stringify(records), /coffee|zzzz/);
  });

  it('refuses the handshake of a client without a certificate', async () => {
    const client = sqs({});
    await assert.rejects(client.send(new ListQueuesCommand({})), (error: Error & { code?: string }) => {
      assert.match(`${error.code} ${error.message}`, /certificate|ECONNRESET|socket hang up|alert/i);
      return true;
    });
    client.destroy();
  });
});
