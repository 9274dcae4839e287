import type { ReadTx, WriteTx } from '../../storage/index.ts';

/** PCI DSS 10.5.1: at least 12 months of history, the most recent 3 months immediately available. */
export const minimumRetainDays = 365;
export const minimumHotDays = 90;

export interface RetentionPolicy {
  /** How long records are kept at all (hot, then archived); then purged. */
  retainDays: number;
  /** How long records stay in the store, searchable; older ones move to archive segments. */
  hotDays: number;
}

export const defaultRetention: RetentionPolicy = { retainDays: minimumRetainDays, hotDays: minimumHotDays };

/** Raised for a retention setting that would keep less than PCI DSS, or less than this trail promised. */
export class RetentionError extends Error {}

export function validateRetention(policy: RetentionPolicy): RetentionPolicy {
  const { retainDays, hotDays } = policy;
  if (!Number.isInteger(retainDays) || retainDays < minimumRetainDays) {
    throw new RetentionError(
      `retention must be a whole number of days, at least ${minimumRetainDays} (PCI DSS 10.5.1: 12 months)`,
    );
  }
  if (!Number.isInteger(hotDays) || hotDays < minimumHotDays) {
    throw new RetentionError(
      `the searchable period must be a whole number of days, at least ${minimumHotDays} (PCI DSS 10.5.1: 3 months)`,
    );
  }
  if (hotDays > retainDays) throw new RetentionError('the searchable period cannot be longer than the retention');
  return { retainDays, hotDays };
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * The instant `months` calendar months before `nowMs`, in UTC, on the same day of the month or the last day of
 * a shorter month.
 */
function monthsBefore(nowMs: number, months: number): number {
  const now = new Date(nowMs);
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth() - months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(now.getUTCDate(), lastDay)) + (nowMs % dayMs);
}

/**
 * Records older than this leave the searchable period: `hotDays`, but never less than 3 calendar months
 * (PCI DSS 10.5.1), which run to 92 days.
 */
export function archiveCutoffMs(policy: RetentionPolicy, nowMs: number): number {
  return Math.min(nowMs - policy.hotDays * dayMs, monthsBefore(nowMs, 3));
}

/** Segments older than this are purged: `retainDays`, but never less than 12 calendar months (366 days in a leap year). */
export function purgeCutoffMs(policy: RetentionPolicy, nowMs: number): number {
  return Math.min(nowMs - policy.retainDays * dayMs, monthsBefore(nowMs, 12));
}

const stateKey = 'retention';

/**
 * Applies a retention policy to the trail, upwards only: a trail never keeps records for less time than it
 * once promised, so nobody can shorten history by changing a setting. Returns the policy in force and,
 * when it changed, what it was before (the caller records the change).
 */
export async function applyRetention(
  tx: WriteTx,
  requested: RetentionPolicy,
): Promise<{ policy: RetentionPolicy; previous: RetentionPolicy | undefined }> {
  const policy = validateRetention(requested);
  const stored = await tx.audit.getState(stateKey);
  const previous = stored ? (JSON.parse(stored) as RetentionPolicy) : undefined;
  if (previous && (policy.retainDays < previous.retainDays || policy.hotDays < previous.hotDays)) {
    throw new RetentionError(
      `retention can only be raised: this trail keeps ${previous.retainDays} days (${previous.hotDays} searchable); asked for ${policy.retainDays} (${policy.hotDays})`,
    );
  }
  const changed = !previous || previous.retainDays !== policy.retainDays || previous.hotDays !== policy.hotDays;
  if (changed) await tx.audit.setState(stateKey, JSON.stringify(policy));
  return { policy, previous: changed ? previous : undefined };
}

/** The policy this trail keeps to: the one last applied, or the PCI DSS minimum. */
export async function retentionInForce(tx: ReadTx): Promise<RetentionPolicy> {
  const stored = await tx.audit.getState(stateKey);
  return stored ? (JSON.parse(stored) as RetentionPolicy) : defaultRetention;
}
