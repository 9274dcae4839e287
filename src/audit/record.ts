import { digitRunText, mayHoldSadPhrase, redactCardData } from '../core/index.ts';

/**
 * What a record says about an event: the PCI DSS 10.2.2 fields (user identification, type of event, date
 * and time, success or failure, origination, identity or name of affected data, component or resource),
 * plus the request id and the clock the time came from (10.6). Never cardholder data, secrets, token
 * values, receipt handles or message bodies: identities are ids pciq generated, or keyed hashes.
 */
export const recordCategories = [
  /** Message traffic: send, receive, delete, change visibility. */
  'data',
  /** Queue configuration: create, delete, attributes, tags, purge, move tasks. */
  'management',
  /** Reading or exporting the audit trail, verification, archive, purge, alerts (10.2.1.3). */
  'audit',
  /** Start and stop of the server and of audit logging (10.2.1.6). */
  'system',
  /** Key lifecycle and usage (3.6, 3.7). */
  'key',
  /** Principals, access keys, policies, MFA (10.2.1.2, 10.2.1.5). */
  'iam',
  /** Tokenization and detokenization (10.2.1.1). */
  'token',
] as const;

export type RecordCategory = (typeof recordCategories)[number];

/** A request record (one per API request) or an event record (an administrative or security event). */
export type RecordKind = 'request' | 'event';

export type Outcome = 'success' | 'failure';

/** 10.2.2 user identification. For failed authentication, the access key id the request claimed. */
export interface Actor {
  principal: string | null;
  accessKeyId: string | null;
  accountId: string | null;
}

/** 10.2.2 origination. */
export interface Origin {
  ip: string | null;
  userAgent: string | null;
  /** TLS protocol negotiated, or null for plain HTTP (loopback only) and local commands. */
  tls: string | null;
  /** SHA-256 fingerprint of the TLS client certificate, when the client presented one. */
  clientCertificate: string | null;
  /** The pciq node (host name) that wrote the record. */
  node: string;
}

/** 10.2.2 identity of affected data: ids pciq generated (message ids), never content. */
export interface AffectedData {
  messageIds?: string[];
  /** How many items were affected when they are too many to list (or have no id). */
  count?: number;
}

export type DetailValue = string | number | boolean | null;

export interface AuditRecord {
  v: 1;
  seq: number;
  /** Leaf hash of the previous record, hex; 64 zeros for the first record of the log. */
  prev: string;
  /** ISO 8601, UTC, milliseconds. */
  time: string;
  clock: string;
  kind: RecordKind;
  type: string;
  category: RecordCategory;
  outcome: Outcome;
  /** The error code of a failure (e.g. SignatureDoesNotMatch); never an error message, which may echo input. */
  error: string | null;
  requestId: string | null;
  actor: Actor;
  origin: Origin;
  resource: string | null;
  data: AffectedData | null;
  details: Record<string, DetailValue> | null;
}

/**
 * How many occurrences of its event a record stands for: one, or for a summary of many alike (a flood of
 * refused connections from one address, recorded once with its count so that it cannot flood the trail),
 * its `details.occurrences`. Review rules count a record as this many.
 */
export function occurrencesOf(record: Pick<AuditRecord, 'details'>): number {
  const value = record.details?.['occurrences'];
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 1 ? value : 1;
}

/** What a writer supplies; the trail adds position, chain link, time and clock source. */
export type RecordDraft = Omit<AuditRecord, 'v' | 'seq' | 'prev' | 'time' | 'clock'> & {
  /**
   * Details whose values pciq computed as hex digests (SHA-256 of a state or snapshot, a key fingerprint):
   * kept whole when they are 64 hex digits. One in ten such digests holds a run of 13 digits, which the
   * card-number mask would cut out of the very value a verifier compares.
   */
  digestKeys?: readonly string[];
};

export const genesisPrev = '0'.repeat(64);

const maxTextLength = 256;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const controlCharacters = /[\u0000-\u001f\u007f]/g;
/** Control characters, or a run of 13 or more digits (as `maskDigitRuns` masks them). */
const needsCleaning = new RegExp(`[\\u0000-\\u001f\\u007f]|${digitRunText}`, 'u');
const maxListedIds = 20;
const idPattern = /^[A-Za-z0-9._:/+=@-]{1,128}$/;

/**
 * Client-supplied text (user agents, claimed key ids, names in resources) goes through here: bounded,
 * control characters removed, card-number-shaped digit runs masked and SAD phrases (`cvv 123`) dropped, as
 * error messages are (PCI DSS 3.3, 3.4).
 */
export function safeText(value: string | null | undefined, maxLength = maxTextLength): string | null {
  if (value === null || value === undefined) return null;
  // Most text is clean: cheap tests instead of the rewrites keep recording cheap on the request path.
  const cleaned =
    needsCleaning.test(value) || mayHoldSadPhrase(value)
      ? redactCardData(value.replace(controlCharacters, ' '))
      : value;
  return cleaned.length > maxLength ? `${cleaned.slice(0, maxLength)}…` : cleaned;
}

const hexDigest = /^[0-9a-f]{64}$/;

function safeDetails(
  details: Record<string, DetailValue> | null,
  digestKeys: readonly string[] = [],
): Record<string, DetailValue> | null {
  if (!details) return null;
  const out: Record<string, DetailValue> = {};
  for (const [key, value] of Object.entries(details)) {
    const name = safeText(key, 64)!;
    const isDigest = digestKeys.includes(key) && typeof value === 'string' && hexDigest.test(value);
    out[name] = typeof value === 'string' && !isDigest ? safeText(value) : value;
  }
  return out;
}

/** Ids that a module reports (not ones pciq generated): kept only if id-shaped, at most as many as are listed. */
export function checkedData(data: AffectedData | null | undefined): AffectedData | null {
  if (!data) return null;
  const ids = (data.messageIds ?? []).filter((id) => typeof id === 'string' && idPattern.test(id));
  const out: AffectedData = {};
  if (ids.length > 0) out.messageIds = ids;
  if (Number.isSafeInteger(data.count)) out.count = data.count!;
  return out.messageIds || out.count !== undefined ? out : null;
}

function listedData(data: AffectedData | null): AffectedData | null {
  if (!data?.messageIds || data.messageIds.length <= maxListedIds) return data;
  return { messageIds: data.messageIds.slice(0, maxListedIds), count: data.count ?? data.messageIds.length };
}

/**
 * The canonical form of a record: keys in this fixed order, no whitespace. Its UTF-8 bytes are what the
 * chain hashes and what is stored, so verification never depends on re-serializing. Text a client can
 * choose (event type, principal and key claimed, user agent, resource, error, details) goes through
 * `safeText`; the origin's address and TLS facts come from the connection, message ids are pciq's own
 * (ids reported by other modules are checked where they enter, by `checkedData`), and the clock source
 * and node name are the trail's, checked once.
 */
export function encodeRecord(
  draft: RecordDraft,
  position: { seq: number; prev: string; timeMs: number; clock: string },
): { record: AuditRecord; body: string } {
  const { actor, origin } = draft;
  const record: AuditRecord = {
    v: 1,
    seq: position.seq,
    prev: position.prev,
    time: new Date(position.timeMs).toISOString(),
    clock: position.clock,
    kind: draft.kind,
    type: safeText(draft.type, 128)!,
    category: draft.category,
    outcome: draft.outcome,
    error: safeText(draft.error, 64),
    requestId: draft.requestId,
    actor: {
      principal: safeText(actor.principal),
      accessKeyId: safeText(actor.accessKeyId, 128),
      accountId: actor.accountId,
    },
    origin: {
      ip: origin.ip,
      userAgent: safeText(origin.userAgent),
      tls: origin.tls,
      clientCertificate: origin.clientCertificate,
      node: origin.node,
    },
    resource: safeText(draft.resource),
    data: listedData(draft.data),
    details: safeDetails(draft.details, draft.digestKeys),
  };
  return { record, body: JSON.stringify(record) };
}

/** A stored body read back; throws when it is not a record this version writes. */
export function parseRecord(body: string): AuditRecord {
  const value = JSON.parse(body) as AuditRecord;
  if (
    typeof value !== 'object' ||
    value === null ||
    value.v !== 1 ||
    !Number.isSafeInteger(value.seq) ||
    typeof value.prev !== 'string' ||
    typeof value.time !== 'string' ||
    typeof value.type !== 'string' ||
    (value.outcome !== 'success' && value.outcome !== 'failure') ||
    typeof value.actor !== 'object' ||
    typeof value.origin !== 'object'
  ) {
    throw new Error('not an audit record of format 1');
  }
  return value;
}
