import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  createMasterKeyFile,
  isInside,
  KeyFileError,
  Keyring,
  readMasterKeyFile,
  SealIntegrityError,
} from '../../src/crypto/index.ts';
import { makeTempDir } from '../support/temp-dir.ts';

describe('keyring', () => {
  const keyring = new Keyring(randomBytes(32));

  it('opens what it sealed, with a fresh nonce each time', () => {
    const a = keyring.seal('p', Buffer.from('secret'), 'place-1');
    const b = keyring.seal('p', Buffer.from('secret'), 'place-1');
    assert.notDeepEqual(a, b);
    assert.equal(keyring.open('p', a, 'place-1').toString(), 'secret');
  });

  it('detects altered ciphertext, another place, another purpose and another root key', () => {
    const sealed = keyring.seal('p', Buffer.from('secret'), 'place-1');
    const altered = Buffer.from(sealed);
    altered[15]! ^= 1;
    assert.throws(() => keyring.open('p', altered, 'place-1'), SealIntegrityError);
    assert.throws(() => keyring.open('p', sealed, 'place-2'), SealIntegrityError);
    assert.throws(() => keyring.open('q', sealed, 'place-1'), SealIntegrityError);
    assert.throws(() => new Keyring(randomBytes(32)).open('p', sealed, 'place-1'), SealIntegrityError);
    assert.throws(() => keyring.open('p', sealed.subarray(0, 10), 'place-1'), SealIntegrityError);
  });

  it('computes keyed hashes that depend on the key and the purpose', () => {
    assert.equal(keyring.keyedHash('a', 'v'), keyring.keyedHash('a', 'v'));
    assert.notEqual(keyring.keyedHash('a', 'v'), keyring.keyedHash('b', 'v'));
    assert.notEqual(keyring.keyedHash('a', 'v'), new Keyring(randomBytes(32)).keyedHash('a', 'v'));
  });
});

describe('root key file', () => {
  it('is created with mode 0600 in a 0700 directory, and read back', () => {
    const dir = makeTempDir();
    const path = join(dir.path, 'keys', 'master.key');
    createMasterKeyFile(path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir.path, 'keys')).mode & 0o777, 0o700);
    assert.equal(readMasterKeyFile(path).length, 32);
    assert.throws(() => createMasterKeyFile(path), KeyFileError, 'never overwritten');
    dir.remove();
  });

  it('is refused when group or others may read it, or when it holds no key', () => {
    const dir = makeTempDir();
    const path = join(dir.path, 'master.key');
    createMasterKeyFile(path);
    chmodSync(path, 0o640);
    assert.throws(() => readMasterKeyFile(path), /chmod 600/);
    chmodSync(path, 0o600);
    writeFileSync(path, 'not a key\n');
    assert.throws(() => readMasterKeyFile(path), /base64 256-bit key/);
    assert.throws(() => readMasterKeyFile(join(dir.path, 'absent.key')), /does not exist/);
    assert.ok(readFileSync(path, 'utf8'));
    dir.remove();
  });

  it('knows whether a key path lies inside a data directory', () => {
    assert.equal(isInside('/srv/pciq-data', '/srv/pciq-data/keys/master.key'), true);
    assert.equal(isInside('/srv/pciq-data', '/srv/pciq-data-keys/master.key'), false);
    assert.equal(isInside('/srv/pciq-data', '/srv/pciq-keys/master.key'), false);
  });
});
