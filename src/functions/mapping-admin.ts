import { randomUUID } from 'node:crypto';
import {
  type Caller,
  invalidParameter,
  isPciqError,
  PciqError,
  parseQueueArn,
  parseQueueUrl,
  type QueueAddress,
} from '../core/index.ts';
import type { EventSourceMappingRow, ReadTx, WriteTx } from '../storage/index.ts';
import type { FunctionsContext } from './context.ts';
import { functionArn } from './names.ts';
import { authorizeQueueKey } from './queue-key.ts';
import { checkMappingSettings, checkVisibilityCoversTimeout, functionLimits, type MappingInput } from './settings.ts';
import { type MappingView, mappingViewOf } from './views.ts';

/** What Lambda's execution role must allow on the queue for an SQS event source (AWSLambdaSQSQueueExecutionRole). */
export const pollerActions = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] as const;

export interface MapInput extends MappingInput {
  /** A queue name of the account, a queue URL or a queue ARN. */
  queue: string;
  isEnabled?: boolean | undefined;
}

export interface MapResult {
  mapping: MappingView;
  warnings: string[];
}

/** Resolves what an operator typed for a queue: a name of this account, a queue URL or a queue ARN. */
export function queueAddressOf(accountId: string, text: string): QueueAddress {
  if (text.startsWith('arn:')) {
    const parsed = parseQueueArn(text);
    if (!parsed) throw invalidParameter(`${text.slice(0, 200)} is not an SQS queue ARN.`);
    return { accountId: parsed.accountId, name: parsed.name };
  }
  if (text.includes('/')) {
    const parsed = parseQueueUrl(text);
    if (!parsed) throw invalidParameter(`${text.slice(0, 200)} is not a queue URL.`);
    return parsed;
  }
  return { accountId, name: text };
}

/** Refuses a role that may not receive and delete on the queue, as Lambda refuses to create such a mapping. */
async function checkPollerPermissions(context: FunctionsContext, caller: Caller, queueArn: string): Promise<void> {
  for (const action of pollerActions) {
    try {
      await context.authorize(caller, action, queueArn);
    } catch (error) {
      if (!isPciqError(error) || error.code !== 'AccessDenied') throw error;
      throw new PciqError(
        'AccessDenied',
        `The function's execution role is not allowed ${action} on ${queueArn}; grant it ${pollerActions.join(', ')}.`,
      );
    }
  }
}

function mappingNotFound(uuid: string): PciqError {
  return new PciqError('ResourceNotFoundException', `Event source mapping not found: ${uuid.slice(0, 64)}.`);
}

/**
 * Refuses to start feeding a function that incident response stopped (`pciq incident quarantine function`):
 * its mappings stay disabled until the incident is released, which re-runs the rules first.
 */
async function refuseIfQuarantined(tx: ReadTx, arn: string, functionName: string): Promise<void> {
  const open = (await tx.incidents.list()).find((row) => row.target === arn && row.status === 'contained');
  if (open) {
    throw new PciqError(
      'ResourceConflictException',
      `Function ${functionName} is quarantined by incident ${open.id}: its queue mappings stay disabled until the incident is released (pciq incident release ${open.id}).`,
    );
  }
}

/** Creates, enables, disables, lists and deletes event source mappings from queues to functions. */
export class MappingAdmin {
  private readonly context: FunctionsContext;

  constructor(context: FunctionsContext) {
    this.context = context;
  }

  async map(accountId: string, functionName: string, input: MapInput): Promise<MapResult> {
    const { context } = this;
    if (input.isEnabled ?? true) {
      await context.store.read((tx) =>
        refuseIfQuarantined(tx, functionArn(context.region, accountId, functionName), functionName),
      );
    }
    const address = queueAddressOf(accountId, input.queue);
    const attributes = await context.queues.getQueueAttributes(address, ['QueueArn', 'FifoQueue', 'VisibilityTimeout']);
    const queueArn = attributes['QueueArn']!;
    const settings = checkMappingSettings(input, attributes['FifoQueue'] === 'true');
    const visibilitySec = Number(attributes['VisibilityTimeout']);
    const current = await context.store.read(async (tx) => {
      const row = await tx.functions.getFunction(accountId, functionName);
      return row ? tx.functions.getVersion(accountId, functionName, row.currentVersion) : undefined;
    });
    if (!current) {
      throw new PciqError('ResourceNotFoundException', `Function not found: ${functionName}. Deploy it first.`);
    }
    checkVisibilityCoversTimeout(visibilitySec, current.timeoutSec, queueArn);
    const warnings: string[] = [];
    const recommendedSec = functionLimits.visibilityToTimeoutRatio * current.timeoutSec + settings.batchWindowSec;
    if (visibilitySec < recommendedSec) {
      warnings.push(
        `the queue's visibility timeout (${visibilitySec} s) is under ${functionLimits.visibilityToTimeoutRatio} x the function timeout (${current.timeoutSec} s)${settings.batchWindowSec ? ' plus the batch window' : ''}: a batch retried after a throttle or error may be delivered again while it still runs; set VisibilityTimeout to at least ${recommendedSec}`,
      );
    }
    await this.checkRoleMayPoll(current.roleArn, functionName, address, queueArn);
    const mapping = await context.store.write(async (tx) => {
      const existing = await tx.functions.listMappings(accountId, functionName);
      if (existing.some((row) => row.queueArn === queueArn)) {
        throw new PciqError(
          'ResourceConflictException',
          `An event source mapping from ${queueArn} to ${functionName} already exists; change it or delete it first.`,
        );
      }
      const now = context.clock.now();
      const row: EventSourceMappingRow = {
        uuid: randomUUID(),
        accountId,
        functionName,
        queueArn,
        batchSize: settings.batchSize,
        batchWindowSec: settings.batchWindowSec,
        maxConcurrency: settings.maxConcurrency,
        reportBatchItemFailures: settings.reportBatchItemFailures,
        filterPatterns: settings.filterPatterns,
        isEnabled: input.isEnabled ?? true,
        createdAtMs: now,
        updatedAtMs: now,
        lastProcessingResult: null,
      };
      await tx.functions.insertMapping(row);
      await this.record(tx, 'lambda:CreateEventSourceMapping', row, {
        batchSize: row.batchSize,
        batchWindowSec: row.batchWindowSec,
        maxConcurrency: row.maxConcurrency,
        reportBatchItemFailures: row.reportBatchItemFailures,
        filters: row.filterPatterns.length,
      });
      return row;
    });
    return { mapping: mappingViewOf(context.region, mapping), warnings };
  }

  async setEnabled(accountId: string, uuid: string, isEnabled: boolean): Promise<MappingView> {
    if (isEnabled) {
      // The role may have lost access to the queue or its key while the mapping was disabled.
      const { mapping, current } = await this.context.store.read(async (tx) => {
        const mapping = await tx.functions.getMapping(uuid);
        if (!mapping || mapping.accountId !== accountId) throw mappingNotFound(uuid);
        // A quarantine is the reason to give first, whatever its role may do now.
        await refuseIfQuarantined(
          tx,
          functionArn(this.context.region, accountId, mapping.functionName),
          mapping.functionName,
        );
        const row = await tx.functions.getFunction(accountId, mapping.functionName);
        return { mapping, current: row && (await tx.functions.getVersion(accountId, row.name, row.currentVersion)) };
      });
      if (current) {
        const address = queueAddressOf(accountId, mapping.queueArn);
        await this.checkRoleMayPoll(current.roleArn, mapping.functionName, address, mapping.queueArn);
      }
    }
    const row = await this.context.store.write(async (tx) => {
      const found = await tx.functions.getMapping(uuid);
      if (!found || found.accountId !== accountId) throw mappingNotFound(uuid);
      if (isEnabled) {
        await refuseIfQuarantined(
          tx,
          functionArn(this.context.region, accountId, found.functionName),
          found.functionName,
        );
      }
      const updated = { ...found, isEnabled, updatedAtMs: this.context.clock.now() };
      await tx.functions.updateMapping(updated);
      await this.record(tx, 'lambda:UpdateEventSourceMapping', updated, { state: isEnabled ? 'Enabled' : 'Disabled' });
      return updated;
    });
    return mappingViewOf(this.context.region, row);
  }

  async unmap(accountId: string, uuid: string): Promise<void> {
    await this.context.store.write(async (tx) => {
      const found = await tx.functions.getMapping(uuid);
      if (!found || found.accountId !== accountId) throw mappingNotFound(uuid);
      await tx.functions.deleteMapping(uuid);
      await this.record(tx, 'lambda:DeleteEventSourceMapping', found, {});
    });
  }

  async list(accountId: string, functionName?: string): Promise<MappingView[]> {
    const rows = await this.context.store.read((tx) => tx.functions.listMappings(accountId, functionName));
    return rows.map((row) => mappingViewOf(this.context.region, row));
  }

  /**
   * Refuses a role that could not poll the queue: the function's role must be able to receive, delete and read
   * the queue's attributes (as Lambda checks), and decrypt under the queue's KMS key (as SQS requires).
   */
  private async checkRoleMayPoll(
    roleArn: string,
    functionName: string,
    queue: QueueAddress,
    queueArn: string,
  ): Promise<void> {
    const session = await this.context.roleSessions.sessionFor(roleArn, functionName, 0);
    await checkPollerPermissions(this.context, session.caller, queueArn);
    await authorizeQueueKey(this.context, session.caller, queue, queueArn);
  }

  private async record(
    tx: WriteTx,
    type: string,
    row: EventSourceMappingRow,
    details: Record<string, string | number | boolean | null>,
  ): Promise<void> {
    await this.context.audit.record(tx, {
      type,
      outcome: 'success',
      resource: functionArn(this.context.region, row.accountId, row.functionName),
      details: { mapping: row.uuid, queue: row.queueArn, ...details },
    });
  }
}
