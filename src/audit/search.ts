import { invalidParameter } from '../core/index.ts';
import type { AuditSearchFilter, Store } from '../storage/index.ts';
import type { AuditRecord } from './record.ts';
import { unreadableRecord } from './stored-record.ts';
import type { AuditTrail } from './trail.ts';
import { examineRecord } from './verify/record-examiner.ts';

/** A search as callers ask it: the store's filter, with an opaque page token instead of a position. */
export type SearchQuery = Omit<AuditSearchFilter, 'afterSeq' | 'limit'> & { limit?: number; nextToken?: string };

export interface FoundRecord {
  record: AuditRecord;
  /** False when the stored record does not match its hash or MAC: run `pciq audit verify`. */
  isIntact: boolean;
}

export interface SearchPage {
  records: FoundRecord[];
  nextToken?: string;
}

export const maxSearchLimit = 1_000;
const defaultLimit = 100;

function decodeToken(token: string): number {
  const text = /^[A-Za-z0-9_-]{1,24}$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  const match = /^after:(\d{1,15})$/.exec(text);
  if (!match) throw invalidParameter('The NextToken is not one this endpoint issued.');
  return Number(match[1]);
}

function encodeToken(seq: number): string {
  return Buffer.from(`after:${seq}`, 'utf8').toString('base64url');
}

/** Checks a query at the edge; messages say what is wrong without echoing long input. */
export function validateSearchQuery(query: SearchQuery): AuditSearchFilter {
  const limit = query.limit ?? defaultLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxSearchLimit) {
    throw invalidParameter(`The limit must be a whole number from 1 to ${maxSearchLimit}.`);
  }
  for (const [name, value] of [
    ['from', query.fromMs],
    ['to', query.toMs],
  ] as const) {
    if (value !== undefined && !Number.isFinite(value)) throw invalidParameter(`The ${name} time is not a valid time.`);
  }
  if (query.fromMs !== undefined && query.toMs !== undefined && query.fromMs > query.toMs) {
    throw invalidParameter('The from time is after the to time.');
  }
  if (query.outcome !== undefined && query.outcome !== 'success' && query.outcome !== 'failure') {
    throw invalidParameter('The outcome must be success or failure.');
  }
  const filter: AuditSearchFilter = { limit };
  if (query.fromMs !== undefined) filter.fromMs = query.fromMs;
  if (query.toMs !== undefined) filter.toMs = query.toMs;
  for (const key of ['principal', 'eventType', 'resource', 'sourceIp', 'requestId'] as const) {
    const value = query[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length === 0 || value.length > 2048) {
      throw invalidParameter(`The ${key} filter must be a non-empty string of at most 2048 characters.`);
    }
    filter[key] = value;
  }
  if (query.outcome !== undefined) filter.outcome = query.outcome;
  if (query.nextToken !== undefined) filter.afterSeq = decodeToken(query.nextToken);
  return filter;
}

/**
 * Searches the hot tier (the last months, PCI DSS 10.5.1 "immediately available"), oldest first. Each
 * record is checked against its hash and MAC on the way out, so a reader sees when one was altered.
 */
export async function searchRecords(store: Store, trail: AuditTrail, query: SearchQuery): Promise<SearchPage> {
  const filter = validateSearchQuery(query);
  const rows = await store.read((tx) => tx.audit.search({ ...filter, limit: filter.limit + 1 }));
  const page = rows.slice(0, filter.limit);
  const records = page.map((row) => {
    const examination = examineRecord(row, undefined, (hash, mac) => trail.isAuthentic(hash, mac));
    return {
      record: examination.record ?? unreadableRecord(row.seq, row.timeMs),
      isIntact: examination.problems.length === 0,
    };
  });
  const result: SearchPage = { records };
  if (rows.length > filter.limit) result.nextToken = encodeToken(page[page.length - 1]!.seq);
  return result;
}
