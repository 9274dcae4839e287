import { randomBytes } from 'node:crypto';
import { type Caller, type Clock, PciqError } from '../core/index.ts';
import type { SealedDataSource, Sealer } from '../keys/index.ts';
import { unreadableReasonOf } from '../keys/index.ts';
import type { Store, WriteTx } from '../storage/index.ts';

export interface AccessKeyCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

const base32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/**
 * Access-key secrets are sealed under the account's AWS managed key for IAM (alias/aws/iam), bound to the
 * access key id; SigV4 needs the secret itself, so it is sealed, not hashed (PCI DSS 8.3.2).
 */
const secretScope = 'iam:access-key-secret';

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
  sealer: Sealer,
  principalArn: string,
  nowMs: number,
): Promise<AccessKeyCredentials> {
  const credentials = generateAccessKey();
  const accountId = accountOf(principalArn);
  await sealer.ensureManagedKey(tx, accountId, 'iam');
  const key = (await sealer.session(tx)).sealingKey(accountId, 'alias/aws/iam', secretScope);
  await tx.insertAccessKey({
    accessKeyId: credentials.accessKeyId,
    sealedSecret: key.seal(Buffer.from(credentials.secretAccessKey, 'utf8'), credentials.accessKeyId),
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
  private readonly sealer: Sealer;
  private readonly clock: Clock;
  private keys = new Map<string, KnownKey>();
  private readonly lastUsed = new Map<string, number>();
  private lastLoadMs = Number.NEGATIVE_INFINITY;
  private lastFlushMs: number;

  constructor(store: Store, sealer: Sealer, clock: Clock) {
    this.store = store;
    this.sealer = sealer;
    this.clock = clock;
    this.lastFlushMs = clock.now();
  }

  async load(): Promise<void> {
    const { rows, session } = await this.store.read(async (tx) => ({
      rows: await tx.listAccessKeys(),
      session: await this.sealer.session(tx),
    }));
    const keys = new Map<string, KnownKey>();
    for (const row of rows) {
      if (row.status !== 'Active') continue;
      let secret: string;
      try {
        secret = session.open(row.sealedSecret, secretScope, row.accessKeyId).toString('utf8');
      } catch (error) {
        const unreadable = unreadableReasonOf(error);
        if (!unreadable) throw error;
        // A secret that does not open authenticates nothing; the key is left out and the event reported.
        this.sealer.reportUnreadable({ source: 'iam-access-keys', resource: row.accessKeyId, ...unreadable });
        continue;
      }
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

/** Access-key secrets as sealed data for key management (re-encryption under the newest key version). */
export function sealedAccessKeysSource(): SealedDataSource {
  return {
    name: 'iam-access-keys',
    async scan(tx) {
      const rows = await tx.listAccessKeys();
      return {
        records: rows.map((row) => ({
          sealed: row.sealedSecret,
          scope: secretScope,
          place: row.accessKeyId,
          resource: row.accessKeyId,
          recordId: row.accessKeyId,
          replace: (writeTx, sealed) => writeTx.replaceAccessKeySecret(row.accessKeyId, sealed),
        })),
        next: undefined,
      };
    },
  };
}
