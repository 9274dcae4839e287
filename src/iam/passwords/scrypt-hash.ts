import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { PciqError } from '../../core/index.ts';

/**
 * scrypt cost parameters. N = 2^15, r = 8, p = 1 costs about 83 ms and 32 MiB per hash on the reference
 * machine (2 cores): slow enough that a stolen hash table resists guessing (PCI DSS 8.3.2), fast enough
 * for sign-in. Raising `logN` by one doubles both; hashes carry their parameters, so old ones still verify.
 */
export interface ScryptParams {
  logN: number;
  blockSize: number;
  parallelism: number;
}

export const defaultScryptParams: Readonly<ScryptParams> = Object.freeze({ logN: 15, blockSize: 8, parallelism: 1 });

const saltBytes = 16;
const keyBytes = 32;
/** Bounds for parameters read back from storage: a tampered record must not make one check cost minutes or gigabytes. */
const bounds = { logN: [10, 20], blockSize: [1, 32], parallelism: [1, 16] } as const;

/**
 * Self-describing, in the PHC string format: `$scrypt$ln=15,r=8,p=1$<salt>$<key>` (unpadded base64), so a
 * stored hash names how to check it and parameters can be raised without a migration.
 */
const encodedPattern = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{16,})$/;

/**
 * Derives on libuv's thread pool (`scrypt`, not `scryptSync`), so a sign-in never stalls the event loop.
 * Input is NFKC-normalised: the same password typed on another keyboard or platform must match.
 */
function derive(secret: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  const N = 2 ** params.logN;
  const options = { N, r: params.blockSize, p: params.parallelism, maxmem: 256 * N * params.blockSize + 1024 };
  return new Promise((resolve, reject) => {
    scrypt(secret.normalize('NFKC'), salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function encode(params: ScryptParams, salt: Buffer, key: Buffer): string {
  const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${params.logN},r=${params.blockSize},p=${params.parallelism}$${b64(salt)}$${b64(key)}`;
}

interface DecodedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

function decode(encoded: string): DecodedHash {
  const match = encodedPattern.exec(encoded);
  const params = match && { logN: Number(match[1]), blockSize: Number(match[2]), parallelism: Number(match[3]) };
  if (!match || !params || !withinBounds(params)) {
    // The stored record is damaged; the message must not quote it (it is a credential hash).
    throw new PciqError('InternalFailure', 'A stored password hash is not a valid scrypt hash.');
  }
  return { params, salt: Buffer.from(match[4]!, 'base64'), key: Buffer.from(match[5]!, 'base64') };
}

function withinBounds(params: ScryptParams): boolean {
  return (Object.keys(bounds) as (keyof ScryptParams)[]).every(
    (name) => params[name] >= bounds[name][0] && params[name] <= bounds[name][1],
  );
}

/** Hashes `secret` with a fresh random salt; the result is the encoded string to store. */
export async function hashSecret(secret: string, params: ScryptParams = defaultScryptParams): Promise<string> {
  const [hash] = await hashSecretsWithSharedSalt([secret], params);
  return hash!;
}

/**
 * Hashes several random, independent secrets (a set of recovery codes) under one salt, so that checking a
 * typed code costs one derivation instead of one per stored code. Never for passwords people choose: there,
 * a shared salt would let one guess be tried against every hash at once.
 */
export async function hashSecretsWithSharedSalt(
  secrets: readonly string[],
  params: ScryptParams = defaultScryptParams,
): Promise<string[]> {
  if (!withinBounds(params)) throw new RangeError('scrypt parameters out of bounds');
  const salt = randomBytes(saltBytes);
  const keys = await Promise.all(secrets.map((secret) => derive(secret, salt, params, keyBytes)));
  return keys.map((key) => encode(params, salt, key));
}

/** True when `secret` produced `encoded`; the comparison takes the same time wherever the keys differ. */
export async function verifySecret(secret: string, encoded: string): Promise<boolean> {
  const stored = decode(encoded);
  const candidate = await derive(secret, stored.salt, stored.params, stored.key.length);
  return timingSafeEqual(candidate, stored.key);
}

/**
 * Checks `secret` against several hashes at once, deriving once per distinct salt and comparing against
 * every hash, so the time taken does not depend on which one matched. Returns the matching index or -1.
 */
export async function findMatchingSecret(secret: string, encodedHashes: readonly string[]): Promise<number> {
  const decoded = encodedHashes.map(decode);
  const derivations = new Map<string, Promise<Buffer>>();
  const candidates = await Promise.all(
    decoded.map((hash) => {
      const id = `${hash.params.logN},${hash.params.blockSize},${hash.params.parallelism},${hash.key.length},${hash.salt.toString('base64')}`;
      let derivation = derivations.get(id);
      if (!derivation) {
        derivation = derive(secret, hash.salt, hash.params, hash.key.length);
        derivations.set(id, derivation);
      }
      return derivation;
    }),
  );
  let match = -1;
  decoded.forEach((hash, index) => {
    if (timingSafeEqual(candidates[index]!, hash.key) && match === -1) match = index;
  });
  return match;
}

/** True when `encoded` was made with other parameters than `params`: rehash it at the next successful sign-in. */
export function needsRehash(encoded: string, params: ScryptParams = defaultScryptParams): boolean {
  const stored = decode(encoded).params;
  return (
    stored.logN !== params.logN || stored.blockSize !== params.blockSize || stored.parallelism !== params.parallelism
  );
}

/**
 * Does the work of one verification and answers false. Sign-in for a user name that does not exist calls
 * it, so response time does not tell which user names exist.
 */
export async function verifyAgainstNoUser(secret: string): Promise<false> {
  await derive(secret, randomBytes(saltBytes), defaultScryptParams, keyBytes);
  return false;
}
