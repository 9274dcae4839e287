import type { IncidentRow } from '../storage/index.ts';

export const targetKinds = ['principal', 'queue', 'key', 'function'] as const;
export type TargetKind = (typeof targetKinds)[number];

export interface TimelineEntry {
  time: string;
  event: string;
  detail: string;
}

/** An incident as kept and shown (`pciq incident show`): what was contained, how, and what happened since. */
export interface Incident {
  id: string;
  kind: TargetKind;
  /** The contained resource's ARN. */
  target: string;
  status: 'contained' | 'released';
  reason: string;
  openedAt: string;
  openedBy: string;
  /** `omissions`: what the snapshot leaves out (absent or empty when it holds everything). */
  snapshot: { file: string; sha256: string; keyId: string; omissions?: string[] };
  /** What containment changed, and what it was before (release restores it). */
  containment: { action: string; previous: string | null };
  release: { at: string; by: string; acceptedRisk: string | null; failingRules: string[] } | null;
  timeline: TimelineEntry[];
}

export function incidentRow(incident: Incident, updatedAtMs: number): IncidentRow {
  return {
    id: incident.id,
    kind: incident.kind,
    target: incident.target,
    status: incident.status,
    openedAtMs: Date.parse(incident.openedAt),
    updatedAtMs,
    body: JSON.stringify(incident),
  };
}

export function incidentOf(row: IncidentRow): Incident {
  return JSON.parse(row.body) as Incident;
}
