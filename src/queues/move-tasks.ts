import { type Caller, invalidParameter, newMessageId, PciqError, parseQueueArn, randomToken } from '../core/index.ts';
import type { MoveTaskRow, QueueRow, ReadTx, WriteTx } from '../storage/index.ts';
import { arnOf, type QueueContext } from './context.ts';
import { limits } from './limits.ts';
import { deadLetterSources } from './manage.ts';
import { openMessage, sealMessage } from './message-payload.ts';
import { type DestinationKey, destinationKeyOf } from './move-task-destination.ts';
import { quarantineOf, refuseIfQuarantined } from './quarantine.ts';
import { settingsOf } from './queue-attributes.ts';
import { namesAsDeadLetterQueue } from './redrive.ts';

export interface MoveTaskView {
  taskHandle: string;
  status: MoveTaskRow['status'];
  sourceArn: string;
  destinationArn: string | undefined;
  maxNumberOfMessagesPerSecond: number | undefined;
  approximateNumberOfMessagesMoved: number;
  approximateNumberOfMessagesToMove: number | undefined;
  failureReason: string | undefined;
  startedTimestamp: number;
}

/** Messages moved per task per second when the caller sets no rate ("system optimized" on SQS). */
const defaultRate = limits.maxMoveTaskRate;

function notFound(parameter: string): PciqError {
  return new PciqError(
    'ResourceNotFoundException',
    `The resource that you specified for the ${parameter} parameter doesn't exist.`,
  );
}

async function queueByArn(tx: ReadTx, caller: Caller, arn: string, parameter: string): Promise<QueueRow> {
  const address = parseQueueArn(arn);
  if (!address || address.accountId !== caller.accountId) throw notFound(parameter);
  const queue = await tx.getQueueByName(address.accountId, address.name);
  if (!queue) throw notFound(parameter);
  return queue;
}

async function isDeadLetterQueue(tx: ReadTx, accountId: string, arn: string): Promise<boolean> {
  for await (const _ of deadLetterSources(tx, accountId, arn)) return true;
  return false;
}

export async function startMessageMoveTask(
  context: QueueContext,
  caller: Caller,
  input: { sourceArn: string; destinationArn?: string; maxNumberOfMessagesPerSecond?: number },
): Promise<string> {
  const rate = input.maxNumberOfMessagesPerSecond;
  if (rate !== undefined && (!Number.isInteger(rate) || rate < 1 || rate > limits.maxMoveTaskRate)) {
    throw invalidParameter(
      `Value ${rate} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: must be between 1 and ${limits.maxMoveTaskRate}.`,
    );
  }
  return context.store.write(async (tx) => {
    const source = await queueByArn(tx, caller, input.sourceArn, 'SourceArn');
    // A move takes messages out of the source as a receive does: none leaves a quarantined queue.
    refuseIfQuarantined(source, 'StartMessageMoveTask');
    if (input.destinationArn !== undefined) {
      const destination = await queueByArn(tx, caller, input.destinationArn, 'DestinationArn');
      // SQS redrives only between queues of one type: a standard message has no group to join a FIFO queue
      // with, and a FIFO queue's order means nothing in a standard one.
      if (destination.isFifo !== source.isFifo) {
        throw invalidParameter(
          `Value ${input.destinationArn} for parameter DestinationArn is invalid. Reason: the destination queue must be the same type (standard or FIFO) as the source queue.`,
        );
      }
    }
    if (!(await isDeadLetterQueue(tx, caller.accountId, arnOf(context, source)))) {
      throw invalidParameter('Source queue must be configured as a Dead Letter Queue.');
    }
    const running = (await tx.listMoveTasks(source.id, 50)).some(
      (task) => task.status === 'RUNNING' || task.status === 'CANCELLING',
    );
    if (running)
      throw invalidParameter(
        'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
      );
    const now = context.clock.now();
    const counts = await tx.countMessages(source.id, now);
    const task: MoveTaskRow = {
      // The handle names its source so that CancelMessageMoveTask needs nothing else, as on SQS.
      taskHandle: Buffer.from(JSON.stringify({ taskId: randomToken(12), sourceArn: arnOf(context, source) })).toString(
        'base64url',
      ),
      sourceQueueId: source.id,
      sourceArn: arnOf(context, source),
      destinationArn: input.destinationArn ?? null,
      maxMessagesPerSecond: rate ?? null,
      status: 'RUNNING',
      movedCount: 0,
      toMoveCount: counts.visible + counts.inFlight + counts.delayed,
      failureReason: null,
      startedAtMs: now,
      cutoffSeq: await tx.newestSeq(source.id),
    };
    await tx.insertMoveTask(task);
    return task.taskHandle;
  });
}

/** The source ARN a task handle names, or undefined when the handle is not one SQS (or pciq) issues. */
function sourceArnOfHandle(taskHandle: string): string | undefined {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(taskHandle, 'base64url').toString('utf8'));
    const sourceArn = (decoded as { sourceArn?: unknown; taskId?: unknown } | null)?.sourceArn;
    const taskId = (decoded as { taskId?: unknown } | null)?.taskId;
    return typeof sourceArn === 'string' && typeof taskId === 'string' ? sourceArn : undefined;
  } catch {
    return undefined;
  }
}

/**
 * As on SQS: a handle that does not decode is InvalidParameterValue; one naming a queue that does not exist,
 * or a task that does not, is ResourceNotFoundException.
 */
export async function cancelMessageMoveTask(
  context: QueueContext,
  caller: Caller,
  taskHandle: string,
): Promise<number> {
  const sourceArn = sourceArnOfHandle(taskHandle);
  if (sourceArn === undefined) throw invalidParameter('Value for parameter TaskHandle is invalid.');
  return context.store.write(async (tx) => {
    await queueByArn(tx, caller, sourceArn, 'SourceArn');
    const task = await tx.getMoveTask(taskHandle);
    if (!task || task.sourceArn !== sourceArn) throw new PciqError('ResourceNotFoundException', 'Task does not exist.');
    if (task.status !== 'RUNNING')
      throw invalidParameter(`Only active tasks can be cancelled; this task is ${task.status}.`);
    await tx.updateMoveTask({ ...task, status: 'CANCELLED' });
    return task.movedCount;
  });
}

export async function listMessageMoveTasks(
  context: QueueContext,
  caller: Caller,
  input: { sourceArn: string; maxResults?: number },
): Promise<MoveTaskView[]> {
  const max = input.maxResults ?? 1;
  if (!Number.isInteger(max) || max < 1 || max > limits.maxListedMoveTasks) {
    throw invalidParameter(
      `Value ${max} for parameter MaxResults is invalid. Reason: must be between 1 and ${limits.maxListedMoveTasks}.`,
    );
  }
  return context.store.read(async (tx) => {
    const source = await queueByArn(tx, caller, input.sourceArn, 'SourceArn');
    const tasks = await tx.listMoveTasks(source.id, max);
    return tasks.map((task) => ({
      taskHandle: task.taskHandle,
      status: task.status,
      sourceArn: task.sourceArn,
      destinationArn: task.destinationArn ?? undefined,
      maxNumberOfMessagesPerSecond: task.maxMessagesPerSecond ?? undefined,
      approximateNumberOfMessagesMoved: task.movedCount,
      approximateNumberOfMessagesToMove: task.toMoveCount,
      failureReason: task.failureReason ?? undefined,
      startedTimestamp: task.startedAtMs,
    }));
  });
}

/** One step of every running task: moves up to `rate × elapsedSec` visible messages older than the task. */
export async function advanceMoveTasks(context: QueueContext, elapsedSec: number): Promise<void> {
  const tasks = await context.store.read((tx) => tx.listRunningMoveTasks());
  for (const task of tasks) {
    await context.store.write(async (tx) => {
      const current = await tx.getMoveTask(task.taskHandle);
      if (current?.status !== 'RUNNING') return;
      await advanceOne(
        context,
        tx,
        current,
        Math.max(1, Math.floor((current.maxMessagesPerSecond ?? defaultRate) * elapsedSec)),
      );
    });
  }
}

async function advanceOne(context: QueueContext, tx: WriteTx, task: MoveTaskRow, budget: number): Promise<void> {
  const source = await tx.getQueueById(task.sourceQueueId);
  if (!source) return tx.updateMoveTask({ ...task, status: 'FAILED', failureReason: 'The source queue was deleted.' });
  // A task started before incident response quarantined its source stops there: no message leaves the queue.
  const incident = quarantineOf(source);
  if (incident !== undefined) {
    return tx.updateMoveTask({
      ...task,
      status: 'FAILED',
      failureReason: `The source queue is quarantined by incident ${incident}.`,
    });
  }
  const now = context.clock.now();
  const rows = await tx.selectMovable(source.id, task.cutoffSeq, now, budget);
  const session = await context.sealer.session(tx);
  // Each step asks again whether each destination's key may seal: it may have been disabled, scheduled for
  // deletion or quarantined since the task started. Asked once per destination and step, in this session.
  const destinationKeys = new Map<number, DestinationKey>();
  const fail = (failureReason: string, moved: number) =>
    tx.updateMoveTask({ ...task, movedCount: task.movedCount + moved, status: 'FAILED', failureReason });
  let moved = 0;
  for (const row of rows) {
    let content: ReturnType<typeof openMessage>;
    let payload: Buffer;
    try {
      content = openMessage(session, task.sourceArn, row.messageId, row.payload);
    } catch (error) {
      // A message that cannot be opened (key disabled, data unreadable) stops the task with the reason.
      await fail(error instanceof Error ? error.message : String(error), moved);
      return;
    }
    const destinationArn = task.destinationArn ?? content.deadLetterSourceArn;
    const address = destinationArn ? parseQueueArn(destinationArn) : undefined;
    const destination = address && (await tx.getQueueByName(address.accountId, address.name));
    if (!destination) {
      // SQS reports a destination that is gone by the error code a send to it would get.
      await fail(
        destinationArn
          ? 'AWS.SimpleQueueService.NonExistentQueue'
          : 'A message has no source queue to return to; give a DestinationArn.',
        moved,
      );
      return;
    }
    // The task's start authorized sends to the queues that name the source as their dead-letter queue, and
    // only to those: a message from a queue that no longer does is not sent there on the starter's behalf.
    if (task.destinationArn === null && !namesAsDeadLetterQueue(destination.attributes, task.sourceArn)) {
      await fail(
        `A message's source queue ${destinationArn} no longer names this queue as its dead-letter queue, so the task's start did not authorize sending to it; give a DestinationArn.`,
        moved,
      );
      return;
    }
    let destinationKey = destinationKeys.get(destination.id);
    if (!destinationKey) {
      destinationKey = destinationKeyOf(context, session, destination);
      destinationKeys.set(destination.id, destinationKey);
    }
    // The message stays where it is, and so does every one after it.
    if (!destinationKey.isUsable) return fail(destinationKey.failureReason, moved);
    // Redriven messages start afresh in their destination, like a new send (new id, counters reset).
    delete content.deadLetterSourceArn;
    const messageId = newMessageId();
    try {
      payload = sealMessage(destinationKey.key, messageId, content);
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error), moved);
    }
    const settings = settingsOf(destination.attributes);
    if (destination.isFifo) await tx.lockQueueForFifoSend(destination.id);
    await tx.insertMessage({
      queueId: destination.id,
      messageId,
      payload,
      groupKey:
        destination.isFifo && content.groupId !== undefined
          ? context.sealer.keyedHash('fifo-group', content.groupId)
          : null,
      sentAtMs: now,
      visibleAtMs: now,
      expiresAtMs: now + settings.retentionSec * 1000,
      receiveCount: 0,
      firstReceivedAtMs: null,
      lastReceivedAtMs: null,
      receiptNonce: null,
      sizeBytes: row.sizeBytes,
    });
    await tx.deleteMessage(source.id, row.seq);
    tx.signalReceivable(destination.id);
    moved++;
  }
  // A full budget may have left more behind; the next step finds out. Fewer means the task is done.
  const mayHaveMore = rows.length === budget;
  await tx.updateMoveTask({
    ...task,
    movedCount: task.movedCount + moved,
    status: mayHaveMore ? 'RUNNING' : 'COMPLETED',
  });
}
