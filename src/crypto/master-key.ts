import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const masterKeyBytes = 32;

/** A problem with the key file that the operator must fix; the message says what and how. */
export class KeyFileError extends Error {}

/**
 * Writes a new random 256-bit root key, base64, to `path` with mode 0600 in a directory of mode 0700.
 * Refuses to overwrite: losing a key file makes every sealed record unreadable.
 */
export function createMasterKeyFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
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
    writeSync(fd, `${randomBytes(masterKeyBytes).toString('base64')}\n`);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, 0o600);
}

/**
 * Reads the root key. PCI DSS 3.6.1: the key file must be readable by its owner only, so a file that group
 * or others may read is refused rather than used.
 */
export function readMasterKeyFile(path: string): Buffer {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new KeyFileError(`key file ${path} does not exist; run \`pciq init\` or pass --key-file`);
    throw new KeyFileError(`cannot read key file ${path}: ${(error as Error).message}`);
  }
  if ((mode & 0o077) !== 0) {
    throw new KeyFileError(
      `key file ${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}); run \`chmod 600 ${path}\``,
    );
  }
  const text = readFileSync(path, 'utf8').trim();
  const key = Buffer.from(text, 'base64');
  if (key.length !== masterKeyBytes || key.toString('base64') !== text) {
    throw new KeyFileError(`key file ${path} does not hold a base64 256-bit key`);
  }
  return key;
}

/** True when `keyPath` lies inside `dataDir`: keys must be stored apart from the data they protect (3.6.1). */
export function isInside(dataDir: string, keyPath: string): boolean {
  const dir = resolve(dataDir) + '/';
  return resolve(keyPath).startsWith(dir);
}
