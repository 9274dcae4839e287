import { type Caller, isPciqError, parseQueueArn, type QueueAddress } from '../core/index.ts';
import type { ReceivedMessage } from '../queues/index.ts';
import type { EventSourceMappingRow } from '../storage/index.ts';
import { judgeBatchResponse } from './batch-response.ts';
import type { FunctionsContext } from './context.ts';
import { type FilterCriteria, matchesFilters, parseFilterCriteria } from './filter-criteria.ts';
import { reportInvocation } from './invocation-report.ts';
import type { FunctionInvoker, Invocation, RunnableVersion } from './invoker.ts';
import { functionArn } from './names.ts';
import type { InvocationRecorder } from './observations.ts';
import { PollerScaling, type PollSignals } from './poller-scaling.ts';
import { authorizeQueueKey } from './queue-key.ts';
import type { InvocationSlots } from './slots.ts';
import { maxPayloadBytes, recordBytes, type SqsRecord, sqsRecordOf } from './sqs-event.ts';

/** What one poller loop carries from batch to batch. */
interface PollLoop {
  carried: SqsRecord[];
  /** The previous batch's settlement: the message groups of a FIFO queue it left messages of in the queue. */
  settling: Promise<ReadonlySet<string>>;
}

const noGroups: ReadonlySet<string> = new Set();

export interface PollerDeps {
  context: FunctionsContext;
  invoker: FunctionInvoker;
  recorder: InvocationRecorder;
  slots: InvocationSlots;
  log: (line: string) => void;
}

/** SQS long polling, as Lambda's pollers use it. */
const longPollSec = 20;
const scalingIntervalMs = 1_000;
/** After a problem that is not the batch's (no permission, queue gone), the pollers wait this long. */
const problemBackoffMs = 10_000;

/**
 * The pollers of one event source mapping: they receive batches from the queue as the function's role,
 * hand each to a sandbox of the function's version and settle it as Lambda does for SQS — success deletes
 * the batch, a thrown error leaves it to reappear after its visibility timeout (and, past maxReceiveCount,
 * the queue's redrive moves it to the dead-letter queue), a partial batch response deletes all but the
 * listed messages, and messages no filter matches are deleted without an invocation.
 */
export class MappingPoller {
  readonly mapping: EventSourceMappingRow;
  private readonly deps: PollerDeps;
  private readonly address: QueueAddress;
  private readonly filters: FilterCriteria;
  private readonly scaling: PollerScaling;
  private readonly abort = new AbortController();
  private readonly loops = new Set<Promise<void>>();
  private signals: PollSignals & { invocations: number } = { fullReceives: 0, emptyReceives: 0, invocations: 0 };
  private cancelTick: (() => void) | undefined;
  private lastTickMs: number;
  private problem: string | undefined;
  /** The mapping's last processing result as this poller last wrote it (or found it). */
  private shownResult: string | null;
  private inFlight = 0;
  private pool: RunnableVersion['pool'] | undefined;
  private readonly isFifo: boolean;

  constructor(deps: PollerDeps, mapping: EventSourceMappingRow) {
    this.deps = deps;
    this.mapping = mapping;
    const parsed = parseQueueArn(mapping.queueArn);
    if (!parsed) throw new Error(`mapping ${mapping.uuid} names no queue ARN`);
    this.address = { accountId: parsed.accountId, name: parsed.name };
    this.isFifo = parsed.name.endsWith('.fifo');
    this.filters = parseFilterCriteria(mapping.filterPatterns);
    this.scaling = new PollerScaling(Math.min(mapping.maxConcurrency ?? deps.slots.size, deps.slots.size));
    this.lastTickMs = deps.context.clock.now();
    this.shownResult = mapping.lastProcessingResult;
  }

  get concurrency(): number {
    return this.scaling.target;
  }

  start(): void {
    this.fillLoops();
    this.scheduleTick();
  }

  /** Stops receiving and waits for batches in flight to be settled. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.cancelTick?.();
    await Promise.allSettled([...this.loops]);
  }

  private scheduleTick(): void {
    this.cancelTick = this.deps.context.clock.setTimer(scalingIntervalMs, () => {
      if (this.abort.signal.aborted) return;
      const now = this.deps.context.clock.now();
      this.scaling.adjust(now - this.lastTickMs, this.signals);
      this.lastTickMs = now;
      // Processes are started ahead only while batches keep coming; an idle mapping keeps none.
      this.pool?.setWarmTarget(this.signals.invocations > 0 || this.inFlight > 0 ? this.scaling.target : 0);
      this.pool?.trim();
      this.signals = { fullReceives: 0, emptyReceives: 0, invocations: 0 };
      this.fillLoops();
      this.scheduleTick();
    });
  }

  private fillLoops(): void {
    while (this.loops.size < this.scaling.target && !this.abort.signal.aborted) {
      const loop: Promise<void> = this.run(this.loops.size).finally(() => this.loops.delete(loop));
      this.loops.add(loop);
    }
  }

  private async run(index: number): Promise<void> {
    const loop: PollLoop = { carried: [], settling: Promise.resolve(noGroups) };
    while (!this.abort.signal.aborted && index < this.scaling.target) {
      try {
        await this.pollOnce(loop);
        this.clearProblem();
      } catch (error) {
        // A batch given up returns after its visibility timeout; so do the records it spilled into the next
        // one, which on a FIFO queue must not be processed ahead of it.
        loop.carried = [];
        if (this.abort.signal.aborted) break;
        await this.reportProblem(error);
        await this.sleep(problemBackoffMs);
      }
    }
    await loop.settling;
  }

  /**
   * One batch: gather, filter, invoke, then settle while the loop already gathers the next batch (the
   * deletions' commits need not hold up the next receive). A loop settles one batch at a time: before it
   * invokes again, the previous batch is settled. Records received beyond the payload limit are carried.
   */
  private async pollOnce(loop: PollLoop): Promise<void> {
    const { context } = this.deps;
    const runnable = await this.deps.invoker.current(this.mapping.accountId, this.mapping.functionName);
    this.pool = runnable.pool;
    const session = await context.roleSessions.sessionFor(runnable.row.roleArn, runnable.row.functionName, 0);
    const mayReceive = async () => {
      try {
        await context.authorize(session.caller, 'sqs:ReceiveMessage', this.mapping.queueArn);
        await authorizeQueueKey(context, session.caller, this.address, this.mapping.queueArn);
      } catch (error) {
        // A revoked session stays refused: the next poll asks for a new one.
        context.roleSessions.forget?.(runnable.row.roleArn, runnable.row.functionName);
        throw error;
      }
    };
    await mayReceive();
    const spilled = new Set(loop.carried);
    const { records, rest } = await this.gather(loop.carried);
    loop.carried = rest;
    if (records.length === 0) return;
    let matching: SqsRecord[] = [];
    const unmatched: SqsRecord[] = [];
    for (const record of records) (matchesFilters(this.filters, record) ? matching : unmatched).push(record);
    if (unmatched.length > 0) await this.delete(session.caller, unmatched, 'filtered');
    if (matching.length === 0) return;
    // A long poll may have begun before the role was quarantined or a policy changed: the batch goes to the
    // function only if the role may still receive and decrypt now (denied, it returns after its visibility timeout).
    await mayReceive();
    const groupsLeft = await loop.settling;
    loop.settling = Promise.resolve(noGroups);
    // Records spilled over from the previous batch follow it in their group: after its failure they wait in
    // flight and come back after it, in order (AWS: a FIFO group's messages are processed in order).
    if (groupsLeft.size > 0) {
      matching = matching.filter((record) => !(spilled.has(record) && groupsLeft.has(messageGroupOf(record))));
      if (matching.length === 0) return;
    }
    const slot = await this.deps.slots.acquire(this.abort.signal);
    let invocation: Invocation;
    try {
      if (slot.waited) this.deps.recorder.throttled(this.mapping.accountId, this.mapping.functionName);
      this.signals.invocations++;
      this.inFlight++;
      invocation = await this.deps.invoker.invoke(runnable, { Records: matching });
    } finally {
      this.inFlight--;
      slot.release();
    }
    // Also after a restart that found the last process's problem shown (this process has none to clear).
    if (this.shownResult !== 'OK') this.showResult('OK');
    const batch = matching;
    loop.settling = this.settle(runnable, batch, invocation, session.caller).catch((error: unknown) => {
      this.deps.log(
        `pciq: function ${this.mapping.functionName}: settling a batch failed (its messages return after their visibility timeout): ${(error as Error)?.message ?? error}\n`,
      );
      return this.groupsOf(batch);
    });
  }

  /** The message groups of records of a FIFO queue (none on a standard queue, where order is not kept). */
  private groupsOf(records: readonly SqsRecord[]): ReadonlySet<string> {
    if (!this.isFifo) return noGroups;
    return new Set(records.map(messageGroupOf));
  }

  /** Receives up to the batch size, within the batching window and Lambda's 6 MB payload. */
  private async gather(carried: SqsRecord[]): Promise<{ records: SqsRecord[]; rest: SqsRecord[] }> {
    const { context } = this.deps;
    const records: SqsRecord[] = [];
    let bytes = 0;
    const rest: SqsRecord[] = [];
    const add = (record: SqsRecord) => {
      const size = recordBytes(record);
      if (rest.length > 0 || (records.length > 0 && bytes + size > maxPayloadBytes)) rest.push(record);
      else {
        records.push(record);
        bytes += size;
      }
    };
    for (const record of carried) add(record);
    const windowMs = this.mapping.batchWindowSec * 1000;
    let windowEndsAt: number | undefined = records.length > 0 ? context.clock.now() + windowMs : undefined;
    while (records.length < this.mapping.batchSize && rest.length === 0 && !this.abort.signal.aborted) {
      const now = context.clock.now();
      if (windowEndsAt !== undefined && (windowMs === 0 || now >= windowEndsAt)) break;
      const want = Math.min(10, this.mapping.batchSize - records.length);
      const waitSec =
        windowEndsAt === undefined ? longPollSec : Math.min(longPollSec, Math.ceil((windowEndsAt - now) / 1000));
      let messages: ReceivedMessage[];
      try {
        messages = await context.queues.receiveMessages(
          this.address,
          { maxMessages: want, waitTimeSec: waitSec, systemAttributeNames: ['All'], messageAttributeNames: ['All'] },
          this.abort.signal,
        );
      } catch (error) {
        // Messages already gathered return to the queue after their visibility timeout.
        if (records.length > 0 && this.abort.signal.aborted) return { records: [], rest: [] };
        throw error;
      }
      if (messages.length === want) this.signals.fullReceives++;
      if (messages.length === 0) {
        if (windowEndsAt === undefined) {
          this.signals.emptyReceives++;
          break;
        }
        continue;
      }
      windowEndsAt ??= context.clock.now() + windowMs;
      for (const message of messages) add(sqsRecordOf(message, this.mapping.queueArn, context.region));
    }
    return { records, rest };
  }

  private async settle(
    runnable: RunnableVersion,
    records: readonly SqsRecord[],
    invocation: Invocation,
    caller: Caller,
  ): Promise<ReadonlySet<string>> {
    const { result } = invocation;
    const verdict = result.ok
      ? judgeBatchResponse(
          result.payload,
          records.map((record) => record.messageId),
          this.mapping.reportBatchItemFailures,
        )
      : { kind: 'failure' as const, reason: 'the function failed' };
    await reportInvocation(this.deps, {
      mapping: this.mapping,
      runnable,
      records,
      invocation,
      verdict,
      caller,
    });
    if (verdict.kind === 'failure') return this.groupsOf(records);
    const failedIds: ReadonlySet<string> = verdict.kind === 'partial' ? verdict.failedIds : new Set();
    const done = records.filter((record) => !failedIds.has(record.messageId));
    if (done.length > 0) await this.delete(caller, done, 'processed');
    return this.groupsOf(records.filter((record) => failedIds.has(record.messageId)));
  }

  /**
   * Deletes records the function processed (or no filter matched), as the function's role, and records the
   * deletion as a client's DeleteMessageBatch is recorded (PCI DSS 10.2.1, 10.2.2): who, which messages, why.
   */
  private async delete(caller: Caller, records: readonly SqsRecord[], why: 'processed' | 'filtered'): Promise<void> {
    const { context } = this.deps;
    await context.authorize(caller, 'sqs:DeleteMessage', this.mapping.queueArn);
    const deletedIds: string[] = [];
    for (let i = 0; i < records.length; i += 10) {
      const batch = records.slice(i, i + 10);
      const entries = batch.map((record, index) => ({ id: String(index), receiptHandle: record.receiptHandle }));
      const outcomes = await context.queues.deleteMessageBatch(this.address, entries);
      outcomes.forEach((outcome, index) => {
        if (outcome.ok) deletedIds.push(batch[index]!.messageId);
      });
      // A handle gone stale (the message was received again after its visibility timeout) is what SQS reports
      // when a batch ran longer than the queue's visibility timeout: the message will be processed again.
      const failed = outcomes.filter((outcome) => !outcome.ok).length;
      if (failed > 0) {
        this.deps.log(
          `pciq: function ${this.mapping.functionName}: ${failed} message(s) could not be deleted after processing; the queue's visibility timeout is shorter than the batch took\n`,
        );
      }
    }
    if (deletedIds.length === 0) return;
    await context.audit.recordAlone({
      type: 'sqs:DeleteMessageBatch',
      outcome: 'success',
      category: 'data',
      actor: { principal: caller.principalArn, accessKeyId: caller.accessKeyId || null, accountId: caller.accountId },
      resource: this.mapping.queueArn,
      data: { messageIds: deletedIds, count: deletedIds.length },
      details: {
        mapping: this.mapping.uuid,
        function: functionArn(context.region, this.mapping.accountId, this.mapping.functionName),
        why,
      },
    });
  }

  private async reportProblem(error: unknown): Promise<void> {
    const code = isPciqError(error) ? error.code : 'InternalFailure';
    if (this.problem === code) return;
    this.problem = code;
    const message = (error as Error)?.message ?? String(error);
    this.deps.log(`pciq: event source mapping ${this.mapping.uuid} (${this.mapping.functionName}): ${message}\n`);
    // What the operator sees on the mapping: pciq's own words for a refusal or a missing queue; anything else
    // is described in the server log only.
    const result = `PROBLEM: ${isPciqError(error) ? error.message.slice(0, 1024) : 'an internal error; see the server log'}`;
    this.shownResult = result;
    await this.deps.context.store
      .write(async (tx) => {
        await tx.functions.recordProcessingResult(this.mapping.uuid, result);
        await this.deps.context.audit.record(tx, {
          type: 'lambda:PollQueue',
          outcome: 'failure',
          error: code,
          category: 'data',
          resource: functionArn(this.deps.context.region, this.mapping.accountId, this.mapping.functionName),
          details: { mapping: this.mapping.uuid, queue: this.mapping.queueArn },
        });
      })
      .catch(() => undefined);
  }

  private clearProblem(): void {
    if (this.problem === undefined) return;
    this.problem = undefined;
    this.deps.log(`pciq: event source mapping ${this.mapping.uuid} (${this.mapping.functionName}) is polling again\n`);
    this.showResult('OK');
  }

  /** Sets the mapping's last processing result (Lambda's LastProcessingResult) where operators read it. */
  private showResult(result: string): void {
    this.shownResult = result;
    void this.deps.context.store
      .write((tx) => tx.functions.recordProcessingResult(this.mapping.uuid, result))
      .catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.deps.context.clock.setTimer(ms, resolve);
      this.abort.signal.addEventListener(
        'abort',
        () => {
          cancel();
          resolve();
        },
        { once: true },
      );
    });
  }
}

function messageGroupOf(record: SqsRecord): string {
  return record.attributes['MessageGroupId'] ?? '';
}
