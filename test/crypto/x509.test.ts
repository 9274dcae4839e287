import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import {
  derBitString,
  derBoolean,
  derExplicit,
  derGeneralizedTime,
  derImplicit,
  derInteger,
  derNamedBits,
  derNull,
  derOctetString,
  derOid,
  derPrintableString,
  derSet,
  derTime,
  derUnsignedInteger,
  derUtcTime,
  derUtf8String,
  encodeLength,
} from '../../src/crypto/x509/der.ts';
import { createDevelopmentTls, type DevelopmentTlsMaterial } from '../../src/crypto/x509/index.ts';

const run = promisify(execFile);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const minuteMs = 60_000;
const dayMs = 86_400_000;

describe('DER encoder', () => {
  test('uses the short length form below 128 octets and the long form from 128 on', () => {
    assert.equal(hex(encodeLength(0)), '00');
    assert.equal(hex(encodeLength(127)), '7f');
    assert.equal(hex(encodeLength(128)), '8180');
    assert.equal(hex(encodeLength(255)), '81ff');
    assert.equal(hex(encodeLength(256)), '820100');
    assert.equal(hex(encodeLength(65_536)), '83010000');
    assert.equal(hex(derOctetString(Buffer.alloc(200)).subarray(0, 3)), '0481c8');
    assert.throws(() => encodeLength(-1), RangeError);
  });

  test('encodes integers in the fewest two’s-complement octets', () => {
    assert.equal(hex(derInteger(0)), '020100');
    assert.equal(hex(derInteger(127)), '02017f');
    assert.equal(hex(derInteger(128)), '02020080');
    assert.equal(hex(derInteger(256)), '02020100');
    assert.equal(hex(derInteger(-1)), '0201ff');
    assert.equal(hex(derInteger(-128)), '020180');
    assert.equal(hex(derInteger(-129)), '0202ff7f');
    assert.equal(hex(derInteger(2n ** 64n)), '0209010000000000000000');
  });

  test('keeps a serial whose first bit is set positive by putting 0x00 before it', () => {
    const negativeLooking = Buffer.alloc(16, 0xff);
    assert.equal(hex(derUnsignedInteger(negativeLooking)), '0211' + '00' + 'ff'.repeat(16));
    assert.equal(hex(derUnsignedInteger(Buffer.from([0x80]))), '02020080');
    assert.equal(hex(derUnsignedInteger(Buffer.from([0x7f]))), '02017f');
  });

  test('drops redundant leading zero octets of an unsigned serial', () => {
    assert.equal(hex(derUnsignedInteger(Buffer.from([0, 0, 0x7f, 1]))), '02027f01');
    assert.equal(hex(derUnsignedInteger(Buffer.from([0, 0, 0x80]))), '02020080');
    assert.equal(hex(derUnsignedInteger(Buffer.from([0, 0]))), '020100');
  });

  test('encodes object identifiers with the first two arcs combined and base-128 arcs after', () => {
    assert.equal(hex(derOid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
    assert.equal(hex(derOid('2.5.29.17')), '0603551d11');
    assert.equal(hex(derOid('1.3.6.1.5.5.7.3.1')), '06082b06010505070301');
    assert.equal(hex(derOid('2.999.3')), '0603883703');
    assert.throws(() => derOid('1.40'), RangeError);
    assert.throws(() => derOid('3.1'), RangeError);
    assert.throws(() => derOid('1.2.03'), RangeError);
  });

  test('encodes BOOLEAN TRUE as 0xFF, NULL as empty, and strings as UTF-8 or PrintableString', () => {
    assert.equal(hex(derBoolean(true)), '0101ff');
    assert.equal(hex(derBoolean(false)), '010100');
    assert.equal(hex(derNull()), '0500');
    assert.equal(hex(derUtf8String('é')), '0c02c3a9');
    assert.equal(hex(derPrintableString('Ab 1')), '130441622031');
    assert.throws(() => derPrintableString('a@b'), RangeError);
  });

  test('prefixes a BIT STRING with its unused-bit count and trims trailing zero named bits', () => {
    assert.equal(hex(derBitString(Buffer.from([0xab, 0xcd]))), '030300abcd');
    assert.equal(hex(derNamedBits([5, 6])), '03020106'); // keyCertSign + cRLSign
    assert.equal(hex(derNamedBits([0])), '03020780'); // digitalSignature
    assert.equal(hex(derNamedBits([0, 8])), '0303078080'); // decipherOnly reaches a second octet
    assert.equal(hex(derNamedBits([])), '030100');
    assert.throws(() => derBitString(Buffer.alloc(0), 1), RangeError);
  });

  test('writes UTCTime through 2049 and GeneralizedTime from 2050 on (RFC 5280 4.1.2.5)', () => {
    const lastUtc = new Date('2049-12-31T23:59:59.999Z');
    const firstGeneralized = new Date('2050-01-01T00:00:00Z');
    assert.deepEqual(derTime(lastUtc), Buffer.concat([Buffer.from([0x17, 13]), Buffer.from('491231235959Z')]));
    assert.deepEqual(
      derTime(firstGeneralized),
      Buffer.concat([Buffer.from([0x18, 15]), Buffer.from('20500101000000Z')]),
    );
    assert.equal(derTime(new Date('1950-01-01T00:00:00Z')).toString('latin1', 2), '500101000000Z');
    assert.equal(derTime(new Date('1949-12-31T23:59:59Z')).toString('latin1', 2), '19491231235959Z');
    assert.equal(derGeneralizedTime(new Date('2030-02-03T04:05:06Z')).toString('latin1', 2), '20300203040506Z');
    assert.throws(() => derUtcTime(firstGeneralized), RangeError);
    assert.throws(() => derTime(new Date(Number.NaN)), RangeError);
  });

  test('sorts the elements of a SET OF by their encodings, not by their values', () => {
    assert.equal(hex(derSet(derInteger(256), derInteger(2), derInteger(1))), '310a' + '020101' + '020102' + '02020100');
    // 'b' sorts before 'ab' because its length octet is smaller.
    assert.equal(hex(derSet(derUtf8String('ab'), derUtf8String('b'))), '3107' + '0c0162' + '0c026162');
  });

  test('tags explicitly by wrapping and implicitly by replacing the inner tag', () => {
    assert.equal(hex(derExplicit(0, derInteger(2))), 'a003020102');
    assert.equal(hex(derImplicit(2, Buffer.from('a'))), '820161');
    assert.equal(hex(derImplicit(1, Buffer.from([0x05, 0x00]), true)), 'a1020500');
    assert.throws(() => derExplicit(31, derNull()), RangeError);
  });
});

describe('development TLS certificates', () => {
  const now = new Date('2030-06-15T12:00:00.000Z');
  const material = createDevelopmentTls({
    dnsNames: ['localhost', 'pciq.test'],
    ipAddresses: ['127.0.0.1', '::1'],
    now,
  });
  const ca = new X509Certificate(material.caCertPem);
  const server = new X509Certificate(material.serverCertPem);

  test('issues a server certificate that verifies with the CA’s public key', () => {
    assert.equal(server.checkIssued(ca), true);
    assert.equal(server.verify(ca.publicKey), true);
    assert.equal(ca.checkIssued(ca), true, 'the CA is self-signed');
    assert.equal(ca.verify(ca.publicKey), true);
    const otherCa = new X509Certificate(
      createDevelopmentTls({ dnsNames: ['localhost'], ipAddresses: [], now }).caCertPem,
    );
    assert.equal(server.verify(otherCa.publicKey), false);
  });

  test('names the CA and the server as requested', () => {
    assert.equal(ca.subject, 'O=pciq development CA\nCN=pciq development CA');
    assert.equal(ca.issuer, ca.subject);
    assert.equal(server.issuer, ca.subject);
    assert.equal(server.subject, 'CN=localhost');
    const custom = createDevelopmentTls({ dnsNames: ['localhost'], ipAddresses: [], now, organization: 'Acme Ltd' });
    assert.equal(new X509Certificate(custom.caCertPem).subject, 'O=Acme Ltd\nCN=pciq development CA');
  });

  test('covers every DNS name and IP address, IPv4 and IPv6, and nothing else', () => {
    assert.equal(server.checkHost('localhost'), 'localhost');
    assert.equal(server.checkHost('pciq.test'), 'pciq.test');
    assert.equal(server.checkHost('example.com'), undefined);
    assert.equal(server.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(server.checkIP('::1'), '::1');
    assert.equal(server.checkIP('127.0.0.2'), undefined);
    assert.equal(
      server.subjectAltName,
      'DNS:localhost, DNS:pciq.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
  });

  test('encodes compressed IPv6 and IPv6 with an IPv4 tail as 16 octets', () => {
    const addresses = ['2001:db8::8:800:200c:417a', '::ffff:192.0.2.1', 'fe80::', '1:2:3:4:5:6:7:8'];
    const cert = new X509Certificate(
      createDevelopmentTls({ dnsNames: ['localhost'], ipAddresses: addresses, now }).serverCertPem,
    );
    for (const address of addresses) assert.equal(cert.checkIP(address), address);
    assert.match(cert.subjectAltName ?? '', /IP Address:0:0:0:0:0:FFFF:C000:201/);
  });

  test('marks only the CA as a CA and the server certificate for server authentication', () => {
    assert.equal(ca.ca, true);
    assert.equal(server.ca, false);
    assert.deepEqual(server.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  });

  test('dates validity from five minutes before now to the requested number of days after it', () => {
    assert.equal(ca.validFromDate.getTime(), now.getTime() - 5 * minuteMs);
    assert.equal(server.validFromDate.getTime(), now.getTime() - 5 * minuteMs);
    assert.equal(ca.validToDate.getTime(), now.getTime() + 3650 * dayMs);
    assert.equal(server.validToDate.getTime(), now.getTime() + 397 * dayMs);
    const short = createDevelopmentTls({
      dnsNames: ['localhost'],
      ipAddresses: [],
      now,
      caValidityDays: 30,
      serverValidityDays: 7,
    });
    assert.equal(new X509Certificate(short.caCertPem).validToDate.getTime(), now.getTime() + 30 * dayMs);
    assert.equal(new X509Certificate(short.serverCertPem).validToDate.getTime(), now.getTime() + 7 * dayMs);
  });

  test('carries validity past 2049 in GeneralizedTime that parsers read back exactly', () => {
    const late = new Date('2045-03-01T08:30:15.000Z');
    const cert = new X509Certificate(
      createDevelopmentTls({ dnsNames: ['localhost'], ipAddresses: [], now: late }).caCertPem,
    );
    assert.equal(cert.validToDate.getTime(), late.getTime() + 3650 * dayMs);
    assert.ok(cert.raw.includes(Buffer.from('20550227083015Z')), 'notAfter is a GeneralizedTime');
    assert.ok(cert.raw.includes(Buffer.from('450301082515Z')), 'notBefore is a UTCTime');
  });

  test('draws distinct positive serial numbers of at most 128 bits', () => {
    const serials = new Set<bigint>();
    for (let i = 0; i < 8; i++) {
      const issued = createDevelopmentTls({ dnsNames: ['localhost'], ipAddresses: [], now });
      for (const pem of [issued.caCertPem, issued.serverCertPem]) {
        const serial = BigInt(`0x${new X509Certificate(pem).serialNumber}`);
        assert.ok(serial > 0n && serial < 2n ** 128n);
        serials.add(serial);
      }
    }
    assert.equal(serials.size, 16);
  });

  test('identifies keys by the SHA-1 of the public key bits and links the server to the CA’s key', () => {
    const caKeyId = subjectKeyId(ca);
    const serverKeyId = subjectKeyId(server);
    // extnValue OCTET STRING { KeyIdentifier OCTET STRING } and { SEQUENCE { [0] keyIdentifier } }.
    assert.ok(ca.raw.includes(Buffer.concat([Buffer.from('04160414', 'hex'), caKeyId])));
    assert.ok(server.raw.includes(Buffer.concat([Buffer.from('04160414', 'hex'), serverKeyId])));
    assert.ok(server.raw.includes(Buffer.concat([Buffer.from('041830168014', 'hex'), caKeyId])));
  });

  test('exports PKCS#8 private keys that belong to the certificates', () => {
    assert.match(material.caKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(material.serverKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.equal(ca.checkPrivateKey(createPrivateKey(material.caKeyPem)), true);
    assert.equal(server.checkPrivateKey(createPrivateKey(material.serverKeyPem)), true);
    assert.equal(server.checkPrivateKey(createPrivateKey(material.caKeyPem)), false);
    assert.equal(server.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  });

  test('names the server by its first IP address when no DNS name is given', () => {
    const ipOnly = createDevelopmentTls({ dnsNames: [], ipAddresses: ['10.0.0.7'], now });
    const cert = new X509Certificate(ipOnly.serverCertPem);
    assert.equal(cert.subject, 'CN=10.0.0.7');
    assert.equal(cert.checkIP('10.0.0.7'), '10.0.0.7');
  });

  test('refuses options that would produce a broken or misleading certificate', () => {
    const base = { dnsNames: ['localhost'], ipAddresses: [], now };
    const rejects = (options: Parameters<typeof createDevelopmentTls>[0]) =>
      assert.throws(() => createDevelopmentTls(options), { code: 'InvalidParameterValue' });
    rejects({ ...base, dnsNames: [], ipAddresses: [] });
    rejects({ ...base, dnsNames: ['bad_name.test'] });
    rejects({ ...base, dnsNames: ['münchen.test'] });
    rejects({ ...base, dnsNames: ['trailing.dot.'] });
    rejects({ ...base, dnsNames: [`${'a'.repeat(60)}.example`] });
    rejects({ ...base, ipAddresses: ['256.0.0.1'] });
    rejects({ ...base, ipAddresses: ['fe80::1%eth0'] });
    rejects({ ...base, serverValidityDays: 0 });
    rejects({ ...base, caValidityDays: 1.5 });
    rejects({ ...base, caValidityDays: 30, serverValidityDays: 31 });
    rejects({ ...base, organization: '' });
    rejects({ ...base, now: new Date(Number.NaN) });
    assert.doesNotThrow(() => createDevelopmentTls({ ...base, dnsNames: ['*.pciq.test', 'xn--mnchen-3ya.test'] }));
  });
});

describe('development TLS certificates with real TLS clients', () => {
  const material = createDevelopmentTls({
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '::1'],
    now: new Date(),
  });

  test('completes a TLS 1.3 handshake with a client that trusts only the development CA', async (t) => {
    const port = await listen(t, material);
    for (const servername of ['localhost', undefined]) {
      // Without a servername Node checks the certificate against the IP address it connected to.
      const response = await get({ port, ca: material.caCertPem, servername });
      assert.equal(response.status, 200);
      assert.equal(response.protocol, 'TLSv1.3');
    }
  });

  test('rejects the server for a client that trusts a different CA', async (t) => {
    const port = await listen(t, material);
    const otherCa = createDevelopmentTls({ dnsNames: ['localhost'], ipAddresses: [], now: new Date() }).caCertPem;
    await assert.rejects(get({ port, ca: otherCa, servername: 'localhost' }), (error: NodeJS.ErrnoException) => {
      assert.ok(
        ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT'].includes(
          error.code ?? '',
        ),
        `unexpected error ${error.code}`,
      );
      return true;
    });
  });

  test('rejects the server for a host name the certificate does not cover', async (t) => {
    const port = await listen(t, material);
    await assert.rejects(get({ port, ca: material.caCertPem, servername: 'example.com' }), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  test('passes openssl verify with X.509 strict checks and shows the extensions', async (t) => {
    if (!isOnPath('openssl')) return t.skip('openssl not on PATH');
    const dir = temporaryDirectory(t);
    const caFile = join(dir, 'ca.pem');
    const serverFile = join(dir, 'server.pem');
    writeFileSync(caFile, material.caCertPem);
    writeFileSync(serverFile, material.serverCertPem);
    const verified = await run('openssl', [
      'verify',
      '-x509_strict',
      '-purpose',
      'sslserver',
      '-verify_hostname',
      'localhost',
      '-CAfile',
      caFile,
      serverFile,
    ]);
    assert.equal(verified.stdout.trim(), `${serverFile}: OK`);
    const serverText = (await run('openssl', ['x509', '-in', serverFile, '-noout', '-text'])).stdout;
    for (const expected of [
      'Version: 3 (0x2)',
      'Signature Algorithm: ecdsa-with-SHA256',
      'X509v3 Basic Constraints: critical\n                CA:FALSE',
      'X509v3 Key Usage: critical\n                Digital Signature\n',
      'TLS Web Server Authentication',
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
      'X509v3 Subject Key Identifier',
      'X509v3 Authority Key Identifier',
    ]) {
      assert.ok(serverText.includes(expected), `server certificate text lacks '${expected}'`);
    }
    const caText = (await run('openssl', ['x509', '-in', caFile, '-noout', '-text'])).stdout;
    assert.ok(caText.includes('X509v3 Basic Constraints: critical\n                CA:TRUE, pathlen:0'));
    assert.ok(caText.includes('X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign\n'));
  });

  test('completes a handshake with a Python ssl client under strict X.509 checks', async (t) => {
    if (!isOnPath('python3')) return t.skip('python3 not on PATH');
    const port = await listen(t, material);
    const dir = temporaryDirectory(t);
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, material.caCertPem);
    // VERIFY_X509_STRICT is the default only from Python 3.13; set it so older Pythons check as strictly.
    const client = [
      'import socket, ssl, sys',
      'context = ssl.create_default_context(cafile=sys.argv[1])',
      'context.verify_flags |= ssl.VERIFY_X509_STRICT',
      'with socket.create_connection(("127.0.0.1", int(sys.argv[2]))) as raw:',
      '    with context.wrap_socket(raw, server_hostname=sys.argv[3]) as tls:',
      '        tls.sendall(b"GET / HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n")',
      '        print(tls.version(), tls.recv(12).decode())',
    ].join('\n');
    for (const serverName of ['localhost', '127.0.0.1']) {
      const { stdout } = await run('python3', ['-c', client, caFile, String(port), serverName]);
      assert.equal(stdout.trim(), 'TLSv1.3 HTTP/1.1 200');
    }
  });
});

function subjectKeyId(cert: X509Certificate): Buffer {
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  // The subjectPublicKey BIT STRING closes the SPKI; for P-256 its value is the 65-octet point.
  return createHash('sha1').update(spki.subarray(-65)).digest();
}

async function listen(t: { after: (fn: () => void | Promise<void>) => void }, tls: DevelopmentTlsMaterial) {
  const server: Server = createServer(
    { key: tls.serverKeyPem, cert: tls.serverCertPem, minVersion: 'TLSv1.3' },
    (_request, response) => response.end('ok'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

function get(options: { port: number; ca: string; servername: string | undefined }) {
  return new Promise<{ status: number | undefined; protocol: string | null }>((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port: options.port,
        path: '/',
        ca: options.ca,
        servername: options.servername,
        agent: false,
      },
      (response) => {
        const protocol = (response.socket as TLSSocket).getProtocol();
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode, protocol }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function temporaryDirectory(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pciq-x509-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function isOnPath(command: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, command)));
}
