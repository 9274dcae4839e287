import type { Actor } from '../audit/index.ts';
import type { Caller } from '../core/index.ts';
import type { EventSourceMappingRow, InvocationOutcome } from '../storage/index.ts';
import type { BatchVerdict } from './batch-response.ts';
import type { Invocation, RunnableVersion } from './invoker.ts';
import type { PollerDeps } from './mapping-poller.ts';
import type { SqsRecord } from './sqs-event.ts';

export interface InvocationReport {
  mapping: EventSourceMappingRow;
  runnable: RunnableVersion;
  records: readonly SqsRecord[];
  invocation: Invocation;
  verdict: BatchVerdict;
  caller: Caller;
}

/**
 * Leaves the trace of one invocation: metrics, the sealed log (masked), and — in the same transaction — an
 * audit record of the invocation, whatever its outcome, and one for anything the sandbox refused. The
 * function read the messages as its role: that is access to the data they carry, recorded as a client's
 * receive is (PCI DSS 10.2.1, 10.2.1.1, 10.2.1.4, 10.2.2). Audit records name the function, its role session
 * and the messages, never message bodies or error texts.
 */
export async function reportInvocation(deps: PollerDeps, report: InvocationReport): Promise<void> {
  const { context, recorder } = deps;
  const { mapping, runnable, records, invocation, verdict, caller } = report;
  const { result, requestId, session } = invocation;
  const now = context.clock.now();
  const oldestSentMs = Math.min(...records.map((record) => Number(record.attributes['SentTimestamp'] ?? now)));
  const outcome: InvocationOutcome =
    verdict.kind === 'success' ? 'success' : verdict.kind === 'partial' ? 'partial' : 'error';
  const errorType = !result.ok
    ? result.error.errorType
    : verdict.kind === 'failure'
      ? 'Runtime.InvalidBatchResponse'
      : undefined;
  recorder.invoked(mapping.accountId, mapping.functionName, {
    isError: errorType !== undefined,
    records: records.length,
    durationMs: result.durationMs,
    iteratorAgeMs: Math.max(0, now - oldestSentMs),
  });
  const secrets = [...runnable.secretValues];
  if (session.credentials) secrets.push(session.credentials.secretAccessKey, session.credentials.sessionToken);
  const actor: Actor = {
    principal: caller.principalArn,
    accessKeyId: session.credentials?.accessKeyId ?? null,
    accountId: caller.accountId,
  };
  const messageIds = records.map((record) => record.messageId);
  await context.store.write(async (tx) => {
    await recorder.writeLog(tx, {
      accountId: mapping.accountId,
      functionName: mapping.functionName,
      version: runnable.row.version,
      requestId,
      atMs: now,
      durationMs: result.durationMs,
      outcome,
      text: logText(report, errorType, now),
      secrets,
    });
    await context.audit.record(tx, {
      type: 'lambda:Invoke',
      outcome: errorType === undefined ? 'success' : 'failure',
      ...(errorType !== undefined ? { error: errorType } : {}),
      category: 'data',
      actor,
      resource: runnable.arn,
      data: { messageIds, count: messageIds.length },
      details: {
        requestId,
        mapping: mapping.uuid,
        queue: mapping.queueArn,
        durationMs: Math.round(result.durationMs),
        ...(verdict.kind === 'partial' ? { failedItems: verdict.failedIds.size } : {}),
        ...(!result.ok && result.error.code ? { code: result.error.code } : {}),
      },
    });
    const [first] = result.denials;
    if (first) {
      await context.audit.record(tx, {
        type: 'lambda:SandboxAccessDenied',
        outcome: 'failure',
        error: 'AccessDenied',
        category: 'data',
        actor,
        resource: runnable.arn,
        details: {
          requestId,
          permission: first.permission,
          deniedResource: first.resource,
          denials: result.denials.length,
        },
      });
    }
  });
}

/** The invocation's log as Lambda writes it to CloudWatch: START, the output, any error, END and REPORT. */
function logText(report: InvocationReport, errorType: string | undefined, nowMs: number): string {
  const { invocation, runnable, records, verdict } = report;
  const { requestId, result } = invocation;
  const lines = [`START RequestId: ${requestId} Version: ${runnable.row.version}`];
  if (result.logs) lines.push(result.logs.replace(/\n$/, ''));
  const at = new Date(nowMs).toISOString();
  if (!result.ok) {
    const { errorType: type, errorMessage, trace } = result.error;
    lines.push(
      `${at}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify({ errorType: type, errorMessage, trace })}`,
    );
  } else if (verdict.kind === 'failure') {
    lines.push(`${at}\t${requestId}\tERROR\tInvalid partial batch response: ${verdict.reason}; the whole batch failed`);
  }
  lines.push(`END RequestId: ${requestId}`);
  lines.push(
    `REPORT RequestId: ${requestId}\tDuration: ${result.durationMs.toFixed(2)} ms\tMemory Size: ${runnable.row.memoryMb} MB\tRecords: ${records.length}\tOutcome: ${errorType ?? verdict.kind}`,
  );
  return `${lines.join('\n')}\n`;
}
