import { type Caller, invalidParameter, PciqError, parseQueueArn, type QueueAddress } from '../core/index.ts';
import type { QueueRow, ReadTx } from '../storage/index.ts';
import { arnOf, ensureQueueKey, type QueueContext, queueDoesNotExist, requireQueue, urlOf } from './context.ts';
import { limits } from './limits.ts';
import { validateQueueName } from './names.ts';
import { refuseIfQuarantined } from './quarantine.ts';
import {
  applyAttributeChanges,
  effectiveAttributes,
  firstDifferingAttribute,
  isFifoRequested,
  normalizeQueueAttributes,
  readableAttributeNames,
  settingsOf,
} from './queue-attributes.ts';
import { allowsSource, namesAsDeadLetterQueue, parseRedriveAllowPolicy, parseRedrivePolicy } from './redrive.ts';
import { validateTags } from './tags.ts';

export interface CreateQueueInput {
  name: string;
  attributes: Record<string, string>;
  tags: Record<string, string>;
}

export async function createQueue(context: QueueContext, caller: Caller, input: CreateQueueInput): Promise<string> {
  const isFifo = isFifoRequested(input.attributes);
  validateQueueName(input.name, isFifo);
  const requested = normalizeQueueAttributes(input.attributes, isFifo, 'CreateQueue');
  validateTags(input.tags);
  const address = { accountId: caller.accountId, name: input.name };
  return context.store.write(async (tx) => {
    const now = context.clock.now();
    const existing = await tx.getQueueByName(address.accountId, address.name);
    if (existing) {
      const differing = firstDifferingAttribute(requested, existing.attributes, existing.isFifo);
      if (differing !== undefined) {
        throw new PciqError(
          'QueueNameExists',
          `A queue already exists with the same name and a different value for attribute ${differing}`,
        );
      }
      return urlOf(context, existing);
    }
    const deletedAt = await tx.getQueueDeletedAt(address.accountId, address.name);
    if (deletedAt !== undefined && now - deletedAt < limits.deletedQueueNameReuseMs) {
      throw new PciqError(
        'QueueDeletedRecently',
        'You must wait 60 seconds after deleting a queue before you can create another with the same name.',
      );
    }
    const attributes = applyAttributeChanges({}, requested);
    await checkRedrive(context, tx, address, isFifo, attributes);
    await ensureQueueKey(context, tx, { accountId: address.accountId, attributes });
    const queue = await tx.insertQueue({
      accountId: address.accountId,
      name: address.name,
      isFifo,
      attributes,
      tags: { ...input.tags },
      createdAtMs: now,
      lastModifiedAtMs: now,
      lastPurgedAtMs: null,
    });
    return urlOf(context, queue);
  });
}

/** RedrivePolicy must name an existing queue of the same type in the account that allows this source. */
async function checkRedrive(
  context: QueueContext,
  tx: ReadTx,
  source: QueueAddress,
  isFifo: boolean,
  attributes: Record<string, string>,
): Promise<void> {
  const text = attributes['RedrivePolicy'];
  if (!text) return;
  const policy = parseRedrivePolicy(text);
  const target = parseQueueArn(policy.deadLetterTargetArn)!;
  const reject = (why: string) =>
    new PciqError('InvalidParameterValue', `Value ${text} for parameter RedrivePolicy is invalid. Reason: ${why}`);
  if (target.accountId !== source.accountId || target.region !== context.region) {
    throw reject('Dead-letter target must be a queue in the same account and region.');
  }
  if (target.name === source.name) throw reject('A queue cannot be its own dead-letter queue.');
  const dlq = await tx.getQueueByName(target.accountId, target.name);
  if (!dlq) throw reject('Dead letter target does not exist.');
  if (dlq.isFifo !== isFifo) throw reject('Dead-letter queue must be same type of queue as the source.');
  const sourceArn = arnOf(context, source);
  if (!allowsSource(parseRedriveAllowPolicy(dlq.attributes['RedriveAllowPolicy']), sourceArn)) {
    throw reject(`The RedriveAllowPolicy of ${policy.deadLetterTargetArn} does not allow ${sourceArn} to use it.`);
  }
}

export async function getQueueUrl(
  context: QueueContext,
  caller: Caller,
  name: string,
  ownerAccountId?: string,
): Promise<string> {
  const accountId = ownerAccountId ?? caller.accountId;
  const queue = await context.store.read((tx) => tx.getQueueByName(accountId, name));
  if (!queue) throw queueDoesNotExist();
  return urlOf(context, queue);
}

export interface Page<T> {
  items: T[];
  nextToken: string | undefined;
}

function decodeNextToken(token: string | undefined): string {
  if (token === undefined || token === '') return '';
  const name = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^[A-Za-z0-9_.-]{1,80}$/.test(name)) throw invalidParameter('Invalid NextToken value.');
  return name;
}

function checkMaxResults(maxResults: number | undefined): void {
  if (
    maxResults !== undefined &&
    (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > limits.listQueuesMaxResults)
  ) {
    throw invalidParameter(
      `Value ${maxResults} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.`,
    );
  }
}

export async function listQueues(
  context: QueueContext,
  caller: Caller,
  options: { prefix?: string; maxResults?: number; nextToken?: string },
): Promise<Page<string>> {
  checkMaxResults(options.maxResults);
  const after = decodeNextToken(options.nextToken);
  const limit = options.maxResults ?? limits.listQueuesMaxResults;
  const rows = await context.store.read((tx) =>
    tx.listQueues(caller.accountId, options.prefix ?? '', after, limit + 1),
  );
  return page(context, rows, limit, options.maxResults !== undefined);
}

function page(context: QueueContext, rows: QueueRow[], limit: number, paginated: boolean): Page<string> {
  const items = rows.slice(0, limit);
  const more = rows.length > limit && paginated;
  return {
    items: items.map((queue) => urlOf(context, queue)),
    nextToken: more ? Buffer.from(items[items.length - 1]!.name, 'utf8').toString('base64url') : undefined,
  };
}

/** Queues read from the store at a time when all of an account's are walked. */
const queuesPerPage = 500;

/** Every queue of an account, in name order after `afterName`, read page by page. */
export async function* accountQueues(tx: ReadTx, accountId: string, afterName = ''): AsyncGenerator<QueueRow> {
  for (let cursor = afterName; ; ) {
    const batch = await tx.listQueues(accountId, '', cursor, queuesPerPage);
    yield* batch;
    if (batch.length < queuesPerPage) return;
    cursor = batch[batch.length - 1]!.name;
  }
}

/** The queues of an account whose RedrivePolicy names `dlqArn`, in name order after `afterName`. */
export async function* deadLetterSources(
  tx: ReadTx,
  accountId: string,
  dlqArn: string,
  afterName = '',
): AsyncGenerator<QueueRow> {
  for await (const queue of accountQueues(tx, accountId, afterName)) {
    if (namesAsDeadLetterQueue(queue.attributes, dlqArn)) yield queue;
  }
}

export async function listDeadLetterSourceQueues(
  context: QueueContext,
  address: QueueAddress,
  options: { maxResults?: number; nextToken?: string },
): Promise<Page<string>> {
  checkMaxResults(options.maxResults);
  const after = decodeNextToken(options.nextToken);
  const limit = options.maxResults ?? limits.listQueuesMaxResults;
  return context.store.read(async (tx) => {
    const dlq = await requireQueue(tx, address);
    const sources: QueueRow[] = [];
    for await (const queue of deadLetterSources(tx, address.accountId, arnOf(context, dlq), after)) {
      sources.push(queue);
      if (sources.length > limit) break;
    }
    return page(context, sources, limit, options.maxResults !== undefined);
  });
}

/**
 * The ARNs of every queue whose RedrivePolicy names `address`: where a message move task without a
 * DestinationArn returns its messages. Empty when the queue does not exist (the task's start says so).
 */
export async function deadLetterSourceArns(context: QueueContext, address: QueueAddress): Promise<string[]> {
  return context.store.read(async (tx) => {
    const dlq = await tx.getQueueByName(address.accountId, address.name);
    if (!dlq) return [];
    const arns: string[] = [];
    for await (const queue of deadLetterSources(tx, address.accountId, arnOf(context, dlq)))
      arns.push(arnOf(context, queue));
    return arns;
  });
}

export async function getQueueAttributes(
  context: QueueContext,
  address: QueueAddress,
  names: readonly string[],
): Promise<Record<string, string>> {
  for (const name of names) {
    if (!readableAttributeNames.has(name)) throw new PciqError('InvalidAttributeName', `Unknown Attribute ${name}.`);
  }
  const wantAll = names.includes('All');
  const wanted = (name: string) => wantAll || names.includes(name);
  return context.store.read(async (tx) => {
    // Asked for no attributes, SQS still answers QueueDoesNotExist for a queue that is not there.
    const queue = await requireQueue(tx, address);
    if (names.length === 0) return {};
    const all: Record<string, string> = effectiveAttributes(queue.attributes, queue.isFifo);
    all['QueueArn'] = arnOf(context, queue);
    all['CreatedTimestamp'] = String(Math.floor(queue.createdAtMs / 1000));
    all['LastModifiedTimestamp'] = String(Math.floor(queue.lastModifiedAtMs / 1000));
    if (
      wanted('ApproximateNumberOfMessages') ||
      wanted('ApproximateNumberOfMessagesNotVisible') ||
      wanted('ApproximateNumberOfMessagesDelayed')
    ) {
      const counts = await tx.countMessages(queue.id, context.clock.now());
      all['ApproximateNumberOfMessages'] = String(counts.visible);
      all['ApproximateNumberOfMessagesNotVisible'] = String(counts.inFlight);
      all['ApproximateNumberOfMessagesDelayed'] = String(counts.delayed);
    }
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(all)) if (wanted(name)) out[name] = value;
    return out;
  });
}

export async function setQueueAttributes(
  context: QueueContext,
  address: QueueAddress,
  input: Record<string, string>,
): Promise<void> {
  if (Object.keys(input).length === 0)
    throw new PciqError('MissingParameter', 'The request must contain the parameter Attributes.');
  await context.store.write(async (tx) => {
    const queue = await requireQueue(tx, address);
    const changes = normalizeQueueAttributes(input, queue.isFifo, 'SetQueueAttributes');
    const attributes = applyAttributeChanges(queue.attributes, changes);
    // A shorter retention would expire what a quarantined queue keeps for the investigation, and the orders
    // sent to it since, which it accepts so that none is lost (PCI DSS 12.10).
    if (settingsOf(attributes).retentionSec < settingsOf(queue.attributes).retentionSec) {
      refuseIfQuarantined(queue, 'lowering MessageRetentionPeriod');
    }
    await checkRedrive(context, tx, address, queue.isFifo, attributes);
    await ensureQueueKey(context, tx, { accountId: queue.accountId, attributes });
    await tx.updateQueue({ ...queue, attributes, lastModifiedAtMs: context.clock.now() });
    // A shorter delay or visibility can make messages receivable now.
    tx.signalReceivable(queue.id);
  });
  context.queues.invalidate(address);
}

export async function deleteQueue(context: QueueContext, address: QueueAddress): Promise<void> {
  await context.store.write(async (tx) => {
    const queue = await requireQueue(tx, address);
    refuseIfQuarantined(queue, 'DeleteQueue');
    await tx.deleteQueue(queue.id, context.clock.now());
    // Parked receives must learn that the queue is gone.
    tx.signalReceivable(queue.id);
  });
  context.queues.invalidate(address);
}

export async function purgeQueue(context: QueueContext, address: QueueAddress): Promise<void> {
  await context.store.write(async (tx) => {
    const queue = await requireQueue(tx, address);
    refuseIfQuarantined(queue, 'PurgeQueue');
    const now = context.clock.now();
    if (queue.lastPurgedAtMs !== null && now - queue.lastPurgedAtMs < limits.purgeIntervalMs) {
      throw new PciqError(
        'PurgeQueueInProgress',
        `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`,
      );
    }
    await tx.purgeMessages(queue.id, now);
    await tx.updateQueue({ ...queue, lastPurgedAtMs: now });
  });
}

export async function tagQueue(
  context: QueueContext,
  address: QueueAddress,
  tags: Record<string, string>,
): Promise<void> {
  if (Object.keys(tags).length === 0)
    throw new PciqError('MissingParameter', 'The request must contain the parameter Tags.');
  validateTags(tags);
  await context.store.write(async (tx) => {
    const queue = await requireQueue(tx, address);
    const merged = { ...queue.tags, ...tags };
    if (Object.keys(merged).length > limits.maxTagsPerQueue) {
      throw invalidParameter(
        `Too many tags added for queue ${queue.name}: a queue has at most ${limits.maxTagsPerQueue} tags.`,
      );
    }
    await tx.updateQueue({ ...queue, tags: merged });
  });
  // Tags decide access (aws:ResourceTag): the next request sees them.
  context.queues.invalidate(address);
}

export async function untagQueue(context: QueueContext, address: QueueAddress, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) throw new PciqError('MissingParameter', 'The request must contain the parameter TagKeys.');
  await context.store.write(async (tx) => {
    const queue = await requireQueue(tx, address);
    const tags = { ...queue.tags };
    for (const key of keys) delete tags[key];
    await tx.updateQueue({ ...queue, tags });
  });
  context.queues.invalidate(address);
}

export async function listQueueTags(context: QueueContext, address: QueueAddress): Promise<Record<string, string>> {
  const queue = await context.store.read((tx) => requireQueue(tx, address));
  return { ...queue.tags };
}
