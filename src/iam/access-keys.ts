import { randomBytes } from 'node:crypto';
import { PciqError } from '../core/index.ts';
import type { SealedDataSource, Sealer } from '../keys/index.ts';
import { unreadableReasonOf } from '../keys/index.ts';
import type { AccessKeyRow, ReadTx, Store, WriteTx } from '../storage/index.ts';
import { type IamContext, noSuchEntity } from './context.ts';
import { rootArn, userArn } from './names.ts';
import { sealedRowsSource } from './sealed-rows.ts';

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

/** AWS: at most two access keys per user, so one can be rotated while the other is in use. */
export const maxAccessKeysPerUser = 2;

/** AWS-shaped: `AKIA` + 16 base32 characters, and a 40-character secret from 240 random bits. */
export function generateAccessKey(): AccessKeyCredentials {
  const bytes = randomBytes(16);
  let id = 'AKIA';
  for (const byte of bytes) id += base32[byte % 32];
  return { accessKeyId: id, secretAccessKey: randomBytes(30).toString('base64') };
}

export function accountOf(principalArn: string): string {
  const match = /^arn:aws:(?:iam|sts)::(\d{12}):/.exec(principalArn);
  if (!match) throw new PciqError('InternalFailure', 'principal ARN without an account');
  return match[1]!;
}

/** Seals and stores a new key for `principalArn` inside `tx`; the secret is returned once, never kept. */
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

export interface AccessKeyView {
  userName: string;
  accessKeyId: string;
  status: AccessKeyRow['status'];
  createdAtMs: number;
  lastUsedAtMs: number | null;
}

async function requireUser(tx: ReadTx, accountId: string, userName: string) {
  const user = await tx.iam.getUser(accountId, userName);
  if (!user) throw noSuchEntity('user', userName);
  return { user, arn: userArn(accountId, user.userName, user.path) };
}

async function keysOf(tx: ReadTx, principalArn: string): Promise<AccessKeyRow[]> {
  return (await tx.listAccessKeys()).filter((key) => key.principalArn === principalArn);
}

/** CreateAccessKey for a user (at most two). */
export async function createUserAccessKey(
  context: IamContext,
  accountId: string,
  userName: string,
): Promise<AccessKeyView & { secretAccessKey: string }> {
  return context.store.write(async (tx) => {
    const { user, arn } = await requireUser(tx, accountId, userName);
    if ((await keysOf(tx, arn)).length >= maxAccessKeysPerUser) {
      throw new PciqError('LimitExceeded', `Cannot exceed quota for AccessKeysPerUser: ${maxAccessKeysPerUser}`);
    }
    const now = context.clock.now();
    const credentials = await createAccessKey(tx, context.sealer, arn, now);
    await context.audit.record(tx, {
      type: 'iam:CreateAccessKey',
      outcome: 'success',
      resource: arn,
      details: { accessKeyId: credentials.accessKeyId, status: 'Active' },
    });
    return {
      userName: user.userName,
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      status: 'Active',
      createdAtMs: now,
      lastUsedAtMs: null,
    };
  });
}

export async function listAccessKeys(
  context: IamContext,
  accountId: string,
  userName: string,
): Promise<AccessKeyView[]> {
  return context.store.read(async (tx) => {
    const { user, arn } = await requireUser(tx, accountId, userName);
    return (await keysOf(tx, arn)).map((key) => ({
      userName: user.userName,
      accessKeyId: key.accessKeyId,
      status: key.status,
      createdAtMs: key.createdAtMs,
      lastUsedAtMs: key.lastUsedAtMs,
    }));
  });
}

/** The key, which must belong to `userName`; AWS answers NoSuchEntity for a key of someone else. */
async function requireKeyOf(tx: ReadTx, accountId: string, userName: string, accessKeyId: string) {
  const { arn } = await requireUser(tx, accountId, userName);
  const key = await tx.getAccessKey(accessKeyId);
  if (!key || key.principalArn !== arn) {
    throw new PciqError('NoSuchEntity', `The Access Key with id ${accessKeyId.slice(0, 32)} cannot be found.`);
  }
  return { key, arn };
}

export async function updateAccessKey(
  context: IamContext,
  accountId: string,
  input: { userName: string; accessKeyId: string; status: AccessKeyRow['status'] },
): Promise<void> {
  if (input.status !== 'Active' && input.status !== 'Inactive') {
    throw new PciqError(
      'ValidationError',
      `1 validation error detected: Value '${String(input.status).slice(0, 32)}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`,
    );
  }
  await context.store.write(async (tx) => {
    const { arn } = await requireKeyOf(tx, accountId, input.userName, input.accessKeyId);
    await tx.setAccessKeyStatus(input.accessKeyId, input.status);
    await context.audit.record(tx, {
      type: 'iam:UpdateAccessKey',
      outcome: 'success',
      resource: arn,
      details: { accessKeyId: input.accessKeyId, status: input.status },
    });
  });
}

export async function deleteAccessKey(
  context: IamContext,
  accountId: string,
  input: { userName: string; accessKeyId: string },
): Promise<void> {
  await context.store.write(async (tx) => {
    const { arn } = await requireKeyOf(tx, accountId, input.userName, input.accessKeyId);
    await tx.deleteAccessKey(input.accessKeyId);
    await context.audit.record(tx, {
      type: 'iam:DeleteAccessKey',
      outcome: 'success',
      resource: arn,
      details: { accessKeyId: input.accessKeyId },
    });
  });
}

/** GetAccessKeyLastUsed: any key of the account, by id. */
export async function getAccessKeyLastUsed(
  context: IamContext,
  accountId: string,
  accessKeyId: string,
): Promise<{ userName: string; lastUsedAtMs: number | null }> {
  const key = await context.store.read((tx) => tx.getAccessKey(accessKeyId));
  const match = key ? /^arn:aws:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/.exec(key.principalArn) : null;
  if (!key || !match || match[1] !== accountId) {
    throw new PciqError('AccessDenied', `The access key ${accessKeyId.slice(0, 32)} is not in this account.`);
  }
  return { userName: match[2]!, lastUsedAtMs: key.lastUsedAtMs };
}

export interface OpenedAccessKey {
  secretAccessKey: string;
  principalArn: string;
  accountId: string;
  /** The owner's unique id (the user's `AIDA…` id, or the account id for the root): what SQS reports as the SenderId of its messages. */
  ownerId: string;
}

/** The active keys with their secrets opened, for SigV4 verification. */
export async function loadActiveAccessKeys(store: Store, sealer: Sealer): Promise<Map<string, OpenedAccessKey>> {
  const { rows, ownerIds, session } = await store.read(async (tx) => {
    const rows = (await tx.listAccessKeys()).filter((row) => row.status === 'Active');
    return { rows, ownerIds: await ownerIdsOf(tx, rows), session: await sealer.session(tx) };
  });
  const keys = new Map<string, OpenedAccessKey>();
  for (const row of rows) {
    const ownerId = ownerIds.get(row.principalArn);
    // IAM deletes a user's keys before the user; a key whose owner is gone authenticates nothing.
    if (ownerId === undefined) continue;
    let secret: string;
    try {
      secret = session.open(row.sealedSecret, secretScope, row.accessKeyId).toString('utf8');
    } catch (error) {
      const unreadable = unreadableReasonOf(error);
      if (!unreadable) throw error;
      // A secret that does not open authenticates nothing; the key is left out and the event reported.
      sealer.reportUnreadable({ source: 'iam-access-keys', resource: row.accessKeyId, ...unreadable });
      continue;
    }
    keys.set(row.accessKeyId, {
      secretAccessKey: secret,
      principalArn: row.principalArn,
      accountId: accountOf(row.principalArn),
      ownerId,
    });
  }
  return keys;
}

/** The unique ids of the keys' owners by ARN: one list of users per account, not one read per key. */
async function ownerIdsOf(tx: ReadTx, rows: AccessKeyRow[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const accounts = new Set<string>();
  for (const row of rows) {
    const accountId = accountOf(row.principalArn);
    if (row.principalArn === rootArn(accountId)) ids.set(row.principalArn, accountId);
    else accounts.add(accountId);
  }
  for (const accountId of accounts) {
    for (const user of await tx.iam.listUsers(accountId)) {
      ids.set(userArn(accountId, user.userName, user.path), user.userId);
    }
  }
  return ids;
}

/** Access-key secrets as sealed data for key management (re-encryption under the newest key version). */
export function sealedAccessKeysSource(): SealedDataSource {
  return sealedRowsSource({
    name: 'iam-access-keys',
    scope: secretScope,
    rows: (tx) => tx.listAccessKeys(),
    idOf: (row) => row.accessKeyId,
    sealedOf: (row) => row.sealedSecret,
    replace: (tx, id, sealed) => tx.replaceAccessKeySecret(id, sealed),
  });
}
