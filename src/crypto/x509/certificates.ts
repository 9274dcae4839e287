import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { invalidParameter } from '../../core/errors.ts';
import {
  derBitString,
  derBoolean,
  derExplicit,
  derImplicit,
  derInteger,
  derNamedBits,
  derOctetString,
  derOid,
  derSequence,
  derSet,
  derTime,
  derUnsignedInteger,
  derUtf8String,
} from './der.ts';

/**
 * The development CA and server certificate `pciq init` writes when the operator brings none. Only for
 * development: production deployments bring certificates from their own CA (PCI DSS 4.2.1 "trusted").
 */
export interface DevelopmentTlsMaterial {
  caCertPem: string;
  caKeyPem: string;
  serverCertPem: string;
  serverKeyPem: string;
}

export interface DevelopmentTlsOptions {
  dnsNames: string[];
  ipAddresses: string[];
  now: Date;
  /** Default 3650. */
  caValidityDays?: number;
  /** Default 397, the longest lifetime browsers accept for a server certificate. */
  serverValidityDays?: number;
  /** Default 'pciq development CA'. */
  organization?: string;
}

const caCommonName = 'pciq development CA';
const dayMs = 86_400_000;
// Back-dating notBefore keeps a peer whose clock runs slightly behind from rejecting a fresh certificate.
const clockSkewMs = 5 * 60_000;
// RFC 5280 Appendix A.1: ub-common-name and ub-organization-name.
const maxNameAttributeLength = 64;

const oids = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extendedKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

// RFC 5280 4.2.1.3 KeyUsage bit numbers.
const keyUsageBits = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

interface Extension {
  oid: string;
  isCritical: boolean;
  value: Buffer;
}

interface CertificateFields {
  issuer: Buffer;
  subject: Buffer;
  subjectPublicKey: KeyObject;
  signingKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  extensions: Extension[];
}

export function createDevelopmentTls(options: DevelopmentTlsOptions): DevelopmentTlsMaterial {
  const { dnsNames, ipAddresses, now } = options;
  const caValidityDays = options.caValidityDays ?? 3650;
  const serverValidityDays = options.serverValidityDays ?? 397;
  const organization = options.organization ?? caCommonName;
  if (Number.isNaN(now.getTime())) throw invalidParameter('now must be a valid date.');
  requireWholeDays('caValidityDays', caValidityDays);
  requireWholeDays('serverValidityDays', serverValidityDays);
  if (serverValidityDays > caValidityDays) {
    throw invalidParameter('serverValidityDays must not exceed caValidityDays: a certificate cannot outlive its CA.');
  }
  requireNameAttribute('organization', organization);
  for (const name of dnsNames) requireDnsName(name);
  const ipOctets = ipAddresses.map(ipAddressOctets);
  const serverCommonName = dnsNames[0] ?? ipAddresses[0];
  if (serverCommonName === undefined) {
    throw invalidParameter('Give at least one DNS name or IP address for the server certificate.');
  }
  requireNameAttribute('the first DNS name', serverCommonName);

  const notBefore = new Date(now.getTime() - clockSkewMs);
  const ca = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const server = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const caName = encodeName([
    [oids.organizationName, organization],
    [oids.commonName, caCommonName],
  ]);
  const caKeyId = keyIdentifier(ca.publicKey);

  const caCert = issueCertificate({
    issuer: caName,
    subject: caName,
    subjectPublicKey: ca.publicKey,
    signingKey: ca.privateKey,
    notBefore,
    notAfter: new Date(now.getTime() + caValidityDays * dayMs),
    extensions: [
      // pathLenConstraint 0: the development CA may sign server certificates, never another CA.
      { oid: oids.basicConstraints, isCritical: true, value: derSequence(derBoolean(true), derInteger(0)) },
      {
        oid: oids.keyUsage,
        isCritical: true,
        value: derNamedBits([keyUsageBits.keyCertSign, keyUsageBits.cRLSign]),
      },
      { oid: oids.subjectKeyIdentifier, isCritical: false, value: derOctetString(caKeyId) },
    ],
  });

  const serverCert = issueCertificate({
    issuer: caName,
    subject: encodeName([[oids.commonName, serverCommonName]]),
    subjectPublicKey: server.publicKey,
    signingKey: ca.privateKey,
    notBefore,
    notAfter: new Date(now.getTime() + serverValidityDays * dayMs),
    extensions: [
      // cA FALSE is the DEFAULT, which DER omits (X.690 11.5): an empty SEQUENCE.
      { oid: oids.basicConstraints, isCritical: true, value: derSequence() },
      { oid: oids.keyUsage, isCritical: true, value: derNamedBits([keyUsageBits.digitalSignature]) },
      { oid: oids.extendedKeyUsage, isCritical: false, value: derSequence(derOid(oids.serverAuth)) },
      {
        oid: oids.subjectAltName,
        isCritical: false,
        // GeneralName dNSName [2] IA5String and iPAddress [7] OCTET STRING (RFC 5280 4.2.1.6).
        value: derSequence(
          ...dnsNames.map((name) => derImplicit(2, Buffer.from(name, 'ascii'))),
          ...ipOctets.map((octets) => derImplicit(7, octets)),
        ),
      },
      { oid: oids.subjectKeyIdentifier, isCritical: false, value: derOctetString(keyIdentifier(server.publicKey)) },
      // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING } (RFC 5280 4.2.1.1).
      { oid: oids.authorityKeyIdentifier, isCritical: false, value: derSequence(derImplicit(0, caKeyId)) },
    ],
  });

  return {
    caCertPem: toPem('CERTIFICATE', caCert),
    caKeyPem: ca.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    serverCertPem: toPem('CERTIFICATE', serverCert),
    serverKeyPem: server.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function issueCertificate(fields: CertificateFields): Buffer {
  // RFC 5758 3.2: ecdsa-with-SHA256 has its parameters field absent, not NULL.
  const signatureAlgorithm = derSequence(derOid(oids.ecdsaWithSha256));
  const tbsCertificate = derSequence(
    derExplicit(0, derInteger(2)), // v3, needed for extensions (RFC 5280 4.1.2.1)
    derUnsignedInteger(randomSerial()),
    signatureAlgorithm,
    fields.issuer,
    derSequence(derTime(fields.notBefore), derTime(fields.notAfter)),
    fields.subject,
    fields.subjectPublicKey.export({ type: 'spki', format: 'der' }),
    derExplicit(3, derSequence(...fields.extensions.map(encodeExtension))),
  );
  const signature = sign('sha256', tbsCertificate, { key: fields.signingKey, dsaEncoding: 'der' });
  return derSequence(tbsCertificate, signatureAlgorithm, derBitString(signature));
}

/** RFC 7468 textual encoding: base64 in lines of 64 characters between the label lines. */
function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function encodeExtension(extension: Extension): Buffer {
  // critical BOOLEAN DEFAULT FALSE: DER omits a value equal to its default (X.690 11.5).
  const critical = extension.isCritical ? [derBoolean(true)] : [];
  return derSequence(derOid(extension.oid), ...critical, derOctetString(extension.value));
}

/** Name ::= SEQUENCE OF RelativeDistinguishedName, one attribute per RDN, as UTF8String (RFC 5280 4.1.2.4). */
function encodeName(attributes: [oid: string, value: string][]): Buffer {
  return derSequence(...attributes.map(([oid, value]) => derSet(derSequence(derOid(oid), derUtf8String(value)))));
}

/**
 * RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value. For an EC key that value
 * is the uncompressed point 0x04 || X || Y (SEC 1 2.3.3), which is what Node exports in SPKI.
 */
function keyIdentifier(publicKey: KeyObject): Buffer {
  const { x, y } = publicKey.export({ format: 'jwk' });
  if (x === undefined || y === undefined) throw new TypeError('expected an EC public key');
  const point = Buffer.concat([Buffer.from([0x04]), Buffer.from(x, 'base64url'), Buffer.from(y, 'base64url')]);
  return createHash('sha1').update(point).digest();
}

/** 128 random bits; RFC 5280 4.1.2.2 wants a positive serial of at most 20 octets, unique per CA. */
function randomSerial(): Buffer {
  for (;;) {
    const serial = randomBytes(16);
    if (serial.some((octet) => octet !== 0)) return serial;
  }
}

function ipAddressOctets(text: string): Buffer {
  if (isIPv4(text)) return Buffer.from(text.split('.').map(Number));
  // A zone id ('%eth0') names a local interface; it has no place in a certificate.
  if (isIPv6(text) && !text.includes('%')) return ipv6Octets(text);
  throw invalidParameter(`'${text}' is not an IPv4 or IPv6 address; give addresses like 127.0.0.1 or ::1.`);
}

function ipv6Octets(text: string): Buffer {
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  // An embedded IPv4 tail ('::ffff:192.0.2.1') stands for the last two 16-bit groups.
  const hexOnly = tail.includes('.') ? text.slice(0, lastColon + 1) + ipv4AsGroups(tail) : text;
  const [head = '', rest] = hexOnly.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeroGroups = rest === undefined ? [] : Array<string>(8 - headGroups.length - restGroups.length).fill('0');
  const octets = Buffer.alloc(16);
  [...headGroups, ...zeroGroups, ...restGroups].forEach((group, index) => {
    octets.writeUInt16BE(Number.parseInt(group, 16), index * 2);
  });
  return octets;
}

function ipv4AsGroups(text: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = text.split('.').map(Number);
  return ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
}

function requireWholeDays(name: string, days: number): void {
  if (!Number.isSafeInteger(days) || days < 1) {
    throw invalidParameter(`${name} must be a whole number of days, at least 1.`);
  }
}

function requireNameAttribute(name: string, value: string): void {
  if (value.length === 0 || value.length > maxNameAttributeLength) {
    throw invalidParameter(`${name} must be 1 to ${maxNameAttributeLength} characters to fit a certificate name.`);
  }
}

/** Preferred name syntax (RFC 5280 4.2.1.6, RFC 1034 3.5), optionally with a leading '*.' wildcard label. */
function requireDnsName(name: string): void {
  const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
  const pattern = new RegExp(`^(?:\\*\\.)?${label}(?:\\.${label})*$`);
  if (name.length > 253 || !pattern.test(name)) {
    throw invalidParameter(
      `'${name}' is not a DNS name; use letters, digits and hyphens in dot-separated labels (IDNs in their xn-- form).`,
    );
  }
}
