/**
 * TLS to PostgreSQL, through pciq's public interface, against a cluster of its own with ssl=on (the shared
 * test server runs without TLS): sslmode as libpq defines it, refusals that say what to do without the
 * password, and `pciq doctor`'s view of the connection.
 */
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { after, describe, it } from 'node:test';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { pciq } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { skipNotice, testPostgres } from '../support/postgres.ts';
import { sqsClient } from '../support/sqs-client.ts';
import { startTlsPostgres } from '../support/tls-postgres.ts';

/** An address of this host that is not loopback, to see what doctor says of traffic that crosses a network. */
const networkAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal)?.address;

interface DoctorCheck {
  name: string;
  status: string;
  detail: string;
  facts?: Record<string, unknown>;
}

function doctor(url: string): { status: number | null; tls: DoctorCheck; output: string } {
  const result = pciq(['doctor', '--json'], { env: { ...process.env, PCIQ_STORE: url } });
  assert.equal(result.stderr, '', 'doctor reports through its checks');
  const report = JSON.parse(result.stdout) as { checks: DoctorCheck[] };
  const tls = report.checks.find((check) => check.name === 'tls');
  assert.ok(tls, `a tls check in ${result.stdout}`);
  return { status: result.status, tls, output: result.stdout };
}

// Both servers are looked for before any test runs: the tests' synchronous child processes would stall the probe.
const plain = await testPostgres();
const cluster = await startTlsPostgres(networkAddress ? { extraAddress: networkAddress } : {});
if ('skip' in cluster) {
  skipNotice('PostgreSQL over TLS', cluster.skip);
} else {
  describe('PostgreSQL over TLS', () => {
    const verifyFull = (host: string, ca = cluster.caFile) =>
      cluster.url(host, `sslmode=verify-full&sslrootcert=${ca}`);

    after(() => cluster.stop());

    it('serves SQS on a store reached with sslmode=verify-full, every pciq connection encrypted', async () => {
      const data = initDataDir({ store: verifyFull('localhost') });
      const server = new PciqServer({
        dataDir: data.dataDir,
        keyFile: data.keyFile,
        env: { PCIQ_STORE: verifyFull('localhost') },
      });
      const sqs = sqsClient(await server.endpoint, data.bootstrap);
      const admin = new pg.Client({ connectionString: cluster.url('127.0.0.1'), ssl: false });
      try {
        const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'over-tls' }));
        await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'through TLS' }));
        const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }));
        assert.equal(received.Messages?.[0]?.Body, 'through TLS');

        await admin.connect();
        const backends = await admin.query<{ ssl: boolean; version: string }>(
          `SELECT s.ssl, s.version FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
            WHERE a.application_name = 'pciq'`,
        );
        assert.ok(backends.rows.length >= 4, `the node's pool is connected: ${backends.rows.length}`);
        for (const backend of backends.rows) {
          assert.equal(backend.ssl, true, 'the server sees every pciq connection encrypted');
          assert.match(backend.version, /^TLSv1\.[23]$/);
        }
      } finally {
        sqs.destroy();
        await admin.end().catch(() => undefined);
        await server.stop();
        data.remove();
      }
    });

    it('refuses a database whose certificate another CA issued, saying what to do and not the password', () => {
      const data = initDataDir();
      try {
        for (const args of [
          ['serve', '--data-dir', data.dataDir, '--key-file', data.keyFile, '--port', '0'],
          ['migrate'],
        ]) {
          const result = pciq([...args, '--store', verifyFull('127.0.0.1', cluster.otherCaFile)]);
          assert.equal(result.status, 1, `pciq ${args[0]} refuses: ${result.stdout}`);
          assert.match(result.stderr, /TLS certificate was not issued by the CA in sslrootcert=\S+other-ca\.pem/);
          assert.match(result.stderr, /set sslrootcert to the file of the CA that issued it/);
          assert.match(result.stderr, /postgres:\/\/pciq:\*\*\*\*\*@127\.0\.0\.1/);
          assert.ok(!result.stderr.includes(cluster.password), 'the password is never printed');
        }
      } finally {
        data.remove();
      }
    });

    it('checks the host name with verify-full, and only the certificate with verify-ca', () => {
      // 127.0.0.2 reaches the same server, but its certificate names only localhost and 127.0.0.1.
      const refused = pciq(['migrate', '--store', verifyFull('127.0.0.2')]);
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /certificate does not name the host in the URL .*127\.0\.0\.2/);
      assert.match(refused.stderr, /connect by a name the certificate lists/);

      const { status, tls } = doctor(cluster.url('127.0.0.2', `sslmode=verify-ca&sslrootcert=${cluster.caFile}`));
      assert.equal(status, 0);
      assert.equal(tls.status, 'warn');
      assert.deepEqual(
        [tls.facts?.['encrypted'], tls.facts?.['certificateVerified'], tls.facts?.['hostNameVerified']],
        [true, true, false],
      );
      assert.match(tls.detail, /not the host name.*use sslmode=verify-full/);
    });

    it('reports a verify-full connection: protocol, cipher, certificate and host name verified', () => {
      const { status, tls } = doctor(verifyFull('localhost'));
      assert.equal(status, 0);
      assert.equal(tls.status, 'ok');
      assert.match(tls.detail, /^TLSv1\.[23] \S+, sslmode=verify-full \(certificate and host name verified/);
      assert.equal(tls.facts?.['hostNameVerified'], true);
    });

    it('encrypts without verifying under sslmode=require, as libpq does, and verifies the CA once given', () => {
      const { tls } = doctor(cluster.url('127.0.0.2', 'sslmode=require'));
      assert.equal(tls.status, 'warn');
      assert.deepEqual([tls.facts?.['encrypted'], tls.facts?.['certificateVerified']], [true, false]);
      assert.match(tls.detail, /not verified.*use sslmode=verify-full with sslrootcert/);

      // libpq: with a root certificate, require behaves as verify-ca.
      const refused = pciq([
        'migrate',
        '--store',
        cluster.url('127.0.0.1', `sslmode=require&sslrootcert=${cluster.otherCaFile}`),
      ]);
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /not issued by the CA in sslrootcert/);
      const { tls: withCa } = doctor(cluster.url('127.0.0.2', `sslmode=require&sslrootcert=${cluster.caFile}`));
      assert.deepEqual([withCa.facts?.['certificateVerified'], withCa.facts?.['hostNameVerified']], [true, false]);
    });

    it('sends in clear under sslmode=disable: accepted on loopback, warned when it crosses a network', (t) => {
      const { status, tls } = doctor(cluster.url('127.0.0.1', 'sslmode=disable'));
      assert.equal(status, 0);
      assert.equal(tls.status, 'ok');
      assert.deepEqual([tls.facts?.['encrypted'], tls.facts?.['loopback']], [false, true]);
      assert.match(tls.detail, /the database is on this host/);

      if (!networkAddress) {
        t.skip('this host has no non-loopback IPv4 address: the cross-network warning is not checked');
        return;
      }
      const across = doctor(cluster.url(networkAddress, 'sslmode=disable'));
      assert.equal(across.status, 0, 'a warning, not a failure');
      assert.equal(across.tls.status, 'warn');
      assert.deepEqual([across.tls.facts?.['encrypted'], across.tls.facts?.['loopback']], [false, false]);
      assert.match(across.tls.detail, /in clear \(PCI DSS 4\.2\.1\); use sslmode=verify-full/);
    });

    it('authenticates by client certificate with sslcert and sslkey', async (t) => {
      const client = cluster.clientCertificate;
      if (!client) {
        t.skip('openssl is not installed to issue a client certificate: client certificates are not checked');
        return;
      }
      const admin = new pg.Client({ connectionString: cluster.url('127.0.0.1'), ssl: false });
      await admin.connect();
      await admin.query(`CREATE ROLE ${cluster.certUser} LOGIN`).finally(() => admin.end());
      const url = (query: string) =>
        `postgres://${cluster.certUser}@127.0.0.1:${cluster.port}/postgres?sslmode=verify-full&sslrootcert=${cluster.caFile}${query}`;

      const { tls } = doctor(url(`&sslcert=${client.certFile}&sslkey=${client.keyFile}`));
      assert.equal(tls.status, 'ok', tls.detail);

      const refused = pciq(['migrate', '--store', url('')]);
      assert.equal(refused.status, 1);
      assert.match(
        refused.stderr,
        /requires a valid client certificate: give the certificate and key .* sslcert and sslkey/,
      );
    });

    it("checks against the system's trust store with sslrootcert=system; refuses CA checks open to any public CA", () => {
      const untrusted = pciq([
        'migrate',
        '--store',
        cluster.url('localhost', 'sslmode=verify-full&sslrootcert=system'),
      ]);
      assert.equal(untrusted.status, 1);
      assert.match(untrusted.stderr, /not issued by a CA in this system's trust store \(sslrootcert=system\)/);

      const weak = pciq(['migrate', '--store', cluster.url('localhost', 'sslmode=require&sslrootcert=system')]);
      assert.equal(weak.status, 1);
      assert.match(weak.stderr, /sslrootcert=system needs sslmode=verify-full/);
    });

    it('refuses URL parameters that would override sslmode in the PostgreSQL client', () => {
      for (const parameter of ['ssl=0', 'uselibpqcompat=true', 'sslnegotiation=direct']) {
        const result = pciq(['doctor', '--store', cluster.url('127.0.0.1', `sslmode=verify-full&${parameter}`)]);
        assert.equal(result.status, 1);
        assert.match(result.stderr, /is not supported .*pciq sets TLS from sslmode/);
        assert.ok(!result.stderr.includes(cluster.password));
      }
    });
  });
}

if ('skip' in plain) {
  skipNotice('PostgreSQL without TLS refuses sslmode=verify-full', plain.skip);
} else {
  it('says so when the database does not accept TLS at all', async (t) => {
    const admin = new pg.Client({ connectionString: plain.url });
    await admin.connect();
    const ssl = (await admin.query<{ ssl: string }>("SELECT current_setting('ssl') AS ssl")).rows[0]?.ssl;
    await admin.end();
    if (ssl !== 'off') {
      t.skip(`the server at PCIQ_TEST_PG_URL has ssl=${ssl}: nothing to refuse`);
      return;
    }
    const url = new URL(plain.url);
    url.searchParams.set('sslmode', 'verify-full');
    const result = pciq(['migrate', '--store', url.toString()]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /does not accept TLS \(ssl = off in its postgresql\.conf\)/);
  });
}
