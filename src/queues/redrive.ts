import { PciqError, parseQueueArn } from '../core/index.ts';
import { limits } from './limits.ts';

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

export type RedriveAllowPolicy =
  | { redrivePermission: 'allowAll' }
  | { redrivePermission: 'denyAll' }
  | { redrivePermission: 'byQueue'; sourceQueueArns: string[] };

/**
 * SQS refuses a malformed RedrivePolicy or RedriveAllowPolicy with InvalidParameterValue ("Value … for parameter
 * RedrivePolicy is invalid. Reason: …"), not the InvalidAttributeValue of the other attributes; clients that
 * branch on the code see the same one as for a dead-letter queue that does not exist. The value is not repeated:
 * it is whatever the client sent, not yet known to be a policy.
 */
function invalid(name: string, why: string): PciqError {
  return new PciqError('InvalidParameterValue', `Value for parameter ${name} is invalid. Reason: ${why}`);
}

function parseObject(name: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(name, 'must be a JSON object.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(name, 'must be a JSON object.');
  return value as Record<string, unknown>;
}

/** Accepts maxReceiveCount as number or numeric string (clients send both); returns canonical JSON. */
export function normalizeRedrivePolicy(text: string): string {
  const value = parseObject('RedrivePolicy', text);
  const unknown = Object.keys(value).filter((key) => key !== 'deadLetterTargetArn' && key !== 'maxReceiveCount');
  if (unknown.length > 0) throw invalid('RedrivePolicy', `unknown field ${unknown[0]}.`);
  for (const key of ['deadLetterTargetArn', 'maxReceiveCount']) {
    if (value[key] === undefined)
      throw invalid('RedrivePolicy', `Redrive policy does not contain mandatory attribute: ${key}.`);
  }
  const arn = value['deadLetterTargetArn'];
  if (typeof arn !== 'string' || !parseQueueArn(arn)) {
    throw invalid('RedrivePolicy', 'deadLetterTargetArn must be the ARN of a queue.');
  }
  const raw = value['maxReceiveCount'];
  const count = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > limits.maxReceiveCount) {
    throw invalid(
      'RedrivePolicy',
      `Invalid value for maxReceiveCount, valid values are from 1 to ${limits.maxReceiveCount} both inclusive.`,
    );
  }
  return JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: count });
}

export function parseRedrivePolicy(canonical: string): RedrivePolicy {
  return JSON.parse(canonical) as RedrivePolicy;
}

/** Whether a queue's RedrivePolicy names `dlqArn` as its dead-letter queue. */
export function namesAsDeadLetterQueue(attributes: Record<string, string>, dlqArn: string): boolean {
  const redrive = attributes['RedrivePolicy'];
  return redrive !== undefined && parseRedrivePolicy(redrive).deadLetterTargetArn === dlqArn;
}

export function normalizeRedriveAllowPolicy(text: string): string {
  const value = parseObject('RedriveAllowPolicy', text);
  const permission = value['redrivePermission'];
  const arns = value['sourceQueueArns'];
  if (permission !== 'allowAll' && permission !== 'denyAll' && permission !== 'byQueue') {
    throw invalid('RedriveAllowPolicy', 'redrivePermission must be allowAll, denyAll or byQueue.');
  }
  if (permission !== 'byQueue') {
    if (arns !== undefined) throw invalid('RedriveAllowPolicy', 'sourceQueueArns is only allowed with byQueue.');
    return JSON.stringify({ redrivePermission: permission });
  }
  if (
    !Array.isArray(arns) ||
    arns.length === 0 ||
    arns.length > limits.maxRedriveAllowSourceArns ||
    !arns.every((arn) => typeof arn === 'string' && parseQueueArn(arn))
  ) {
    throw invalid(
      'RedriveAllowPolicy',
      `byQueue needs sourceQueueArns with 1 to ${limits.maxRedriveAllowSourceArns} queue ARNs.`,
    );
  }
  return JSON.stringify({ redrivePermission: permission, sourceQueueArns: arns });
}

export function parseRedriveAllowPolicy(canonical: string | undefined): RedriveAllowPolicy {
  if (!canonical) return { redrivePermission: 'allowAll' };
  return JSON.parse(canonical) as RedriveAllowPolicy;
}

/** May a queue with ARN `sourceArn` use a dead-letter queue whose RedriveAllowPolicy is `policy`? */
export function allowsSource(policy: RedriveAllowPolicy, sourceArn: string): boolean {
  switch (policy.redrivePermission) {
    case 'allowAll':
      return true;
    case 'denyAll':
      return false;
    case 'byQueue':
      return policy.sourceQueueArns.includes(sourceArn);
  }
}
