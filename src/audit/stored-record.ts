import type { AuditRecordRow } from '../storage/index.ts';
import type { AuditRecord } from './record.ts';

/** A record as the store keeps it: its body and hashes, and the columns search and verification read. */
export function storedRowOf(
  record: AuditRecord,
  stored: { seq: number; body: string; hash: Uint8Array; mac: string },
): AuditRecordRow {
  return {
    seq: stored.seq,
    timeMs: Date.parse(record.time),
    eventType: record.type,
    outcome: record.outcome,
    principal: record.actor.principal,
    sourceIp: record.origin.ip,
    resource: record.resource,
    requestId: record.requestId,
    body: stored.body,
    hash: stored.hash,
    mac: stored.mac,
  };
}

/**
 * Stands in for a stored body that is no longer a record (altered): search shows it flagged rather than
 * hiding it, and review moves past it. Its type is one the review rules never look at.
 */
export function unreadableRecord(seq: number, timeMs: number): AuditRecord {
  return {
    v: 1,
    seq,
    prev: '',
    time: new Date(timeMs).toISOString(),
    clock: '',
    kind: 'event',
    type: 'audit:Unreadable',
    category: 'audit',
    outcome: 'failure',
    error: null,
    requestId: null,
    actor: { principal: null, accessKeyId: null, accountId: null },
    origin: { ip: null, userAgent: null, tls: null, clientCertificate: null, node: '' },
    resource: null,
    data: null,
    details: null,
  };
}
