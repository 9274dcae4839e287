import { type Caller, type Clock, isPciqError, type QueueAddress } from '../core/index.ts';
import type { Sealer } from '../keys/index.ts';
import type { QueueRow, Store } from '../storage/index.ts';
import {
  changeMessageVisibility,
  changeMessageVisibilityBatch,
  type DeleteEntry,
  deleteMessage,
  deleteMessageBatch,
  type VisibilityEntry,
} from './acknowledge.ts';
import type { QueueContext } from './context.ts';
import { ReceiveWaiters } from './long-poll.ts';
import {
  type CreateQueueInput,
  createQueue,
  deadLetterSourceArns,
  deleteQueue,
  getQueueAttributes,
  getQueueUrl,
  listDeadLetterSourceQueues,
  listQueues,
  listQueueTags,
  purgeQueue,
  setQueueAttributes,
  tagQueue,
  untagQueue,
} from './manage.ts';
import type { MessageGuard } from './message-guard.ts';
import { advanceMoveTasks, cancelMessageMoveTask, listMessageMoveTasks, startMessageMoveTask } from './move-tasks.ts';
import { addPermission, removePermission } from './permissions.ts';
import { setQuarantine } from './quarantine.ts';
import { settingsOf } from './queue-attributes.ts';
import { InFlightEstimates, QueueRegistry } from './queue-registry.ts';
import { type ReceiveOptions, receiveMessages } from './receive.ts';
import { type SendEntry, sendMessages } from './send.ts';

export interface QueueServiceOptions {
  store: Store;
  clock: Clock;
  /** Key management (a KeyService): seals payloads under each queue's key. */
  sealer: Sealer;
  region: string;
  endpoint: string;
  /**
   * Screens every message before it is stored and reveals tokens on request (src/guard). `pciq serve`
   * always has one; an engine without it stores what it is given.
   */
  guard?: MessageGuard;
}

const sweepIntervalMs = 10_000;
const sweepBatch = 5_000;
const moveTaskIntervalMs = 1_000;

/**
 * The queue engine's front door: every SQS operation, independent of wire protocol and storage driver,
 * plus the background work a queue needs (retention sweeps, message move tasks).
 */
export class QueueService {
  readonly context: QueueContext;
  private readonly stopListening: () => void;
  private timers: Array<() => void> = [];
  private running = false;

  constructor(options: QueueServiceOptions) {
    const waiters = new ReceiveWaiters(options.clock);
    this.context = {
      ...options,
      waiters,
      queues: new QueueRegistry(options.store, options.clock),
      inFlight: new InFlightEstimates(options.clock),
    };
    this.stopListening = options.store.onReceivable((queueId) => waiters.notify(queueId));
  }

  createQueue = (caller: Caller, input: CreateQueueInput) => createQueue(this.context, caller, input);
  getQueueUrl = (caller: Caller, name: string, ownerAccountId?: string) =>
    getQueueUrl(this.context, caller, name, ownerAccountId);
  listQueues = (caller: Caller, options: { prefix?: string; maxResults?: number; nextToken?: string }) =>
    listQueues(this.context, caller, options);
  getQueueAttributes = (address: QueueAddress, names: readonly string[]) =>
    getQueueAttributes(this.context, address, names);
  setQueueAttributes = (address: QueueAddress, attributes: Record<string, string>) =>
    setQueueAttributes(this.context, address, attributes);
  deleteQueue = (address: QueueAddress) => deleteQueue(this.context, address);
  purgeQueue = (address: QueueAddress) => purgeQueue(this.context, address);
  tagQueue = (address: QueueAddress, tags: Record<string, string>) => tagQueue(this.context, address, tags);
  untagQueue = (address: QueueAddress, keys: readonly string[]) => untagQueue(this.context, address, keys);
  listQueueTags = (address: QueueAddress) => listQueueTags(this.context, address);
  /** Incident response: quarantines a queue (incident id) or lifts it (null); returns the incident it had. */
  setQuarantine = (address: QueueAddress, incident: string | null) => setQuarantine(this.context, address, incident);
  listDeadLetterSourceQueues = (address: QueueAddress, options: { maxResults?: number; nextToken?: string }) =>
    listDeadLetterSourceQueues(this.context, address, options);
  deadLetterSourceArns = (address: QueueAddress) => deadLetterSourceArns(this.context, address);
  addPermission = (
    address: QueueAddress,
    input: { label: string; accountIds: readonly string[]; actions: readonly string[] },
  ) => addPermission(this.context, address, input);
  removePermission = (address: QueueAddress, label: string) => removePermission(this.context, address, label);

  /**
   * What access control weighs of a queue: its Policy attribute and its tags, from the data path's cache (SQS,
   * too, takes a while to apply a changed policy everywhere); undefined when the queue does not exist.
   */
  async queueAccess(
    address: QueueAddress,
  ): Promise<{ policy: string | undefined; tags: Record<string, string> } | undefined> {
    const queue = await this.cachedQueue(address);
    return queue && { policy: queue.attributes['Policy'], tags: queue.tags };
  }

  /**
   * The KMS key that seals `address`'s messages, resolved from its KmsMasterKeyId (an alias names its key),
   * for authorizing its use; undefined when the queue or its key does not exist (the request then fails with
   * QueueDoesNotExist or KmsNotFound). The queue row comes from the data path's cache; the key, with its tags, from one read.
   */
  async queueKey(
    address: QueueAddress,
  ): Promise<{ arn: string; awsManaged: boolean; tags: Record<string, string> } | undefined> {
    const queue = await this.cachedQueue(address);
    if (!queue) return undefined;
    const ref = settingsOf(queue.attributes).kmsKeyRef;
    return this.context.store.read(async (tx) => {
      try {
        return (await this.context.sealer.session(tx)).keyOf(address.accountId, ref);
      } catch (error) {
        if (isPciqError(error)) return undefined;
        throw error;
      }
    });
  }

  /** The queue's row from the data path's cache; undefined when it does not exist. */
  private async cachedQueue(address: QueueAddress): Promise<QueueRow | undefined> {
    try {
      return await this.context.queues.get(address);
    } catch (error) {
      if (isPciqError(error) && error.code === 'QueueDoesNotExist') return undefined;
      throw error;
    }
  }

  sendMessages = (caller: Caller, address: QueueAddress, entries: readonly SendEntry[], isBatch: boolean) =>
    sendMessages(this.context, caller, address, entries, isBatch);
  receiveMessages = (address: QueueAddress, options: ReceiveOptions, signal?: AbortSignal) =>
    receiveMessages(this.context, address, options, signal);
  deleteMessage = (address: QueueAddress, receiptHandle: string) => deleteMessage(this.context, address, receiptHandle);
  deleteMessageBatch = (address: QueueAddress, entries: readonly DeleteEntry[]) =>
    deleteMessageBatch(this.context, address, entries);
  changeMessageVisibility = (address: QueueAddress, receiptHandle: string, visibilityTimeoutSec: number) =>
    changeMessageVisibility(this.context, address, receiptHandle, visibilityTimeoutSec);
  changeMessageVisibilityBatch = (address: QueueAddress, entries: readonly VisibilityEntry[]) =>
    changeMessageVisibilityBatch(this.context, address, entries);

  startMessageMoveTask = (
    caller: Caller,
    input: { sourceArn: string; destinationArn?: string; maxNumberOfMessagesPerSecond?: number },
  ) => startMessageMoveTask(this.context, caller, input);
  cancelMessageMoveTask = (caller: Caller, taskHandle: string) =>
    cancelMessageMoveTask(this.context, caller, taskHandle);
  listMessageMoveTasks = (caller: Caller, input: { sourceArn: string; maxResults?: number }) =>
    listMessageMoveTasks(this.context, caller, input);

  /** Deletes messages past their retention period and deduplication entries past their window. */
  async sweepExpired(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.context.clock.now();
      const removed = await this.context.store.write((tx) => tx.deleteExpired(now, sweepBatch));
      total += removed;
      if (removed < sweepBatch) return total;
    }
  }

  advanceMoveTasks = (elapsedSec: number) => advanceMoveTasks(this.context, elapsedSec);

  /** Starts the background work on the service's clock. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.every(sweepIntervalMs, () => this.sweepExpired());
    this.every(moveTaskIntervalMs, () => this.advanceMoveTasks(moveTaskIntervalMs / 1000));
  }

  private every(intervalMs: number, work: () => Promise<unknown>): void {
    const schedule = () => {
      const cancel = this.context.clock.setTimer(intervalMs, () => {
        this.timers = this.timers.filter((timer) => timer !== cancel);
        work()
          .catch((error: unknown) => process.emitWarning(`background queue work failed: ${(error as Error).message}`))
          .finally(() => {
            if (this.running) schedule();
          });
      });
      this.timers.push(cancel);
    };
    schedule();
  }

  stop(): void {
    this.running = false;
    for (const cancel of this.timers) cancel();
    this.timers = [];
    this.stopListening();
  }
}
