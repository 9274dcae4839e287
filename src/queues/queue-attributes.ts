import { PciqError } from '../core/index.ts';
import { assertValidDataPolicy, dataPolicyAttributeNames } from './data-policy.ts';
import { defaults, limits } from './limits.ts';
import {
  normalizeRedriveAllowPolicy,
  normalizeRedrivePolicy,
  parseRedrivePolicy,
  type RedrivePolicy,
} from './redrive.ts';

/** Attributes a client may set on CreateQueue and SetQueueAttributes. */
const settable = new Set([
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'Policy',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
  ...dataPolicyAttributeNames,
]);
const fifoOnly = new Set(['ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']);
const computed = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
] as const;

/** The incident that quarantined a queue (src/queues/quarantine.ts): readable, never settable by clients. */
export const quarantineAttribute = 'PciqQuarantine';

/** Every name GetQueueAttributes accepts. */
export const readableAttributeNames: ReadonlySet<string> = new Set([
  ...settable,
  ...computed,
  'FifoQueue',
  'All',
  quarantineAttribute,
]);

/** The typed view of a queue's configuration that the engine works with. */
export interface QueueSettings {
  visibilityTimeoutSec: number;
  maximumMessageSize: number;
  retentionSec: number;
  delaySec: number;
  receiveWaitSec: number;
  redrivePolicy: RedrivePolicy | undefined;
  contentBasedDeduplication: boolean;
  deduplicationScope: 'queue' | 'messageGroup';
  fifoThroughputLimit: 'perQueue' | 'perMessageGroupId';
  /** The KMS key that seals the queue's messages: KmsMasterKeyId, else the SQS managed key. */
  kmsKeyRef: string;
  dataKeyReuseSec: number;
}

function invalidValue(name: string, why: string): PciqError {
  return new PciqError('InvalidAttributeValue', `Invalid value for the parameter ${name}: ${why}`);
}

function integerIn(name: string, value: string, min: number, max: number, unit: string): string {
  if (!/^-?\d+$/.test(value.trim())) throw invalidValue(name, `must be an integer from ${min} to ${max}${unit}.`);
  const n = Number(value.trim());
  if (n < min || n > max) throw invalidValue(name, `must be an integer from ${min} to ${max}${unit}.`);
  return String(n);
}

/**
 * The queue type a CreateQueue asks for. SQS decides it by the FifoQueue attribute alone: without
 * FifoQueue=true the queue is standard, whatever its name. The `.fifo` suffix is a rule for FIFO names, so a
 * `.fifo` name without the attribute asks for a standard queue with an invalid name.
 */
export function isFifoRequested(attributes: Record<string, string>): boolean {
  const raw = attributes['FifoQueue'];
  return raw !== undefined && booleanValue('FifoQueue', raw) === 'true';
}

function booleanValue(name: string, value: string): string {
  const lower = value.trim().toLowerCase();
  if (lower !== 'true' && lower !== 'false') throw invalidValue(name, 'must be true or false.');
  return lower;
}

function jsonDocument(name: string, value: string): string {
  if (value === '') return '';
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
  } catch {
    throw invalidValue(name, 'must be a JSON object.');
  }
  return value;
}

/**
 * Validates client-supplied attributes and returns them normalized (integers canonical, booleans lower
 * case, policies canonical JSON). An empty string removes RedrivePolicy, RedriveAllowPolicy, Policy and
 * KmsMasterKeyId, as on SQS. Cross-queue checks of RedrivePolicy are the caller's (they need the store).
 */
export function normalizeQueueAttributes(
  input: Record<string, string>,
  isFifo: boolean,
  operation: 'CreateQueue' | 'SetQueueAttributes',
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(input)) {
    if (name === 'FifoQueue') {
      // On CreateQueue isFifoRequested read it to decide the type. SetQueueAttributes knows it on FIFO queues
      // only (a standard queue has no such attribute), where it may restate the type but not change it.
      if (operation === 'SetQueueAttributes') {
        if (!isFifo) throw new PciqError('InvalidAttributeName', `Unknown Attribute ${name}.`);
        if (booleanValue(name, raw) !== 'true') {
          throw new PciqError(
            'InvalidAttributeValue',
            'Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.',
          );
        }
      }
      continue;
    }
    if (!settable.has(name) || (fifoOnly.has(name) && !isFifo)) {
      throw new PciqError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
    out[name] = normalizeOne(name, raw);
  }
  if (out['FifoThroughputLimit'] === 'perMessageGroupId' && out['DeduplicationScope'] === 'queue') {
    throw invalidValue('FifoThroughputLimit', 'perMessageGroupId requires DeduplicationScope messageGroup.');
  }
  return out;
}

function normalizeOne(name: string, raw: string): string {
  switch (name) {
    case 'DelaySeconds':
      return integerIn(name, raw, 0, limits.maxDelaySec, ' seconds');
    case 'MaximumMessageSize':
      return integerIn(name, raw, limits.minMessageSizeBytes, limits.maxMessageSizeBytes, ' bytes');
    case 'MessageRetentionPeriod':
      return integerIn(name, raw, limits.minRetentionSec, limits.maxRetentionSec, ' seconds');
    case 'ReceiveMessageWaitTimeSeconds':
      return integerIn(name, raw, 0, limits.maxReceiveWaitSec, ' seconds');
    case 'VisibilityTimeout':
      return integerIn(name, raw, 0, limits.maxVisibilityTimeoutSec, ' seconds');
    case 'KmsDataKeyReusePeriodSeconds':
      return integerIn(name, raw, limits.minDataKeyReuseSec, limits.maxDataKeyReuseSec, ' seconds');
    case 'SqsManagedSseEnabled':
    case 'ContentBasedDeduplication':
      return booleanValue(name, raw);
    case 'DeduplicationScope':
      if (raw !== 'queue' && raw !== 'messageGroup') throw invalidValue(name, 'must be queue or messageGroup.');
      return raw;
    case 'FifoThroughputLimit':
      if (raw !== 'perQueue' && raw !== 'perMessageGroupId')
        throw invalidValue(name, 'must be perQueue or perMessageGroupId.');
      return raw;
    case 'RedrivePolicy':
      return raw === '' ? '' : normalizeRedrivePolicy(raw);
    case 'RedriveAllowPolicy':
      return raw === '' ? '' : normalizeRedriveAllowPolicy(raw);
    case 'Policy':
      return jsonDocument(name, raw);
    case 'KmsMasterKeyId':
      if (raw.length > 2048) throw invalidValue(name, 'must be at most 2048 characters.');
      return raw;
    case 'PciqDataPolicy':
    case 'PciqTokenFormat':
    case 'PciqTokenScope':
    case 'PciqAllowedFields':
      if (raw !== '') assertValidDataPolicy(name, raw, 'attribute');
      return raw;
    default:
      throw new PciqError('InvalidAttributeName', `Unknown Attribute ${name}.`);
  }
}

/** Attributes an empty value removes (the data-policy ones too: the queue then follows its tags or the default). */
const removableAttributes = new Set(['RedrivePolicy', 'RedriveAllowPolicy', 'Policy', 'KmsMasterKeyId']);

/**
 * Applies normalized changes to stored attributes: empty strings remove, others replace. pciq encrypts every
 * queue, so turning SQS-managed encryption off is only accepted together with a customer key.
 */
export function applyAttributeChanges(
  current: Record<string, string>,
  changes: Record<string, string>,
): Record<string, string> {
  const next = { ...current };
  for (const [name, value] of Object.entries(changes)) {
    if (value === '' && (removableAttributes.has(name) || dataPolicyAttributeNames.has(name))) delete next[name];
    else next[name] = value;
  }
  const hasCustomerKey = Boolean(next['KmsMasterKeyId']);
  if (next['SqsManagedSseEnabled'] === 'true' && hasCustomerKey && changes['SqsManagedSseEnabled'] === 'true') {
    throw invalidValue(
      'SqsManagedSseEnabled',
      'a queue uses either SQS-managed encryption or a KmsMasterKeyId, not both.',
    );
  }
  if (hasCustomerKey) next['SqsManagedSseEnabled'] = 'false';
  if (next['SqsManagedSseEnabled'] === 'false' && !hasCustomerKey) {
    if (changes['KmsMasterKeyId'] === '') next['SqsManagedSseEnabled'] = 'true';
    else {
      throw invalidValue(
        'SqsManagedSseEnabled',
        'pciq encrypts every queue at rest; to stop using SQS-managed encryption, set a KmsMasterKeyId instead.',
      );
    }
  }
  return next;
}

function intOr(value: string | undefined, fallback: number): number {
  return value === undefined ? fallback : Number(value);
}

export function settingsOf(attributes: Record<string, string>): QueueSettings {
  const redrive = attributes['RedrivePolicy'];
  return {
    visibilityTimeoutSec: intOr(attributes['VisibilityTimeout'], defaults.visibilityTimeoutSec),
    maximumMessageSize: intOr(attributes['MaximumMessageSize'], defaults.maximumMessageSize),
    retentionSec: intOr(attributes['MessageRetentionPeriod'], defaults.retentionSec),
    delaySec: intOr(attributes['DelaySeconds'], defaults.delaySec),
    receiveWaitSec: intOr(attributes['ReceiveMessageWaitTimeSeconds'], defaults.receiveWaitSec),
    redrivePolicy: redrive ? parseRedrivePolicy(redrive) : undefined,
    contentBasedDeduplication: attributes['ContentBasedDeduplication'] === 'true',
    deduplicationScope: attributes['DeduplicationScope'] === 'messageGroup' ? 'messageGroup' : 'queue',
    fifoThroughputLimit: attributes['FifoThroughputLimit'] === 'perMessageGroupId' ? 'perMessageGroupId' : 'perQueue',
    kmsKeyRef: attributes['KmsMasterKeyId'] || sqsManagedKeyAlias,
    dataKeyReuseSec: intOr(attributes['KmsDataKeyReusePeriodSeconds'], defaults.dataKeyReuseSec),
  };
}

/** SqsManagedSseEnabled queues are sealed under the account's AWS managed key for SQS, as on AWS. */
export const sqsManagedKeyAlias = 'alias/aws/sqs';

/** The attributes SQS reports for a queue, stored and defaulted, before the computed ones are added. */
export function effectiveAttributes(attributes: Record<string, string>, isFifo: boolean): Record<string, string> {
  const out: Record<string, string> = {
    VisibilityTimeout: String(defaults.visibilityTimeoutSec),
    MaximumMessageSize: String(defaults.maximumMessageSize),
    MessageRetentionPeriod: String(defaults.retentionSec),
    DelaySeconds: String(defaults.delaySec),
    ReceiveMessageWaitTimeSeconds: String(defaults.receiveWaitSec),
    SqsManagedSseEnabled: 'true',
  };
  if (isFifo) {
    out['FifoQueue'] = 'true';
    out['ContentBasedDeduplication'] = 'false';
    out['DeduplicationScope'] = 'queue';
    out['FifoThroughputLimit'] = 'perQueue';
  }
  Object.assign(out, attributes);
  if (attributes['KmsMasterKeyId'] && !attributes['KmsDataKeyReusePeriodSeconds']) {
    out['KmsDataKeyReusePeriodSeconds'] = String(defaults.dataKeyReuseSec);
  }
  return out;
}

/** The first requested attribute whose value differs from what the queue has (CreateQueue on an existing name). */
export function firstDifferingAttribute(
  requested: Record<string, string>,
  existing: Record<string, string>,
  isFifo: boolean,
): string | undefined {
  const effective = effectiveAttributes(existing, isFifo);
  return Object.keys(requested).find((name) => (effective[name] ?? '') !== requested[name]);
}
