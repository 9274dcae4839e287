import type { Clock } from '../core/index.ts';
import type { FindingRow, MuteRow, Store } from '../storage/index.ts';
import type { Comparison } from './filters.ts';
import { activeMute, type Mute, muteOf } from './mutelist.ts';

/** A finding as shown and exported: the latest result of one rule on one resource. */
export interface Finding {
  rule: string;
  resource: string;
  resourceType: string;
  status: 'pass' | 'fail';
  severity: string;
  requirements: string[];
  /** The comparisons the rule's filters made, and facts the resource offered. */
  evidence: { comparisons: Comparison[]; description: string; resourceName: string; detail?: string };
  remediation: string;
  muted: Mute | null;
  firstSeenAt: string;
  lastSeenAt: string;
  statusSince: string;
}

export function findingOf(row: FindingRow, mutes: readonly MuteRow[], nowMs: number): Finding {
  const mute = row.status === 'fail' ? activeMute(mutes, row.rule, row.resource, nowMs) : undefined;
  return {
    rule: row.rule,
    resource: row.resource,
    resourceType: row.resourceType,
    status: row.status,
    severity: row.severity,
    requirements: JSON.parse(row.requirements) as string[],
    evidence: JSON.parse(row.evidence) as Finding['evidence'],
    remediation: row.remediation,
    muted: mute ? muteOf(mute) : null,
    firstSeenAt: new Date(row.firstSeenAtMs).toISOString(),
    lastSeenAt: new Date(row.lastSeenAtMs).toISOString(),
    statusSince: new Date(row.statusSinceMs).toISOString(),
  };
}

/** The stored findings with the mutelist applied now. */
export async function loadFindings(store: Store, clock: Clock): Promise<Finding[]> {
  const { rows, mutes } = await store.read(async (tx) => ({
    rows: await tx.compliance.findings(),
    mutes: await tx.compliance.mutes(),
  }));
  const now = clock.now();
  return rows.map((row) => findingOf(row, mutes, now));
}

export const severityRank: Record<string, number> = { critical: 4, high: 3, medium: 2, low: 1, informational: 0 };

/** Failing and unmuted first, by severity; then muted; then passing. */
export function sortFindings(findings: Finding[]): Finding[] {
  const group = (finding: Finding) => (finding.status === 'pass' ? 2 : finding.muted ? 1 : 0);
  return [...findings].sort(
    (a, b) =>
      group(a) - group(b) ||
      (severityRank[b.severity] ?? 0) - (severityRank[a.severity] ?? 0) ||
      a.rule.localeCompare(b.rule) ||
      a.resource.localeCompare(b.resource),
  );
}
