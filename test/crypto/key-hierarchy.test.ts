import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  decodeKeyFile,
  EnvKeyProvider,
  encodeKeyFile,
  isInside,
  KeyFileError,
  KeyMaterial,
  RootKey,
  readHeader,
  readKeyFile,
  SealIntegrityError,
  versionLabel,
  writeKeyFile,
} from '../../src/crypto/index.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const keyId = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';

describe('envelope v2 and data keys', () => {
  const material = new KeyMaterial(keyId, 3, 'm'.repeat(64), RootKey.generateSecret());
  const policy = { nowMs: 0, reuseMs: 300_000 };

  it('names key, version and data key in the header and opens only in its scope and place', () => {
    const dataKey = material.dataKeyFor('arn:aws:sqs:us-east-1:123456789012:q', policy);
    const sealed = material.seal(dataKey, Buffer.from('secret'), 'message-1');
    const header = readHeader(sealed)!;
    assert.equal(header.keyId, keyId);
    assert.equal(header.keyVersion, 3);
    assert.deepEqual(header.dataKeyId, dataKey.id);
    assert.equal(material.open(sealed, 'arn:aws:sqs:us-east-1:123456789012:q', 'message-1').toString(), 'secret');
    assert.throws(() => material.open(sealed, 'arn:aws:sqs:us-east-1:123456789012:q', 'message-2'), SealIntegrityError);
    assert.throws(
      () => material.open(sealed, 'arn:aws:sqs:us-east-1:123456789012:other', 'message-1'),
      SealIntegrityError,
    );
    for (const index of [0, 5, 18, 30, 40, sealed.length - 1]) {
      const altered = Buffer.from(sealed);
      altered[index]! ^= 1;
      assert.throws(
        () => material.open(altered, 'arn:aws:sqs:us-east-1:123456789012:q', 'message-1'),
        SealIntegrityError,
      );
    }
    const again = material.seal(dataKey, Buffer.from('secret'), 'message-1');
    assert.notDeepEqual(again.subarray(37, 49), sealed.subarray(37, 49), 'a fresh nonce per seal');
  });

  it('counts usage and forgets material on destroy', () => {
    const other = new KeyMaterial(keyId, 1, 'n'.repeat(64), RootKey.generateSecret());
    const dataKey = other.dataKeyFor('s', policy);
    const sealed = other.seal(dataKey, Buffer.from('x'), 'p');
    other.open(sealed, 's', 'p');
    assert.equal(other.takeUsage(), 2);
    assert.equal(other.takeUsage(), 0);
    other.destroy();
    assert.throws(() => other.open(sealed, 's', 'p'), SealIntegrityError);
  });
});

describe('root key', () => {
  it('wraps material bound to its label, and its check value identifies it', () => {
    const root = new RootKey(RootKey.generateSecret());
    const label = versionLabel(keyId, 1, 'a'.repeat(64));
    const wrapped = root.wrap(Buffer.alloc(32, 9), label);
    assert.deepEqual(root.unwrap(wrapped, label), Buffer.alloc(32, 9));
    assert.throws(() => root.unwrap(wrapped, versionLabel(keyId, 2, 'a'.repeat(64))), SealIntegrityError);
    assert.throws(() => new RootKey(RootKey.generateSecret()).unwrap(wrapped, label), SealIntegrityError);
    const secret = RootKey.generateSecret();
    assert.equal(new RootKey(secret).checkValue, new RootKey(secret).checkValue);
    assert.notEqual(new RootKey(secret).checkValue, root.checkValue);
    assert.ok(!root.checkValue.includes(secret.toString('base64').slice(0, 8)));
  });
});

describe('root key file, format version 1', () => {
  it('is written 0600 in a 0700 directory, never overwritten, and read back', () => {
    const dir = makeTempDir();
    const path = join(dir.path, 'keys', 'master.key');
    const root = RootKey.generateSecret();
    writeKeyFile(path, root);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir.path, 'keys')).mode & 0o777, 0o700);
    assert.deepEqual(readKeyFile(path, undefined), root);
    assert.throws(() => writeKeyFile(path, root), /never overwrites/);
    chmodSync(path, 0o640);
    assert.throws(() => readKeyFile(path, undefined), /chmod 600/);
    chmodSync(path, 0o600);
    writeFileSync(path, 'not a key\n');
    assert.throws(() => readKeyFile(path, undefined), /not a pciq root key file/);
    assert.throws(() => readKeyFile(join(dir.path, 'absent.key'), undefined), /does not exist/);
    dir.remove();
  });

  it('seals the root under a passphrase with scrypt; a wrong passphrase or an edited file is refused', () => {
    const root = RootKey.generateSecret();
    const text = encodeKeyFile(root, 'correct horse battery staple', 14);
    assert.ok(!text.includes(root.toString('base64')), 'the root is not in the file in clear');
    assert.deepEqual(decodeKeyFile(text, 'f', 'correct horse battery staple'), root);
    assert.throws(() => decodeKeyFile(text, 'f', 'correct horse battery stapler'), /wrong passphrase/);
    assert.throws(() => decodeKeyFile(text, 'f', undefined), /protected by a passphrase/);
    const weakened = text.replace('"N":16384', '"N":1024');
    assert.throws(() => decodeKeyFile(weakened, 'f', 'correct horse battery staple'), /scrypt parameters/);
    const edited = JSON.stringify({ ...JSON.parse(text), r: 9 });
    assert.throws(() => decodeKeyFile(edited, 'f', 'correct horse battery staple'), KeyFileError);
    assert.throws(() => encodeKeyFile(root, 'short'), /at least 12/);
    assert.throws(() => decodeKeyFile(encodeKeyFile(root), 'f', 'a passphrase here'), /not protected/);
  });

  it('knows whether a key path lies inside a data directory', () => {
    assert.equal(isInside('/srv/pciq-data', '/srv/pciq-data/keys/master.key'), true);
    assert.equal(isInside('/srv/pciq-data', '/srv/pciq-data-keys/master.key'), false);
  });
});

describe('env key provider', () => {
  it('reads a base64 256-bit key and removes it from the environment', async () => {
    const env: NodeJS.ProcessEnv = { PCIQ_MASTER_KEY: Buffer.alloc(32, 1).toString('base64') };
    assert.deepEqual(await new EnvKeyProvider({ env }).load(), Buffer.alloc(32, 1));
    assert.equal(env['PCIQ_MASTER_KEY'], undefined);
    await assert.rejects(new EnvKeyProvider({ env: { PCIQ_MASTER_KEY: 'c2hvcnQ=' } }).load(), /base64 256-bit key/);
  });
});
