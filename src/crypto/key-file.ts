import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  type Stats,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { aeadKeyBytes } from './aead.ts';

/** A problem with a key file (or passphrase) that the operator must fix; the message says what and how. */
export class KeyFileError extends Error {}

/**
 * The root key file, format version 1: one JSON object.
 *   {"format":"pciq-root-key","version":1,"protection":"none","key":"<base64>"}
 *   {"format":"pciq-root-key","version":1,"protection":"scrypt","N":..,"r":..,"p":..,"salt":"..","nonce":"..","sealed":".."}
 * With a passphrase, the root key is sealed with AES-256-GCM under a key stretched by scrypt; the KDF
 * parameters are authenticated, so a wrong passphrase or an edited file is refused, never misread.
 */
const format = 'pciq-root-key';
const formatVersion = 1;
/** scrypt cost: N = 2^17, r = 8 (OWASP's minimum for scrypt, about 0.3 s here). */
export const defaultScryptCost = 17;
/** Files may lower the cost only this far (tests use it), so an edited file cannot make guessing cheap. */
const minScryptCost = 14;

interface ScryptParameters {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
}

function stretch(passphrase: string, parameters: ScryptParameters): Buffer {
  return scryptSync(passphrase.normalize('NFC'), parameters.salt, 32, {
    N: parameters.N,
    r: parameters.r,
    p: parameters.p,
    maxmem: 256 * parameters.N * parameters.r + 1024 * 1024,
  });
}

function headerAad(parameters: ScryptParameters): Buffer {
  return Buffer.from(
    `${format} v${formatVersion} scrypt N=${parameters.N} r=${parameters.r} p=${parameters.p} salt=${parameters.salt.toString('base64')}`,
  );
}

/** The file's text for `root`, sealed under `passphrase` when one is given. */
export function encodeKeyFile(root: Uint8Array, passphrase?: string, scryptCost = defaultScryptCost): string {
  if (passphrase === undefined) {
    return `${JSON.stringify({ format, version: formatVersion, protection: 'none', key: Buffer.from(root).toString('base64') })}\n`;
  }
  if (passphrase.length < 12) throw new KeyFileError('a key passphrase must be at least 12 characters');
  const parameters = { N: 2 ** scryptCost, r: 8, p: 1, salt: randomBytes(16) };
  const key = stretch(passphrase, parameters);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(headerAad(parameters));
  const sealed = Buffer.concat([cipher.update(root), cipher.final(), cipher.getAuthTag()]);
  key.fill(0);
  return `${JSON.stringify({
    format,
    version: formatVersion,
    protection: 'scrypt',
    N: parameters.N,
    r: parameters.r,
    p: parameters.p,
    salt: parameters.salt.toString('base64'),
    nonce: nonce.toString('base64'),
    sealed: sealed.toString('base64'),
  })}\n`;
}

/** The root key from a key file's text; `path` only names the file in messages. */
export function decodeKeyFile(text: string, path: string, passphrase: string | undefined): Buffer {
  let document: Record<string, unknown>;
  try {
    document = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new KeyFileError(`key file ${path} is not a pciq root key file`);
  }
  if (document['format'] !== format) throw new KeyFileError(`key file ${path} is not a pciq root key file`);
  if (document['version'] !== formatVersion) {
    throw new KeyFileError(`key file ${path} has format version ${String(document['version'])}; upgrade pciq`);
  }
  if (document['protection'] === 'none') {
    if (passphrase !== undefined)
      throw new KeyFileError(`key file ${path} is not protected by a passphrase; do not pass one`);
    return checkedKey(Buffer.from(String(document['key']), 'base64'), path);
  }
  if (document['protection'] !== 'scrypt') throw new KeyFileError(`key file ${path} uses an unknown protection`);
  if (passphrase === undefined) {
    throw new KeyFileError(
      `key file ${path} is protected by a passphrase; pass --key-passphrase-file or set PCIQ_KEY_PASSPHRASE`,
    );
  }
  const parameters = {
    N: Number(document['N']),
    r: Number(document['r']),
    p: Number(document['p']),
    salt: Buffer.from(String(document['salt']), 'base64'),
  };
  const sane =
    Number.isInteger(Math.log2(parameters.N)) &&
    parameters.N >= 2 ** minScryptCost &&
    parameters.N <= 2 ** 20 &&
    parameters.r >= 8 &&
    parameters.r <= 32 &&
    parameters.p >= 1 &&
    parameters.p <= 4 &&
    parameters.salt.length >= 16;
  if (!sane) throw new KeyFileError(`key file ${path} has scrypt parameters pciq does not accept`);
  const key = stretch(passphrase, parameters);
  const sealed = Buffer.from(String(document['sealed']), 'base64');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(String(document['nonce']), 'base64'));
    decipher.setAAD(headerAad(parameters));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    return checkedKey(Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]), path);
  } catch (error) {
    if (error instanceof KeyFileError) throw error;
    throw new KeyFileError(`wrong passphrase for key file ${path} (or the file was altered)`);
  } finally {
    key.fill(0);
  }
}

function checkedKey(key: Buffer, path: string): Buffer {
  if (key.length !== aeadKeyBytes) throw new KeyFileError(`key file ${path} does not hold a 256-bit key`);
  return key;
}

/**
 * Writes a key file with mode 0600 in a directory of mode 0700. Refuses to overwrite: losing a key file
 * makes every sealed record unreadable.
 */
export function writeKeyFile(path: string, root: Uint8Array, passphrase?: string, scryptCost?: number): void {
  const text = encodeKeyFile(root, passphrase, scryptCost);
  const firstCreated = mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new KeyFileError(`key file ${path} already exists; pciq never overwrites a key file`);
    }
    throw new KeyFileError(`cannot create key file ${path}: ${(error as Error).message}`);
  }
  try {
    writeSync(fd, text);
    // On disk before anything is sealed under it: a power cut must not take the key and leave the data.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, 0o600);
  syncDirectory(dirname(path));
  // Directories created for it are new entries in their parents too.
  if (firstCreated !== undefined) {
    const top = dirname(resolve(firstCreated));
    for (let dir = dirname(resolve(path)); dir !== top && dir !== dirname(dir); dir = dirname(dir))
      syncDirectory(dirname(dir));
  }
}

/** Makes a new directory entry durable (the file's own fsync does not cover its name). */
function syncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the root key. PCI DSS 3.6.1: the key file must be readable by its owner only, so a file that group
 * or others may read is refused rather than used.
 */
export function readKeyFile(path: string, passphrase: string | undefined): Buffer {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new KeyFileError(`key file ${path} does not exist; run \`pciq init\` or pass --key-file`);
    throw new KeyFileError(`cannot read key file ${path}: ${describeFsError(error)}`);
  }
  assertOwnerOnlyFile(path, stats, 'key file');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new KeyFileError(`cannot read key file ${path}: ${describeFsError(error)}`);
  }
  return decodeKeyFile(text, path, passphrase);
}

/** Reads a passphrase from a file held like a key (owner-only), without its final newline. */
export function readPassphraseFile(path: string): string {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw new KeyFileError(`cannot read passphrase file ${path}: ${describeFsError(error)}`);
  }
  assertOwnerOnlyFile(path, stats, 'passphrase file');
  return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
}

/** A file (a directory given by mistake is named as one, not sent to chmod) that only its owner may read. */
function assertOwnerOnlyFile(path: string, stats: Stats, what: string): void {
  if (stats.isDirectory())
    throw new KeyFileError(
      `${what} ${path} is a directory: give the file's path (such as ${join(path, 'master.key')})`,
    );
  const mode = stats.mode;
  if ((mode & 0o077) !== 0) {
    throw new KeyFileError(
      `${what} ${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}); run \`chmod 600 ${path}\``,
    );
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (error as Error).message;
}

/** True when `keyPath` lies inside `dataDir`: keys must be stored apart from the data they protect (3.6.1). */
export function isInside(dataDir: string, keyPath: string): boolean {
  return resolve(keyPath).startsWith(`${resolve(dataDir)}/`);
}
