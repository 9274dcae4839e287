import type { Clock } from '../core/index.ts';
import { PciqError } from '../core/index.ts';
import type { Sealer } from '../keys/index.ts';
import type { IamEntityKind, ReadTx, Store, WriteTx } from '../storage/index.ts';
import { checkNotReserved } from './containment.ts';
import type { IamAuditSink } from './events.ts';
import type { PasswordPolicy } from './passwords/index.ts';

/** What IAM's operations work with; built once by `IamService`. */
export interface IamContext {
  store: Store;
  /** Seals access-key and session secrets and TOTP seeds under the account's key for IAM (alias/aws/iam). */
  sealer: Sealer;
  clock: Clock;
  audit: IamAuditSink;
  passwordPolicy: PasswordPolicy;
}

export function noSuchEntity(kind: string, name: string): PciqError {
  return new PciqError('NoSuchEntity', `The ${kind} with name ${name} cannot be found.`);
}

export function alreadyExists(kind: string, name: string): PciqError {
  return new PciqError('EntityAlreadyExists', `${kind} with name ${name} already exists.`);
}

/** Reads the entity or answers NoSuchEntity as IAM does. */
export async function requireEntity(tx: ReadTx, accountId: string, kind: IamEntityKind, name: string) {
  const row =
    kind === 'user'
      ? await tx.iam.getUser(accountId, name)
      : kind === 'group'
        ? await tx.iam.getGroup(accountId, name)
        : await tx.iam.getRole(accountId, name);
  if (!row) throw noSuchEntity(kind, name);
  return row;
}

/** The name an entity row carries. */
export function nameOf(row: { userName: string } | { groupName: string } | { roleName: string }): string {
  return 'userName' in row ? row.userName : 'groupName' in row ? row.groupName : row.roleName;
}

/** Tags as IAM accepts them: at most 50, keys 1–128 and values 0–256 characters of the allowed set. */
export function checkTags(tags: Record<string, string>, existing: Record<string, string> = {}): Record<string, string> {
  checkNotReserved(Object.keys(tags));
  const merged = { ...existing };
  const keyPattern = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
  const valuePattern = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > 128 || !keyPattern.test(key)) {
      throw new PciqError(
        'InvalidInput',
        `The tag key '${key.slice(0, 128)}' is not valid: 1 to 128 letters, digits, spaces and _.:/=+-@.`,
      );
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw new PciqError('InvalidInput', `Tag keys starting with 'aws:' are reserved for AWS use.`);
    }
    if (value.length > 256 || !valuePattern.test(value)) {
      throw new PciqError(
        'InvalidInput',
        `The value of tag '${key.slice(0, 128)}' is not valid: up to 256 letters, digits, spaces and _.:/=+-@.`,
      );
    }
    // Tag keys are case-insensitive in IAM: a new case replaces the old one.
    for (const known of Object.keys(merged)) if (known.toLowerCase() === key.toLowerCase()) delete merged[known];
    merged[key] = value;
  }
  if (Object.keys(merged).length > 50) {
    throw new PciqError('LimitExceeded', 'The number of tags has reached the maximum limit of 50.');
  }
  return merged;
}

export function withoutTags(tags: Record<string, string>, keys: readonly string[]): Record<string, string> {
  checkNotReserved(keys);
  const lower = new Set(keys.map((key) => key.toLowerCase()));
  return Object.fromEntries(Object.entries(tags).filter(([key]) => !lower.has(key.toLowerCase())));
}

/** What a unit of work returns to refuse its request although it commits (a failed attempt is counted). */
export class Refusal {
  readonly error: PciqError;

  constructor(error: PciqError) {
    this.error = error;
  }
}

/**
 * Runs one unit of work that either succeeds with a value or refuses the request with a `Refusal`: the
 * unit commits in both cases (the record of a failed sign-in, a counted attempt, a code used up) and the
 * refusal is thrown once it is durable.
 */
export async function writeOrRefuse<T>(
  context: Pick<IamContext, 'store'>,
  work: (tx: WriteTx) => Promise<T | Refusal>,
): Promise<T> {
  const outcome = await context.store.write(work);
  if (outcome instanceof Refusal) throw outcome.error;
  return outcome;
}
