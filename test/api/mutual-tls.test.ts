import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
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

  it('refuses the handshake of a client without a certificate', async () => {
    const client = sqs({});
    await assert.rejects(client.send(new ListQueuesCommand({})), (error: Error & { code?: string }) => {
      assert.match(`${error.code} ${error.message}`, /certificate|ECONNRESET|socket hang up|alert/i);
      return true;
    });
    client.destroy();
  });
});
