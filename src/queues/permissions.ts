import { invalidParameter, PciqError, type QueueAddress } from '../core/index.ts';
import { arnOf, type QueueContext, requireQueue } from './context.ts';

/**
 * AddPermission and RemovePermission: statements of the queue's Policy attribute, written as SQS writes
 * them (a statement per label, the accounts as principals, `SQS:<Action>` actions on the queue), so a policy
 * read back looks like the one SQS would hold. Deciding what a policy allows is IAM's business.
 */

/** The actions SQS lets AddPermission grant; `*` grants them all. */
const grantableActions = new Set([
  '*',
  'ChangeMessageVisibility',
  'DeleteMessage',
  'GetQueueAttributes',
  'GetQueueUrl',
  'ListDeadLetterSourceQueues',
  'PurgeQueue',
  'ReceiveMessage',
  'SendMessage',
]);

/** SQS quota: 20 statements per queue policy. */
const maxStatements = 20;

interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: Array<Record<string, unknown>>;
}

function readPolicy(text: string | undefined, queueArn: string): PolicyDocument {
  if (!text) return { Version: '2012-10-17', Id: `${queueArn}/SQSDefaultPolicy`, Statement: [] };
  const parsed = JSON.parse(text) as PolicyDocument & { Statement?: unknown };
  const statements =
    parsed.Statement === undefined ? [] : Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  return { ...parsed, Statement: statements as Array<Record<string, unknown>> };
}

function invalidLabel(label: string, reason: string): PciqError {
  return invalidParameter(`Value ${label.slice(0, 80)} for parameter Label is invalid. Reason: ${reason}`);
}

export async function addPermission(
  context: QueueContext,
  address: QueueAddress,
  input: { label: string; accountIds: readonly string[]; actions: readonly string[] },
): Promise<void> {
  const { label, accountIds, actions } = input;
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(label)) {
    throw invalidLabel(label, 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.');
  }
  if (accountIds.length === 0)
    throw new PciqError('MissingParameter', 'The request must contain the parameter AWSAccountIds.');
  if (actions.length === 0) throw new PciqError('MissingParameter', 'The request must contain the parameter Actions.');
  for (const account of accountIds) {
    if (!/^\d{12}$/.test(account))
      throw invalidParameter(
        `Value ${account.slice(0, 32)} for parameter AWSAccountIds is invalid. Reason: An AWS account id is 12 digits.`,
      );
  }
  for (const action of actions) {
    if (!grantableActions.has(action))
      throw invalidParameter(
        `Value SQS:${action.slice(0, 64)} for parameter ActionName is invalid. Reason: Please refer to the appropriate WSDL for a list of valid actions.`,
      );
  }
  await context.store.write(async (tx) => {
    const queue = await requireQueue(tx, address);
    const arn = arnOf(context, queue);
    const policy = readPolicy(queue.attributes['Policy'], arn);
    if (policy.Statement.some((statement) => statement['Sid'] === label)) throw invalidLabel(label, 'Already exists.');
    if (policy.Statement.length >= maxStatements) {
      throw new PciqError('OverLimit', `The queue policy can have at most ${maxStatements} statements.`);
    }
    const principals = accountIds.map((account) => `arn:aws:iam::${account}:root`);
    const granted = actions.map((action) => `SQS:${action}`);
    policy.Statement.push({
      Sid: label,
      Effect: 'Allow',
      Principal: { AWS: principals.length === 1 ? principals[0] : principals },
      Action: granted.length === 1 ? granted[0] : granted,
      Resource: arn,
    });
    const attributes = { ...queue.attributes, Policy: JSON.stringify(policy) };
    await tx.updateQueue({ ...queue, attributes, lastModifiedAtMs: context.clock.now() });
  });
  context.queues.invalidate(address);
}

export async function removePermission(context: QueueContext, address: QueueAddress, label: string): Promise<void> {
  await context.store.write(async (tx) => {
    const queue = await requireQueue(tx, address);
    const policy = readPolicy(queue.attributes['Policy'], arnOf(context, queue));
    const remaining = policy.Statement.filter((statement) => statement['Sid'] !== label);
    if (remaining.length === policy.Statement.length) throw invalidLabel(label, "can't find label.");
    const attributes = { ...queue.attributes };
    if (remaining.length === 0) delete attributes['Policy'];
    else attributes['Policy'] = JSON.stringify({ ...policy, Statement: remaining });
    await tx.updateQueue({ ...queue, attributes, lastModifiedAtMs: context.clock.now() });
  });
  context.queues.invalidate(address);
}
