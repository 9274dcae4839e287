import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDevelopmentTls } from '../../src/crypto/x509/index.ts';

/**
 * A throwaway PostgreSQL cluster of the machine's own binaries with `ssl=on`, its server certificate issued
 * by a throwaway CA (pciq's own X.509 code) for localhost and 127.0.0.1. The shared test server runs without
 * TLS, so TLS to PostgreSQL is tested here. Listens on 127.0.0.1 and 127.0.0.2 (a loopback address the
 * certificate does not name) and, when asked, on one more address of this host.
 */
export interface TlsPostgres {
  port: number;
  user: string;
  password: string;
  database: string;
  /** The CA that issued the server's certificate, and one that did not. */
  caFile: string;
  otherCaFile: string;
  /**
   * A client certificate and key for the role `certUser` (which the test creates), issued by the same CA:
   * the server admits that role from 127.0.0.1 over TLS by certificate alone. Absent without openssl.
   */
  clientCertificate: { certFile: string; keyFile: string } | undefined;
  certUser: string;
  /** `postgres://user:password@host:port/database` plus `query`. */
  url(host: string, query?: string): string;
  /** Shuts the server down (fast: every session is ended, as in a restart or failover), keeping its data. */
  shutDown(): void;
  /** Starts it again after `shutDown`, on the same port. */
  startUp(): void;
  stop(): void;
}

export type TlsPostgresResult = TlsPostgres | { skip: string };

/** The newest `/usr/lib/postgresql/<version>/bin` holding initdb and pg_ctl. */
function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')) && existsSync(join(root, name, 'bin', 'pg_ctl')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The uid/gid the cluster runs as: initdb refuses root, so root runs it as the `postgres` user. */
function clusterUser(): { uid: number; gid: number; asUser: (command: string[]) => string[] } | { skip: string } {
  if (process.getuid?.() !== 0) {
    return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, asUser: (command) => command };
  }
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0 || !existsSync('/usr/sbin/runuser')) {
    return { skip: 'running as root without a `postgres` user and runuser to run initdb as: TLS tests skipped' };
  }
  return {
    uid: Number(uid.stdout.trim()),
    gid: Number(gid.stdout.trim()),
    asUser: (command) => ['/usr/sbin/runuser', '-u', 'postgres', '--', ...command],
  };
}

function spawn(command: string[]) {
  return spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', timeout: 60_000 });
}

const certUser = 'pciq_cert';

/** pciq's X.509 code issues server certificates only; openssl issues the client one. */
function issueClientCertificate(dir: string): TlsPostgres['clientCertificate'] {
  const [certFile, keyFile, request, extensions] = ['client.crt', 'client.key', 'client.csr', 'client.ext'].map(
    (name) => join(dir, name),
  ) as [string, string, string, string];
  writeFileSync(extensions, 'keyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n');
  const made = spawn([
    'openssl',
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    `/CN=${certUser}`,
    '-keyout',
    keyFile,
    '-out',
    request,
  ]);
  if (made.error || made.status !== 0) return undefined;
  const signed = spawn([
    'openssl',
    'x509',
    '-req',
    '-in',
    request,
    '-CA',
    join(dir, 'ca.pem'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-days',
    '2',
    '-extfile',
    extensions,
    '-out',
    certFile,
  ]);
  return signed.status === 0 ? { certFile, keyFile } : undefined;
}

export async function startTlsPostgres(options: { extraAddress?: string } = {}): Promise<TlsPostgresResult> {
  const bin = postgresBinDir();
  if (!bin) return { skip: 'no PostgreSQL server binaries under /usr/lib/postgresql: TLS tests skipped' };
  const user = clusterUser();
  if ('skip' in user) return user;

  const dir = mkdtempSync(join(tmpdir(), 'pciq-pg-tls-'));
  const dataDir = join(dir, 'data');
  const stopCluster = () => {
    if (existsSync(join(dataDir, 'postmaster.pid'))) {
      spawn(user.asUser([join(bin, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', '-w', 'stop']));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A test run that dies before its `after` hook still leaves no cluster behind.
  process.once('exit', stopCluster);
  try {
    chownSync(dir, user.uid, user.gid);
    const tls = createDevelopmentTls({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], now: new Date() });
    const other = createDevelopmentTls({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], now: new Date() });
    const password = `pw-${randomBytes(9).toString('base64url')}`;
    const files: Record<string, string> = {
      'ca.pem': tls.caCertPem,
      'ca.key': tls.caKeyPem,
      'other-ca.pem': other.caCertPem,
      'server.crt': tls.serverCertPem,
      'server.key': tls.serverKeyPem,
      password: password,
    };
    for (const [name, content] of Object.entries(files)) {
      // PostgreSQL refuses a server key others can read.
      writeFileSync(join(dir, name), content, { mode: 0o600 });
      chownSync(join(dir, name), user.uid, user.gid);
    }
    const initdb = spawn(
      user.asUser([
        join(bin, 'initdb'),
        '-D',
        dataDir,
        '-U',
        'pciq',
        `--pwfile=${join(dir, 'password')}`,
        '--auth=scram-sha-256',
        '--no-sync',
        '-E',
        'UTF8',
      ]),
    );
    if (initdb.status !== 0) throw new Error(`initdb failed: ${initdb.stderr || initdb.stdout}`);
    const addresses = ['127.0.0.1', '127.0.0.2', ...(options.extraAddress ? [options.extraAddress] : [])];
    // `pciq` from any of those addresses, with or without TLS (the client chooses: sslmode), by password;
    // `pciq_cert` over TLS only, by its client certificate alone.
    writeFileSync(
      join(dataDir, 'pg_hba.conf'),
      [
        `hostssl all ${certUser} 127.0.0.1/32 cert`,
        ...addresses.map((address) => `host all pciq ${address}/32 scram-sha-256`),
        '',
      ].join('\n'),
    );
    const clientCertificate = issueClientCertificate(dir);
    let port = 0;
    let startServer = (): ReturnType<typeof spawn> => {
      throw new Error('not started');
    };
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      const settings = [
        `-c port=${port}`,
        `-c listen_addresses='${addresses.join(',')}'`,
        `-c unix_socket_directories='${dir}'`,
        '-c ssl=on',
        `-c ssl_cert_file='${join(dir, 'server.crt')}'`,
        `-c ssl_key_file='${join(dir, 'server.key')}'`,
        // Client certificates are checked against the same CA.
        `-c ssl_ca_file='${join(dir, 'ca.pem')}'`,
        '-c max_connections=40',
        '-c shared_buffers=16MB',
      ].join(' ');
      startServer = () =>
        spawn(user.asUser([join(bin, 'pg_ctl'), '-D', dataDir, '-l', join(dir, 'log'), '-o', settings, '-w', 'start']));
      const started = startServer();
      if (started.status === 0) break;
      // Another process may have taken the free port in between: try another.
      if (attempt === 2) throw new Error(`pg_ctl start failed: ${started.stderr || started.stdout}`);
    }
    const caFile = join(dir, 'ca.pem');
    const otherCaFile = join(dir, 'other-ca.pem');
    return {
      port,
      user: 'pciq',
      password,
      database: 'postgres',
      caFile,
      otherCaFile,
      clientCertificate,
      certUser,
      url: (host, query = '') =>
        `postgres://pciq:${encodeURIComponent(password)}@${host.includes(':') ? `[${host}]` : host}:${port}/postgres${query ? `?${query}` : ''}`,
      shutDown: () => {
        const stopped = spawn(user.asUser([join(bin, 'pg_ctl'), '-D', dataDir, '-m', 'fast', '-w', 'stop']));
        if (stopped.status !== 0) throw new Error(`pg_ctl stop failed: ${stopped.stderr || stopped.stdout}`);
      },
      startUp: () => {
        const started = startServer();
        if (started.status !== 0) throw new Error(`pg_ctl start failed: ${started.stderr || started.stdout}`);
      },
      stop: () => {
        process.removeListener('exit', stopCluster);
        stopCluster();
      },
    };
  } catch (error) {
    process.removeListener('exit', stopCluster);
    stopCluster();
    throw error;
  }
}
