import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadServerSettings, saveServerSettings } from '../../src/compliance/index.ts';
import { RootKey, writeKeyFile } from '../../src/crypto/index.ts';
import { createDevelopmentTls } from '../../src/crypto/x509/index.ts';
import { ComplianceHarness, seen } from '../support/compliance-harness.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const dayMs = 86_400_000;

describe('the default pack on the endpoint and the root key', () => {
  let h: ComplianceHarness;
  let server: string;
  let renewals = 0;
  const keyDir = makeTempDir('pciq-root-key-');
  before(async () => {
    h = await new ComplianceHarness().open();
    server = h.singletonArn('server');
  });
  after(async () => {
    await h.close();
    keyDir.remove();
  });

  /** A server certificate valid from now for 397 days, written as the files `--tls-cert` and `--tls-key` name. */
  function certificate(): { certFile: string; keyFile: string } {
    const material = createDevelopmentTls({
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      now: new Date(h.clock.now()),
    });
    const dir = join(h.dir.path, `tls-${renewals++}`);
    mkdirSync(dir);
    const files = { certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') };
    writeFileSync(files.certFile, material.serverCertPem);
    writeFileSync(files.keyFile, material.serverKeyPem, { mode: 0o600 });
    return files;
  }

  it('fails an endpoint serving plain HTTP, passes it once it serves TLS', async () => {
    assert.equal((await h.judge('tls-weak-or-plain-http', server)).status, 'pass', 'before any start: TLS 1.2');
    await h.startServer({});
    const failed = await h.judge('tls-weak-or-plain-http', server);
    assert.equal(failed.status, 'fail');
    assert.equal(failed.severity, 'critical');
    assert.deepEqual(seen(failed), { isPlainHttp: true });

    await h.startServer({ tls: certificate() });
    const passed = await h.judge('tls-weak-or-plain-http', server);
    assert.equal(passed.status, 'pass');
    assert.deepEqual(seen(passed), { isPlainHttp: false, tlsMinVersion: 'TLSv1.2' });

    // pciq serve's floor is TLS 1.2 (src/api/tls.ts); settings saved by a build that accepted less fail.
    const saved = h.server!;
    await h.store.write((tx) => saveServerSettings(tx, { ...saved, tls: { ...saved.tls!, minVersion: 'TLSv1.1' } }));
    h.server = await h.store.read((tx) => loadServerSettings(tx));
    const weak = await h.judge('tls-weak-or-plain-http', server);
    assert.equal(weak.status, 'fail');
    assert.deepEqual(seen(weak), { tlsMinVersion: 'TLSv1.1' });
  });

  it('fails a certificate that expires within 30 days, passes it once renewed', async () => {
    await h.startServer({ tls: certificate() });
    const expiresAtMs = Date.parse(h.server!.tls!.certificate!.notAfter);
    h.clock.advance(expiresAtMs - 30.5 * dayMs - h.clock.now());
    const early = await h.judge('tls-certificate-expiring', server);
    assert.equal(early.status, 'pass');
    assert.deepEqual(seen(early), { certificateExpiresAtMs: -30 });
    h.clock.advance(dayMs);
    const failed = await h.judge('tls-certificate-expiring', server);
    assert.equal(failed.status, 'fail', '29.5 days left');
    assert.deepEqual(seen(failed), { certificateExpiresAtMs: -29 });
    h.clock.advance(32 * dayMs);
    assert.deepEqual(seen(await h.judge('tls-certificate-expiring', server)), { certificateExpiresAtMs: 2 });

    await h.startServer({ tls: certificate() });
    assert.equal((await h.judge('tls-certificate-expiring', server)).status, 'pass');
  });

  it('fails a root key file others may read, passes it once it is owner-only again', async () => {
    const keyFile = join(keyDir.path, 'root.key');
    writeKeyFile(keyFile, RootKey.generateSecret());
    h.keyFile = keyFile;
    const resource = h.singletonArn('root-key');
    assert.equal((await h.judge('root-key-readable-by-others', resource)).status, 'pass');

    // pciq refuses to start with such a file; this is a file made readable while the server runs.
    chmodSync(keyFile, 0o640);
    const failed = await h.judge('root-key-readable-by-others', resource);
    assert.equal(failed.status, 'fail');
    assert.equal(failed.severity, 'critical');
    assert.deepEqual(seen(failed), { isReadableByOthers: true });

    chmodSync(keyFile, 0o600);
    assert.equal((await h.judge('root-key-readable-by-others', resource)).status, 'pass');
  });
});
