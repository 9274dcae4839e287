export { type Incident, type TargetKind, type TimelineEntry, targetKinds } from './incident.ts';
export { quarantineAction } from './quarantine-action.ts';
export { type IncidentContext, IncidentError, IncidentService } from './service.ts';
export { type ForensicSnapshot, type SnapshotVerification, snapshotSigningKey, verifySnapshot } from './snapshot.ts';
