import { type RecordCategory, recordCategories } from '../record.ts';
import { unknownFields } from '../unknown-fields.ts';

/**
 * Review rules are data (PCI DSS 10.4.1.1: automated mechanisms review the logs). Operators change them in
 * the audit configuration, not in code; `pciq audit rules` prints the defaults to start from.
 */
export const severities = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

/** Conditions on a record; all given must hold, and a list matches any of its values. */
export interface RecordMatch {
  /** Event types; a trailing `*` matches a prefix, e.g. `iam:*`. */
  type?: string[];
  category?: RecordCategory[];
  kind?: 'request' | 'event';
  outcome?: 'success' | 'failure';
  /** Error codes, e.g. SignatureDoesNotMatch. */
  error?: string[];
}

/**
 * What records are grouped by. `actor.identity` is the principal with a role's sessions taken as their role:
 * whoever may assume a role names its sessions at will, so a count per session would start afresh with each.
 */
export const groupFields = ['origin.ip', 'actor.principal', 'actor.identity', 'actor.accessKeyId', 'resource'] as const;
export type GroupField = (typeof groupFields)[number];

interface RuleBase {
  id: string;
  description: string;
  severity: Severity;
  match: RecordMatch;
  /** After an alert, the same rule stays quiet this long for the same group. */
  cooldownSec?: number;
}

/** Every matching record raises an alert (privilege changes, key deletion, audit failures). */
export interface EachRule extends RuleBase {
  kind: 'each';
}

/** `threshold` matching records from one group within `windowSec` (repeated failed attempts). */
export interface ThresholdRule extends RuleBase {
  kind: 'threshold';
  groupBy: GroupField;
  threshold: number;
  windowSec: number;
}

/** A window with `factor` times the average of the `baselineWindows` before it, and at least `minCount`. */
export interface SpikeRule extends RuleBase {
  kind: 'spike';
  groupBy: GroupField;
  windowSec: number;
  baselineWindows: number;
  factor: number;
  minCount: number;
}

/**
 * Activity in an hour of the day (UTC) that holds less than `maxShare` of a principal's history, once the
 * history spans `learningDays` and `minHistory` records.
 */
export interface UnusualHoursRule extends RuleBase {
  kind: 'unusual-hours';
  groupBy: GroupField;
  learningDays: number;
  minHistory: number;
  maxShare: number;
}

export type ReviewRule = EachRule | ThresholdRule | SpikeRule | UnusualHoursRule;

const failedAuthentication = [
  'SignatureDoesNotMatch',
  'InvalidClientTokenId',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'SignatureExpired',
  'RequestExpired',
  'ExpiredToken',
  // A TLS handshake refused for the client certificate, under mutual TLS.
  'ClientCertificateRefused',
];

/** The rules pciq ships with (the list; PCI DSS 8.3.4, 10.2.1.x, 10.4.1.1, 10.7.2). */
export const defaultRules: readonly ReviewRule[] = [
  {
    id: 'brute-force-origin',
    description: 'Repeated failed signatures or unknown keys from one source address (PCI DSS 8.3.4, 10.2.1.4)',
    severity: 'high',
    kind: 'threshold',
    match: { outcome: 'failure', error: failedAuthentication },
    groupBy: 'origin.ip',
    threshold: 10,
    windowSec: 300,
    cooldownSec: 300,
  },
  {
    // A scanner, a client stuck reconnecting, or a denial-of-service attempt: connections refused before a
    // request is read (no signature to fail). A flood writes its first refusals and then summaries that
    // count as the connections they stand for, so 100 is reached however the flood was recorded.
    id: 'connection-flood-origin',
    description:
      'Many connections refused before a request (TLS handshake, malformed HTTP) from one source address (PCI DSS 10.2.1.4, 10.4.1)',
    severity: 'medium',
    kind: 'threshold',
    match: { type: ['pciq:TlsHandshake', 'pciq:HttpRequest'], outcome: 'failure' },
    groupBy: 'origin.ip',
    threshold: 100,
    windowSec: 300,
    cooldownSec: 900,
  },
  {
    id: 'brute-force-principal',
    description: 'Repeated failed signatures against one principal (PCI DSS 8.3.4, 10.2.1.4)',
    severity: 'high',
    kind: 'threshold',
    match: { outcome: 'failure', error: failedAuthentication },
    groupBy: 'actor.identity',
    threshold: 10,
    windowSec: 300,
    cooldownSec: 300,
  },
  {
    id: 'failed-logins',
    description: 'Repeated failed logins of one principal (PCI DSS 8.3.4)',
    severity: 'high',
    kind: 'threshold',
    match: { type: ['iam:Login'], outcome: 'failure' },
    groupBy: 'actor.principal',
    threshold: 10,
    windowSec: 900,
    cooldownSec: 900,
  },
  {
    id: 'failed-logins-origin',
    // Password spraying and user name guessing: one attempt per user stays under the lockout and under
    // failed-logins, and an unknown user's attempt names no principal at all.
    description:
      'Repeated failed logins from one source address, whichever user names they try (PCI DSS 8.3.4, 10.2.1.4)',
    severity: 'high',
    kind: 'threshold',
    match: { type: ['iam:Login'], outcome: 'failure' },
    groupBy: 'origin.ip',
    threshold: 10,
    windowSec: 900,
    cooldownSec: 900,
  },
  {
    id: 'access-denied',
    description: 'Repeated authorization failures of one principal (PCI DSS 10.2.1.4)',
    severity: 'medium',
    kind: 'threshold',
    // IAM records one iam:AccessDenied event per refusal, inside requests or not (the request's own record
    // says AccessDenied too; counting both would halve the threshold).
    match: { kind: 'event', type: ['iam:AccessDenied'], outcome: 'failure' },
    groupBy: 'actor.identity',
    threshold: 10,
    windowSec: 300,
    cooldownSec: 300,
  },
  {
    id: 'detokenization-spike',
    description: 'Detokenization volume of one principal far above its usual level (PCI DSS 10.2.1.1)',
    severity: 'high',
    kind: 'spike',
    match: { type: ['vault:Detokenize'], outcome: 'success' },
    groupBy: 'actor.identity',
    windowSec: 300,
    baselineWindows: 12,
    factor: 5,
    minCount: 50,
  },
  {
    id: 'unusual-hours',
    description: "Access to data outside a principal's usual hours",
    severity: 'medium',
    kind: 'unusual-hours',
    match: { kind: 'request', category: ['data', 'token', 'key', 'iam'], outcome: 'success' },
    groupBy: 'actor.identity',
    learningDays: 14,
    minHistory: 200,
    maxShare: 0.01,
    cooldownSec: 3600,
  },
  {
    id: 'privilege-change',
    description:
      'A change to principals, groups, tags, access keys, passwords, lockouts, policies or MFA (PCI DSS 10.2.1.2, 10.2.1.5)',
    severity: 'medium',
    kind: 'each',
    // IAM records an event for every change, made through the API or by `pciq iam`: one alert per change.
    match: {
      kind: 'event',
      type: [
        'iam:Create*',
        'iam:Delete*',
        'iam:Update*',
        'iam:Put*',
        'iam:Attach*',
        'iam:Detach*',
        'iam:AddUserToGroup',
        'iam:RemoveUserFromGroup',
        // Tags are privileges where policies test aws:PrincipalTag (attribute-based access control).
        'iam:Tag*',
        'iam:Untag*',
        // A person's own new password, and an administrator lifting a lockout (PCI DSS 8.3.4).
        'iam:ChangePassword',
        'iam:UnlockLogin',
        'iam:EnableMfaDevice',
        'iam:DeactivateMfaDevice',
        'iam:SetDefaultPolicyVersion',
      ],
      outcome: 'success',
    },
  },
  {
    id: 'queue-permission-change',
    description: "A change to a queue's resource policy through AddPermission or RemovePermission (PCI DSS 7.2.2)",
    severity: 'medium',
    kind: 'each',
    match: { kind: 'request', type: ['sqs:AddPermission', 'sqs:RemovePermission'], outcome: 'success' },
  },
  {
    id: 'key-disabled-or-deleted',
    description: 'A key disabled, scheduled for deletion or destroyed (PCI DSS 3.7)',
    severity: 'high',
    kind: 'each',
    // Key events, whichever path made the change (KMS API, `pciq keys`, the scheduled deletion).
    match: { type: ['kms:KeyDisabled', 'kms:KeyDeletionScheduled', 'kms:KeyMaterialDestroyed'] },
  },
  {
    id: 'audit-verification-failed',
    description: 'The audit trail failed verification: records altered, removed or inserted (PCI DSS 10.3.4)',
    severity: 'critical',
    kind: 'each',
    match: { type: ['audit:VerifyTrail'], outcome: 'failure' },
  },
  {
    id: 'audit-logging-stopped',
    description: 'Audit logging stopped, or was found interrupted (PCI DSS 10.2.1.6, 10.7.2)',
    severity: 'high',
    kind: 'each',
    match: { type: ['pciq:AuditLogStopped', 'pciq:AuditLogInterrupted'] },
  },
];

/** A rule set that is not valid; the message names the rule and the field. */
export class RuleError extends Error {}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string' && item.length > 0);
}

function wholeNumber(rule: string, name: string, value: unknown, min: number): number {
  if (!Number.isInteger(value) || (value as number) < min) {
    throw new RuleError(`rule ${rule}: ${name} must be a whole number of at least ${min}`);
  }
  return value as number;
}

function parseMatch(rule: string, value: unknown): RecordMatch {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RuleError(`rule ${rule}: match must be an object`);
  }
  const raw = value as Record<string, unknown>;
  const unknown = unknownFields(raw, ['type', 'category', 'kind', 'outcome', 'error']);
  if (unknown.length > 0) throw new RuleError(`rule ${rule}: match has unknown fields ${unknown.join(', ')}`);
  const match: RecordMatch = {};
  for (const key of ['type', 'error'] as const) {
    if (raw[key] === undefined) continue;
    if (!isStringList(raw[key])) throw new RuleError(`rule ${rule}: match.${key} must be a non-empty list of strings`);
    match[key] = raw[key];
  }
  if (raw.category !== undefined) {
    if (
      !isStringList(raw.category) ||
      !raw.category.every((c) => (recordCategories as readonly string[]).includes(c))
    ) {
      throw new RuleError(`rule ${rule}: match.category must list categories among ${recordCategories.join(', ')}`);
    }
    match.category = raw.category as RecordCategory[];
  }
  if (raw.kind !== undefined) {
    if (raw.kind !== 'request' && raw.kind !== 'event')
      throw new RuleError(`rule ${rule}: match.kind is request or event`);
    match.kind = raw.kind;
  }
  if (raw.outcome !== undefined) {
    if (raw.outcome !== 'success' && raw.outcome !== 'failure') {
      throw new RuleError(`rule ${rule}: match.outcome is success or failure`);
    }
    match.outcome = raw.outcome;
  }
  return match;
}

const baseFields = ['id', 'description', 'severity', 'kind', 'match', 'cooldownSec'];
const groupedFields = [...baseFields, 'groupBy'];

/** The fields each kind of rule takes. */
const fieldsOfKind: Record<ReviewRule['kind'], readonly string[]> = {
  each: baseFields,
  threshold: [...groupedFields, 'threshold', 'windowSec'],
  spike: [...groupedFields, 'windowSec', 'baselineWindows', 'factor', 'minCount'],
  'unusual-hours': [...groupedFields, 'learningDays', 'minHistory', 'maxShare'],
};

/** Validates a rule set read from configuration. */
export function parseRules(value: unknown): ReviewRule[] {
  if (!Array.isArray(value)) throw new RuleError('rules must be a list');
  const seen = new Set<string>();
  return value.map((item, index) => {
    if (typeof item !== 'object' || item === null) throw new RuleError(`rule ${index + 1} must be an object`);
    const raw = item as Record<string, unknown>;
    const id = raw.id;
    if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(id)) {
      throw new RuleError(`rule ${index + 1}: id must be 1 to 64 lowercase letters, digits and dashes`);
    }
    if (seen.has(id)) throw new RuleError(`rule ${id} is defined twice`);
    seen.add(id);
    const fields = Object.hasOwn(fieldsOfKind, String(raw.kind))
      ? fieldsOfKind[raw.kind as ReviewRule['kind']]
      : undefined;
    const unknown = fields ? unknownFields(raw, fields) : [];
    if (unknown.length > 0) {
      throw new RuleError(
        `rule ${id}: unknown fields ${unknown.join(', ')}; a rule of kind ${String(raw.kind)} takes ${fields!.join(', ')}`,
      );
    }
    if (!(severities as readonly unknown[]).includes(raw.severity)) {
      throw new RuleError(`rule ${id}: severity must be one of ${severities.join(', ')}`);
    }
    const base = {
      id,
      description: typeof raw.description === 'string' ? raw.description : id,
      severity: raw.severity as Severity,
      match: parseMatch(id, raw.match),
      ...(raw.cooldownSec === undefined ? {} : { cooldownSec: wholeNumber(id, 'cooldownSec', raw.cooldownSec, 0) }),
    };
    const groupBy = () => {
      if (!(groupFields as readonly unknown[]).includes(raw.groupBy)) {
        throw new RuleError(`rule ${id}: groupBy must be one of ${groupFields.join(', ')}`);
      }
      return raw.groupBy as GroupField;
    };
    switch (raw.kind) {
      case 'each':
        return { ...base, kind: 'each' };
      case 'threshold':
        return {
          ...base,
          kind: 'threshold',
          groupBy: groupBy(),
          threshold: wholeNumber(id, 'threshold', raw.threshold, 1),
          windowSec: wholeNumber(id, 'windowSec', raw.windowSec, 1),
        };
      case 'spike':
        return {
          ...base,
          kind: 'spike',
          groupBy: groupBy(),
          windowSec: wholeNumber(id, 'windowSec', raw.windowSec, 1),
          baselineWindows: wholeNumber(id, 'baselineWindows', raw.baselineWindows, 1),
          factor: positive(id, 'factor', raw.factor),
          minCount: wholeNumber(id, 'minCount', raw.minCount, 1),
        };
      case 'unusual-hours': {
        const maxShare = positive(id, 'maxShare', raw.maxShare);
        if (maxShare >= 1) throw new RuleError(`rule ${id}: maxShare must be below 1`);
        return {
          ...base,
          kind: 'unusual-hours',
          groupBy: groupBy(),
          learningDays: wholeNumber(id, 'learningDays', raw.learningDays, 1),
          minHistory: wholeNumber(id, 'minHistory', raw.minHistory, 1),
          maxShare,
        };
      }
      default:
        throw new RuleError(`rule ${id}: kind must be each, threshold, spike or unusual-hours`);
    }
  });
}

function positive(rule: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RuleError(`rule ${rule}: ${name} must be a positive number`);
  }
  return value;
}
