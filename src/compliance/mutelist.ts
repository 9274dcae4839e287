import type { MuteRow } from '../storage/index.ts';

/**
 * The mutelist (Prowler's word): findings an owner has accepted for a reason, until an expiry date, so
 * false positives and accepted risks do not drown the real ones. Muted findings stay in every view and
 * report, marked as muted; an expired mute no longer applies.
 */
export interface Mute {
  rule: string;
  resource: string;
  reason: string;
  owner: string;
  expiresAt: string;
  createdAt: string;
  createdBy: string;
}

export function muteOf(row: MuteRow): Mute {
  return {
    rule: row.rule,
    resource: row.resource,
    reason: row.reason,
    owner: row.owner,
    expiresAt: new Date(row.expiresAtMs).toISOString(),
    createdAt: new Date(row.createdAtMs).toISOString(),
    createdBy: row.createdBy,
  };
}

function globMatches(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(value);
}

/** The mute in force for a finding at `nowMs`, if any. */
export function activeMute(
  mutes: readonly MuteRow[],
  rule: string,
  resource: string,
  nowMs: number,
): MuteRow | undefined {
  return mutes.find(
    (mute) =>
      mute.expiresAtMs > nowMs && (mute.rule === '*' || mute.rule === rule) && globMatches(mute.resource, resource),
  );
}
