import { isPciqError, parseQueueArn, type QueueAddress } from '../../core/index.ts';
import type { ActionContext, ManagedState, RemediationAction } from '../action.ts';
import { withoutWildcardStatements } from '../policy-statements.ts';
import { defaultRetentionNeedSec, retentionNeedOf, retentionNeedTag } from '../resources/queues.ts';

function addressOf(arn: string): QueueAddress {
  const parsed = parseQueueArn(arn);
  if (!parsed) throw new Error(`${arn} is not a queue ARN`);
  return { accountId: parsed.accountId, name: parsed.name };
}

async function attributesOf(arn: string, context: ActionContext, names: string[]): Promise<Record<string, string>> {
  return context.queues.getQueueAttributes(addressOf(arn), names);
}

/** Sets a queue attribute to a value, or removes it (empty string), as SetQueueAttributes does. */
async function writeAttribute(arn: string, name: string, value: unknown, context: ActionContext): Promise<void> {
  await context.queues.setQueueAttributes(addressOf(arn), {
    [name]: value === null || value === undefined ? '' : String(value),
  });
}

function requireString(parameters: Record<string, unknown>, name: string): void {
  if (typeof parameters[name] !== 'string' || parameters[name] === '')
    throw new Error(`parameter ${name} must be text`);
}

/** Seals a queue's new messages under a customer key (PCI DSS 3.5.1, 3.6.1), creating the key when asked. */
export const setCustomerKeyAction: RemediationAction = {
  type: 'set-customer-key',
  resourceTypes: ['queue'],
  description: 'Sets KmsMasterKeyId to the customer key `key` (created with yearly rotation if `create` is true)',
  isReversible: true,
  checkParameters(parameters) {
    requireString(parameters, 'key');
    if (!String(parameters.key).startsWith('alias/') && !/^[0-9a-f-]{36}$/.test(String(parameters.key))) {
      throw new Error('parameter key must be an alias (alias/…) or a key id');
    }
  },
  async read(resource, context) {
    const attributes = await attributesOf(resource.id, context, ['KmsMasterKeyId']);
    return { KmsMasterKeyId: attributes['KmsMasterKeyId'] ?? null };
  },
  async propose(resource, parameters, context) {
    const before = await this.read(resource, context);
    const key = String(parameters.key);
    if (before.KmsMasterKeyId === key) return undefined;
    return {
      description: `seal new messages of ${resource.name} under ${key}`,
      before,
      after: { KmsMasterKeyId: key, createKey: parameters.create === true },
    };
  },
  async write(resource, state, context) {
    const key = state.KmsMasterKeyId as string | null;
    if (key && state.createKey === true && key.startsWith('alias/')) {
      const existing = await context.keys.listAliases(context.accountId);
      if (!existing.some((alias) => alias.aliasName === key)) {
        await context.keys.createKey(context.accountId, {
          description: 'Customer key for queues, created by compliance remediation',
          alias: key,
          rotationPeriodDays: 365,
        });
      }
    }
    await writeAttribute(resource.id, 'KmsMasterKeyId', key, context);
  },
};

/** Gives a queue a dead-letter queue (so poison messages are kept apart and looked at, not retried forever). */
export const setDeadLetterQueueAction: RemediationAction = {
  type: 'set-dead-letter-queue',
  resourceTypes: ['queue'],
  description:
    'Creates NAME-dlq (same type, key and retention need) if missing and sets RedrivePolicy with `maxReceiveCount` (default 5)',
  isReversible: true,
  checkParameters(parameters) {
    const count = parameters.maxReceiveCount ?? 5;
    if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 1000) {
      throw new Error('parameter maxReceiveCount must be a whole number from 1 to 1000');
    }
  },
  async read(resource, context) {
    const attributes = await attributesOf(resource.id, context, ['RedrivePolicy']);
    return { RedrivePolicy: attributes['RedrivePolicy'] ?? null };
  },
  async propose(resource, parameters, context) {
    const before = await this.read(resource, context);
    if (before.RedrivePolicy) return undefined;
    const address = addressOf(resource.id);
    const isFifo = address.name.endsWith('.fifo');
    const dlqName = isFifo ? `${address.name.slice(0, -5)}-dlq.fifo` : `${address.name}-dlq`;
    const dlqArn = `arn:aws:sqs:${context.region}:${address.accountId}:${dlqName}`;
    const redrive = JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: parameters.maxReceiveCount ?? 5 });
    return {
      description: `send messages of ${resource.name} received ${parameters.maxReceiveCount ?? 5} times to ${dlqName}`,
      before,
      after: { RedrivePolicy: redrive },
    };
  },
  async write(resource, state, context) {
    const redrive = state.RedrivePolicy as string | null;
    if (redrive) {
      const target = parseQueueArn((JSON.parse(redrive) as { deadLetterTargetArn: string }).deadLetterTargetArn)!;
      await createDeadLetterQueue(resource.id, { accountId: target.accountId, name: target.name }, context);
    }
    await writeAttribute(resource.id, 'RedrivePolicy', redrive, context);
  },
};

/**
 * Creates a source queue's dead-letter queue as the rules want it: sealed under the source's key, and keeping
 * messages no longer than the source's documented retention need (with the same `pciq:retention-need` tag).
 * A standard queue's dead letter expires when it would have in the source (its retention counts from its
 * first send), so the dead-letter queue holds nothing longer than the source may. One that exists is used.
 */
async function createDeadLetterQueue(sourceArn: string, target: QueueAddress, context: ActionContext): Promise<void> {
  const source = await attributesOf(sourceArn, context, ['KmsMasterKeyId', 'MessageRetentionPeriod']);
  const sourceTags = await context.queues.listQueueTags(addressOf(sourceArn));
  const documentedNeed = retentionNeedOf(sourceTags);
  const need = documentedNeed ?? defaultRetentionNeedSec;
  const retentionSec = Math.max(60, Math.min(Number(source['MessageRetentionPeriod']), need));
  const attributes: Record<string, string> = { MessageRetentionPeriod: String(retentionSec) };
  if (source['KmsMasterKeyId']) attributes['KmsMasterKeyId'] = source['KmsMasterKeyId'];
  if (target.name.endsWith('.fifo')) attributes['FifoQueue'] = 'true';
  const documented = sourceTags[retentionNeedTag];
  const tags: Record<string, string> =
    documented !== undefined && documentedNeed !== null ? { [retentionNeedTag]: documented } : {};
  try {
    await context.queues.createQueue(
      { accountId: target.accountId, principalArn: 'pciq', accessKeyId: 'pciq', senderId: 'pciq' },
      { name: target.name, attributes, tags },
    );
  } catch (error) {
    // Created by its owner with other settings: the queue of that name is the dead-letter queue all the same.
    if (!isPciqError(error) || error.code !== 'QueueNameExists') throw error;
  }
}

/** Removes the statements of a queue policy that allow everyone or every action (PCI DSS 7.2.1, 7.2.2). */
export const removeWildcardStatementsAction: RemediationAction = {
  type: 'remove-wildcard-statements',
  resourceTypes: ['queue'],
  description: 'Detaches the Allow statements of the queue policy for Principal * (without a condition) or Action *',
  isReversible: true,
  checkParameters() {},
  async read(resource, context) {
    const attributes = await attributesOf(resource.id, context, ['Policy']);
    return { Policy: attributes['Policy'] ?? null };
  },
  async propose(resource, _parameters, context) {
    const before = await this.read(resource, context);
    const policy = before.Policy as string | null;
    if (!policy) return undefined;
    let after: string | undefined;
    try {
      after = withoutWildcardStatements(policy);
    } catch {
      return undefined;
    }
    if (after === policy) return undefined;
    return {
      description: after
        ? `detach the wildcard statements of the policy of ${resource.name}`
        : `remove the policy of ${resource.name}: all its statements are wildcards`,
      before,
      after: { Policy: after ?? null },
    };
  },
  async write(resource, state, context) {
    await writeAttribute(resource.id, 'Policy', state.Policy, context);
  },
};

/** Lowers a queue's retention to its documented need (PCI DSS 3.2.1). */
export const limitRetentionAction: RemediationAction = {
  type: 'limit-retention',
  resourceTypes: ['queue'],
  description:
    'Sets MessageRetentionPeriod to the documented need (tag pciq:retention-need, else 4 days); nothing while the tag does not read',
  isReversible: true,
  checkParameters() {},
  async read(resource, context) {
    const attributes = await attributesOf(resource.id, context, ['MessageRetentionPeriod']);
    return { MessageRetentionPeriod: Number(attributes['MessageRetentionPeriod']) };
  },
  async propose(resource, _parameters, context) {
    const before = await this.read(resource, context);
    // A need documented in a form that does not read (`7 days`) is a need all the same: guessing 4 days would
    // delete what its owner meant to keep. The fix is the tag, as the finding's remediation says.
    const need = retentionNeedOf((resource.data.tags as Record<string, string>) ?? {});
    if (need === null) return undefined;
    const target = Math.max(60, need);
    if ((before.MessageRetentionPeriod as number) <= target) return undefined;
    return {
      description: `keep messages of ${resource.name} for ${target} s`,
      before,
      after: { MessageRetentionPeriod: target },
    };
  },
  async write(resource, state: ManagedState, context) {
    await writeAttribute(resource.id, 'MessageRetentionPeriod', state.MessageRetentionPeriod, context);
  },
};

/** Makes the guard tokenize (or reject) card numbers sent to a queue instead of storing their masked form. */
export const setDataPolicyAction: RemediationAction = {
  type: 'set-data-policy',
  resourceTypes: ['queue'],
  description: 'Sets the queue attribute PciqDataPolicy to `policy` (tokenize or reject; default tokenize)',
  isReversible: true,
  checkParameters(parameters) {
    const policy = parameters.policy ?? 'tokenize';
    if (policy !== 'tokenize' && policy !== 'reject') throw new Error('parameter policy must be tokenize or reject');
  },
  async read(resource, context) {
    const attributes = await attributesOf(resource.id, context, ['PciqDataPolicy']);
    return { PciqDataPolicy: attributes['PciqDataPolicy'] ?? null };
  },
  async propose(resource, parameters, context) {
    const before = await this.read(resource, context);
    const policy = (parameters.policy as string | undefined) ?? 'tokenize';
    const current = (resource.data.dataPolicy as { action?: string } | undefined)?.action;
    if (current === 'tokenize' || current === 'reject') return undefined;
    return {
      description: `${policy} card numbers sent to ${resource.name}`,
      before,
      after: { PciqDataPolicy: policy },
    };
  },
  async write(resource, state, context) {
    await writeAttribute(resource.id, 'PciqDataPolicy', state.PciqDataPolicy, context);
  },
};
