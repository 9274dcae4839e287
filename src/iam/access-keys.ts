import { randomBytes } from 'node:crypto';
import { type Caller, type Clock, PciqError } from '../core/index.ts';
import type { Keyring } from '../crypto/index.ts';
import type { Store, WriteTx } from '../storage/index.ts';

export interface AccessKeyCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

const base32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Sealing purpose of access-key secrets; SigV4 needs the secret itself, so it is sealed, not hashed (8.3.2). */
const secretPurpose = 'iam-access-key-secret';

/** AWS-shaped: `AKIA` + 16 base32 characters, and a 40-character secret from 240 random bits. */
export function generateAccessKey(): AccessKeyCredentials {
  const bytes = randomBytes(16);
  let id = 'AKIA';
  for (const byte of bytes) id += base32[byte % 32];
  return { accessKeyId: id, secretAccessKey: randomBytes(30).toString('base64') };
}

export function accountOf(principalArn: string): string {
  const match = /^arn:aws:iam::(\d{12}):/.exec(principalArn);
  if (!match) throw new PciqError('InternalFailure', 'principal ARN without an account');
  return match[1]!;
}

export async function createAccessKey(
  tx: WriteTx,
  keyring: Keyring,
  principalArn: string,
  nowMs: number,
): Promise<AccessKeyCredentials> {
  const credentials = generateAccessKey();
  await tx.insertAccessKey({
    accessKeyId: credentials.accessKeyId,
    sealedSecret: keyring.seal(
      secretPurpose,
      Buffer.from(credentials.secretAccessKey, 'utf8'),
      credentials.accessKeyId,
    ),
    principalArn,
    status: 'Active',
    createdAtMs: nowMs,
    lastUsedAtMs: null,
  });
  return credentials;
}

interface KnownKey {
  secretAccessKey: string;
  caller: Caller;
}

/** How long a key's last use may sit in memory before it is written (a write per request would cost throughput). */
const lastUsedFlushMs = 60_000;
/** An unknown key id makes the directory reload at most this often (keys created by other processes or nodes). */
const reloadIntervalMs = 5_000;

/**
 * The active access keys with their secrets opened, for SigV4 verification on the hot path, and their
 * last-used times, recorded in memory and written now and then.
 */
export class AccessKeyDirectory {
  private readonly store: Store;
  private readonly keyring: Keyring;
  private readonly clock: Clock;
  private keys = new Map<string, KnownKey>();
  private readonly lastUsed = new Map<string, number>();
  private lastLoadMs = Number.NEGATIVE_INFINITY;
  private lastFlushMs: number;

  constructor(store: Store, keyring: Keyring, clock: Clock) {
    this.store = store;
    this.keyring = keyring;
    this.clock = clock;
    this.lastFlushMs = clock.now();
  }

  async load(): Promise<void> {
    const rows = await this.store.read((tx) => tx.listAccessKeys());
    const keys = new Map<string, KnownKey>();
    for (const row of rows) {
      if (row.status !== 'Active') continue;
      const secret = this.keyring.open(secretPurpose, row.sealedSecret, row.accessKeyId).toString('utf8');
      const accountId = accountOf(row.principalArn);
      keys.set(row.accessKeyId, {
        secretAccessKey: secret,
        caller: { accountId, principalArn: row.principalArn, accessKeyId: row.accessKeyId, senderId: row.accessKeyId },
      });
    }
    this.keys = keys;
    this.lastLoadMs = this.clock.now();
  }

  lookup(accessKeyId: string): KnownKey | undefined {
    return this.keys.get(accessKeyId);
  }

  /** Reloads if the key is unknown and the last load is old enough; true when the key is known afterwards. */
  async refreshFor(accessKeyId: string): Promise<boolean> {
    if (this.keys.has(accessKeyId)) return true;
    if (this.clock.now() - this.lastLoadMs < reloadIntervalMs) return false;
    await this.load();
    return this.keys.has(accessKeyId);
  }

  noteUse(accessKeyId: string): void {
    const now = this.clock.now();
    this.lastUsed.set(accessKeyId, now);
    if (now - this.lastFlushMs >= lastUsedFlushMs) void this.flush().catch(() => undefined);
  }

  /** Writes last-used times gathered since the previous flush. */
  async flush(): Promise<void> {
    this.lastFlushMs = this.clock.now();
    if (this.lastUsed.size === 0) return;
    const pending = [...this.lastUsed];
    this.lastUsed.clear();
    await this.store.write(async (tx) => {
      for (const [id, at] of pending) await tx.touchAccessKey(id, at);
    });
  }
}
