import { PciqError } from '../core/index.ts';
import type { SealedDataSource } from '../keys/index.ts';
import type { IamMfaDeviceRow, ReadTx, WriteTx } from '../storage/index.ts';
import { accountOf } from './access-keys.ts';
import { alreadyExists, type IamContext, noSuchEntity } from './context.ts';
import {
  encodeBase32,
  generateRecoveryCodes,
  generateTotpSecret,
  otpauthUri,
  redeemRecoveryCode,
  type StoredRecoveryCode,
  verifyTotp,
  verifyTwoConsecutiveCodes,
} from './mfa/index.ts';
import { checkName, checkPath, rootArn, userArn } from './names.ts';
import { isLocked, unlock } from './passwords/index.ts';
import { sealedRowsSource } from './sealed-rows.ts';

/**
 * Virtual MFA devices (PCI DSS 8.4, 8.5.1): created with a TOTP seed sealed at rest, enabled for a user (or
 * the account root) once two consecutive codes prove the person's app holds the seed, then checked on
 * every sign-in and every STS call that carries a code. A code is accepted once.
 */

/** TOTP seeds are sealed under the account's key for IAM, bound to the device's serial number. */
const seedScope = 'iam:mfa-seed';

export interface NewVirtualMfaDevice {
  serialNumber: string;
  /** The seed in base32, as authenticator apps take it typed in: show once, never log. */
  base32Seed: string;
  /** `otpauth://totp/…` for a QR code: show once, never log. */
  otpauthUri: string;
}

export interface MfaDeviceView {
  serialNumber: string;
  /** The user (or root) it is enabled for. */
  ownerArn: string | null;
  userName: string | null;
  enabledAtMs: number | null;
  createdAtMs: number;
}

function viewOf(row: IamMfaDeviceRow): MfaDeviceView {
  const user = row.ownerArn ? /:user\/(?:.*\/)?([^/]+)$/.exec(row.ownerArn)?.[1] : undefined;
  return {
    serialNumber: row.serialNumber,
    ownerArn: row.ownerArn,
    userName: user ?? (row.ownerArn?.endsWith(':root') ? '<root_account>' : null),
    enabledAtMs: row.enabledAtMs,
    createdAtMs: row.createdAtMs,
  };
}

async function sealingKey(context: IamContext, tx: WriteTx, accountId: string) {
  await context.sealer.ensureManagedKey(tx, accountId, 'iam');
  return (await context.sealer.session(tx)).sealingKey(accountId, 'alias/aws/iam', seedScope);
}

/** CreateVirtualMFADevice: a device with a fresh seed, not yet enabled for anyone. */
export async function createVirtualMfaDevice(
  context: IamContext,
  accountId: string,
  input: { name: string; path?: string; issuer: string },
): Promise<NewVirtualMfaDevice> {
  const name = checkName('virtualMFADeviceName', input.name);
  const path = checkPath(input.path);
  const serialNumber = `arn:aws:iam::${accountId}:mfa${path}${name}`;
  const secret = generateTotpSecret();
  try {
    await context.store.write(async (tx) => {
      if (await tx.iam.getMfaDevice(serialNumber)) {
        throw new PciqError('EntityAlreadyExists', 'MFADevice entity at the same path and name already exists.');
      }
      const key = await sealingKey(context, tx, accountId);
      await tx.iam.insertMfaDevice({
        serialNumber,
        accountId,
        ownerArn: null,
        sealedSeed: key.seal(secret, serialNumber),
        createdAtMs: context.clock.now(),
        enabledAtMs: null,
        lastUsedStep: null,
        recoveryCodes: '[]',
        failedAttempts: 0,
        lockedUntilMs: null,
      });
      await context.audit.record(tx, {
        type: 'iam:CreateVirtualMfaDevice',
        outcome: 'success',
        resource: serialNumber,
        details: { serialNumber },
      });
    });
    return {
      serialNumber,
      base32Seed: encodeBase32(secret),
      otpauthUri: otpauthUri({ issuer: input.issuer, accountName: `${name}@${accountId}`, secret }),
    };
  } finally {
    secret.fill(0);
  }
}

async function openSeed(context: IamContext, tx: ReadTx, device: IamMfaDeviceRow): Promise<Buffer> {
  return (await context.sealer.session(tx)).open(device.sealedSeed, seedScope, device.serialNumber);
}

async function ownerArnOf(tx: ReadTx, accountId: string, owner: { userName: string } | 'root'): Promise<string> {
  if (owner === 'root') return rootArn(accountId);
  const user = await tx.iam.getUser(accountId, owner.userName);
  if (!user) throw noSuchEntity('user', owner.userName);
  return userArn(accountId, user.userName, user.path);
}

/**
 * EnableMFADevice: two consecutive codes prove the app holds the seed; neither can then sign in. Returns
 * recovery codes when asked for them (the CLI shows them once; the IAM API has no place for them).
 */
export async function enableMfaDevice(
  context: IamContext,
  accountId: string,
  input: {
    owner: { userName: string } | 'root';
    serialNumber: string;
    code1: string;
    code2: string;
    withRecoveryCodes?: boolean;
  },
): Promise<{ recoveryCodes: string[] }> {
  const recovery = input.withRecoveryCodes ? await generateRecoveryCodes() : { codes: [], stored: [] };
  await context.store.write(async (tx) => {
    const ownerArn = await ownerArnOf(tx, accountId, input.owner);
    const device = await tx.iam.getMfaDevice(input.serialNumber);
    if (!device || device.accountId !== accountId) {
      throw new PciqError(
        'NoSuchEntity',
        `VirtualMFADevice with serial number ${input.serialNumber.slice(0, 256)} doesn't exist.`,
      );
    }
    if (device.ownerArn !== null) {
      throw alreadyExists('MFA Device', input.serialNumber);
    }
    const seed = await openSeed(context, tx, device);
    let step: number;
    try {
      step = verifyTwoConsecutiveCodes(seed, input.code1, input.code2, context.clock.now()).step;
    } finally {
      seed.fill(0);
    }
    await tx.iam.updateMfaDevice({
      ...device,
      ownerArn,
      enabledAtMs: context.clock.now(),
      lastUsedStep: step,
      recoveryCodes: JSON.stringify(recovery.stored),
      failedAttempts: 0,
      lockedUntilMs: null,
    });
    await context.audit.record(tx, {
      type: 'iam:EnableMfaDevice',
      outcome: 'success',
      resource: ownerArn,
      details: { serialNumber: device.serialNumber, recoveryCodes: recovery.codes.length },
    });
  });
  return { recoveryCodes: recovery.codes };
}

/** DeactivateMFADevice: the device stays, unassigned, until deleted. */
export async function deactivateMfaDevice(
  context: IamContext,
  accountId: string,
  input: { owner: { userName: string } | 'root'; serialNumber: string },
): Promise<void> {
  await context.store.write(async (tx) => {
    const ownerArn = await ownerArnOf(tx, accountId, input.owner);
    const device = await tx.iam.getMfaDevice(input.serialNumber);
    if (!device || device.ownerArn !== ownerArn) {
      throw new PciqError(
        'NoSuchEntity',
        `MFA Device with serial number ${input.serialNumber.slice(0, 256)} does not exist.`,
      );
    }
    await tx.iam.updateMfaDevice({
      ...device,
      ownerArn: null,
      enabledAtMs: null,
      recoveryCodes: '[]',
      failedAttempts: 0,
      lockedUntilMs: null,
    });
    await context.audit.record(tx, {
      type: 'iam:DeactivateMfaDevice',
      outcome: 'success',
      resource: ownerArn,
      details: { serialNumber: device.serialNumber },
    });
  });
}

export async function deleteVirtualMfaDevice(
  context: IamContext,
  accountId: string,
  serialNumber: string,
): Promise<void> {
  await context.store.write(async (tx) => {
    const device = await tx.iam.getMfaDevice(serialNumber);
    if (!device || device.accountId !== accountId) {
      throw new PciqError(
        'NoSuchEntity',
        `VirtualMFADevice with serial number ${serialNumber.slice(0, 256)} doesn't exist.`,
      );
    }
    if (device.ownerArn !== null) throw new PciqError('DeleteConflict', 'MFA Device is still in use.');
    await tx.iam.deleteMfaDevice(serialNumber);
    await context.audit.record(tx, {
      type: 'iam:DeleteVirtualMfaDevice',
      outcome: 'success',
      resource: serialNumber,
      details: { serialNumber },
    });
  });
}

/** ListMFADevices of a user (or of the root), ListVirtualMFADevices of the account. */
export async function listMfaDevices(
  context: IamContext,
  accountId: string,
  filter: { owner?: { userName: string } | 'root'; assignment?: 'Assigned' | 'Unassigned' | 'Any' } = {},
): Promise<MfaDeviceView[]> {
  return context.store.read(async (tx) => {
    const ownerArn = filter.owner ? await ownerArnOf(tx, accountId, filter.owner) : undefined;
    const assignment = filter.assignment ?? 'Any';
    return (await tx.iam.listMfaDevices(accountId))
      .filter((device) => ownerArn === undefined || device.ownerArn === ownerArn)
      .filter((device) => assignment === 'Any' || (assignment === 'Assigned') === (device.ownerArn !== null))
      .map(viewOf);
  });
}

export type MfaCheck =
  | { outcome: 'ok'; serialNumber: string }
  /** Too many wrong codes: the device refuses every code, the right one included, until `lockedUntilMs`. */
  | { outcome: 'locked'; serialNumber: string; lockedUntilMs: number }
  | { outcome: 'no-device' | 'invalid' | 'replayed'; serialNumber: string | null };

export interface MfaCode {
  tokenCode?: string;
  /** Names the device (STS); without it any device of the owner may match (sign-in). */
  serialNumber?: string;
  /** A recovery code instead of a TOTP code, redeemed beforehand with `redeemRecovery`. */
  recovery?: PreparedRecovery;
}

/** A recovery code matched against the owner's devices outside any unit of work (scrypt takes time). */
export interface PreparedRecovery {
  serialNumber: string | null;
  /** The device's recovery codes as read, and with the code marked used. */
  before: string;
  after: string;
}

/** Finds which device of `ownerArn` a recovery code belongs to; `serialNumber` null when none. */
export async function redeemRecovery(context: IamContext, ownerArn: string, code: string): Promise<PreparedRecovery> {
  const devices = await context.store.read((tx) => devicesOf(tx, ownerArn, undefined));
  for (const device of devices) {
    const redeemed = await redeemRecoveryCode(
      JSON.parse(device.recoveryCodes) as StoredRecoveryCode[],
      code,
      context.clock.now(),
    );
    if (redeemed.outcome === 'ok') {
      return {
        serialNumber: device.serialNumber,
        before: device.recoveryCodes,
        after: JSON.stringify(redeemed.stored),
      };
    }
  }
  return { serialNumber: null, before: '', after: '' };
}

async function devicesOf(tx: ReadTx, ownerArn: string, serialNumber: string | undefined): Promise<IamMfaDeviceRow[]> {
  return (await tx.iam.listMfaDevices(accountOf(ownerArn))).filter(
    (device) => device.ownerArn === ownerArn && (serialNumber === undefined || device.serialNumber === serialNumber),
  );
}

/**
 * Checks a code of a device enabled for `ownerArn` inside `tx`, and records the step (or the recovery code)
 * as used in the same transaction, so the code cannot be used again (8.5.1).
 */
export async function checkMfaCode(
  context: IamContext,
  tx: WriteTx,
  ownerArn: string,
  code: MfaCode,
): Promise<MfaCheck> {
  const devices = await devicesOf(tx, ownerArn, code.serialNumber);
  if (devices.length === 0) return { outcome: 'no-device', serialNumber: code.serialNumber ?? null };
  if (code.recovery) {
    const device = devices.find((candidate) => candidate.serialNumber === code.recovery?.serialNumber);
    // A code redeemed concurrently by another request no longer matches what was read: it was used.
    if (!device || device.recoveryCodes !== code.recovery.before) return { outcome: 'invalid', serialNumber: null };
    const used = await tx.iam.recordMfaUse(
      device.serialNumber,
      { lastUsedStep: device.lastUsedStep, recoveryCodes: device.recoveryCodes },
      { lastUsedStep: device.lastUsedStep, recoveryCodes: code.recovery.after },
    );
    return used ? { outcome: 'ok', serialNumber: device.serialNumber } : { outcome: 'invalid', serialNumber: null };
  }
  const now = context.clock.now();
  const unlocked = devices.filter((device) => !isLocked(device, now));
  if (unlocked.length === 0) {
    const device = devices[0]!;
    return { outcome: 'locked', serialNumber: device.serialNumber, lockedUntilMs: device.lockedUntilMs ?? now };
  }
  let replayed: string | undefined;
  for (const device of unlocked) {
    const seed = await openSeed(context, tx, device);
    try {
      const result = verifyTotp(seed, code.tokenCode ?? '', now, device.lastUsedStep);
      if (result.outcome === 'ok') {
        const before = { lastUsedStep: device.lastUsedStep, recoveryCodes: device.recoveryCodes };
        // Another request (on another node) that used a code of this device first makes this one a replay.
        if (!(await tx.iam.recordMfaUse(device.serialNumber, before, { ...before, lastUsedStep: result.step }))) {
          return { outcome: 'replayed', serialNumber: device.serialNumber };
        }
        return { outcome: 'ok', serialNumber: device.serialNumber };
      }
      if (result.outcome === 'replayed') replayed = device.serialNumber;
    } finally {
      seed.fill(0);
    }
  }
  if (replayed !== undefined) return { outcome: 'replayed', serialNumber: replayed };
  for (const device of unlocked) await countWrongCode(context, tx, ownerArn, device.serialNumber, now);
  return { outcome: 'invalid', serialNumber: devices.length === 1 ? devices[0]!.serialNumber : null };
}

/**
 * PCI DSS 8.3.4 for the second factor: a device locks after as many consecutive wrong codes as a password
 * may be wrong, for as long. A password's lockout does not cover STS, where the access key stands in for the
 * password and a code could otherwise be guessed at request rate (one in about 330,000 per try).
 */
async function countWrongCode(
  context: IamContext,
  tx: WriteTx,
  ownerArn: string,
  serialNumber: string,
  nowMs: number,
): Promise<void> {
  const { maxFailedAttempts, lockoutDurationMs } = context.passwordPolicy;
  const failures = await tx.iam.countMfaFailure(serialNumber, nowMs, maxFailedAttempts, nowMs + lockoutDurationMs);
  // Exactly the limit: the failure that locked it (one counted concurrently past the lock is not a new lockout).
  if (failures?.failedAttempts !== maxFailedAttempts || failures.lockedUntilMs === null) return;
  await context.audit.record(tx, {
    type: 'iam:Lockout',
    outcome: 'success',
    resource: ownerArn,
    details: {
      serialNumber,
      lockedUntil: new Date(failures.lockedUntilMs).toISOString(),
      failedAttempts: failures.failedAttempts,
    },
  });
}

/** An administrator lifts the lock of a person's devices after confirming their identity (8.3.4). */
export async function unlockMfaDevices(tx: WriteTx, ownerArn: string): Promise<number> {
  let unlocked = 0;
  for (const device of await devicesOf(tx, ownerArn, undefined)) {
    if (device.failedAttempts === 0 && device.lockedUntilMs === null) continue;
    await tx.iam.updateMfaDevice(unlock(device));
    unlocked += 1;
  }
  return unlocked;
}

/** Whether `ownerArn` has an enabled MFA device (8.4.2: every person must). */
export async function hasMfaDevice(tx: ReadTx, ownerArn: string): Promise<boolean> {
  return (await tx.iam.listMfaDevices(accountOf(ownerArn))).some((device) => device.ownerArn === ownerArn);
}

/** The account's TOTP seeds as sealed data for key management (re-encryption under the newest key version). */
export function sealedMfaSeedsSource(accountId: string): SealedDataSource {
  return sealedRowsSource({
    name: 'iam-mfa-seeds',
    scope: seedScope,
    rows: (tx) => tx.iam.listMfaDevices(accountId),
    idOf: (row) => row.serialNumber,
    sealedOf: (row) => row.sealedSeed,
    replace: (tx, id, sealed) => tx.iam.replaceMfaSeed(id, sealed),
  });
}
