import type { Clock } from '../core/index.ts';
import { isWorthInspecting, maskCardNumbers, sadKindInText } from '../guard/index.ts';
import type { Sealer } from '../keys/index.ts';
import type { FunctionMetricRow, NewFunctionLog, Store, WriteTx } from '../storage/index.ts';
import { sealLog } from './sealing.ts';

/** Logs are kept 30 days, per-minute metrics 90 days; a sweep removes older ones. */
export const logRetentionMs = 30 * 24 * 3600 * 1000;
export const metricRetentionMs = 90 * 24 * 3600 * 1000;

/** What an invocation left to log, before masking and sealing. */
export type InvocationLog = Omit<NewFunctionLog, 'sealedText'> & {
  text: string;
  /** Values that must not appear in stored logs: secret environment values, session credentials. */
  secrets: readonly string[];
};

/** A console line's time, request id and level, kept where its message is withheld. */
const consoleLinePrefix = /^[^\t\n]*\t[^\t\n]*\t[A-Z]+\t/;

/**
 * A line that holds sensitive authentication data (a card verification code, track data, a PIN block, as the
 * guard finds them): SAD is never kept after authorization, not even sealed (PCI DSS 3.3.1), and no mask
 * leaves part of it, so the line's message is withheld, its time, request id and level kept.
 */
function withholdSad(line: string): string {
  const kind = sadKindInText(line);
  if (!kind) return line;
  return `${consoleLinePrefix.exec(line)?.[0] ?? ''}[line withheld: sensitive authentication data, ${kind}]`;
}

/**
 * Text handlers print goes into logs only after masking (PCI DSS 3.4.1): card numbers, found as pciq's
 * guard finds them, keep at most their first six and last four digits, lines with sensitive authentication
 * data are withheld, and the function's own secrets (flagged environment values, session credentials), as
 * printed or as JSON writes them, become `[secret]`.
 */
export function maskLog(text: string, secrets: readonly string[]): string {
  // Before card numbers are masked: track data is found by the card number it holds. Output that could not
  // hold card data at all (the guard's own quick test) is not split into lines and judged line by line.
  let masked = isWorthInspecting(text) ? text.split('\n').map(withholdSad).join('\n') : text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    // Error reports are written as JSON, which escapes a value's quotes, backslashes and control characters.
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)]))
      masked = masked.split(form).join('[secret]');
  }
  return maskCardNumbers(masked);
}

type Counts = Omit<FunctionMetricRow, 'accountId' | 'functionName' | 'minuteMs'>;

/**
 * Invocation logs (sealed, one row per invocation, written in the caller's transaction) and per-minute
 * metrics per function: invocations, errors, duration, throttles, iterator age, held in memory and added
 * to the store's minute rows when flushed.
 */
export class InvocationRecorder {
  private readonly store: Store;
  private readonly sealer: Sealer;
  private readonly clock: Clock;
  private counts = new Map<string, Counts>();

  constructor(options: { store: Store; sealer: Sealer; clock: Clock }) {
    this.store = options.store;
    this.sealer = options.sealer;
    this.clock = options.clock;
  }

  async writeLog(tx: WriteTx, log: InvocationLog): Promise<void> {
    const session = await this.sealer.session(tx);
    const text = maskLog(log.text, log.secrets);
    await tx.functions.appendLog({
      accountId: log.accountId,
      functionName: log.functionName,
      version: log.version,
      requestId: log.requestId,
      atMs: log.atMs,
      durationMs: Math.round(log.durationMs),
      outcome: log.outcome,
      sealedText: sealLog(session, log.accountId, log.functionName, log.requestId, text),
    });
  }

  invoked(
    accountId: string,
    functionName: string,
    sample: { isError: boolean; records: number; durationMs: number; iteratorAgeMs: number },
  ): void {
    const counts = this.countsOf(accountId, functionName);
    counts.invocations++;
    if (sample.isError) counts.errors++;
    counts.records += sample.records;
    counts.durationSumMs += sample.durationMs;
    counts.durationMaxMs = Math.max(counts.durationMaxMs, sample.durationMs);
    counts.iteratorAgeMaxMs = Math.max(counts.iteratorAgeMaxMs, sample.iteratorAgeMs);
  }

  throttled(accountId: string, functionName: string): void {
    this.countsOf(accountId, functionName).throttles++;
  }

  private countsOf(accountId: string, functionName: string): Counts {
    const minute = Math.floor(this.clock.now() / 60_000) * 60_000;
    const key = `${accountId}\n${functionName}\n${minute}`;
    let counts = this.counts.get(key);
    if (!counts) {
      counts = {
        invocations: 0,
        errors: 0,
        throttles: 0,
        records: 0,
        durationSumMs: 0,
        durationMaxMs: 0,
        iteratorAgeMaxMs: 0,
      };
      this.counts.set(key, counts);
    }
    return counts;
  }

  /** Adds what was counted since the last flush to the store. */
  async flush(): Promise<void> {
    if (this.counts.size === 0) return;
    const pending = this.counts;
    this.counts = new Map();
    const rows: FunctionMetricRow[] = [...pending].map(([key, counts]) => {
      const [accountId, functionName, minute] = key.split('\n') as [string, string, string];
      return { accountId, functionName, minuteMs: Number(minute), ...counts };
    });
    await this.store.write((tx) => tx.functions.addMetrics(rows));
  }

  /** Removes logs and metrics past their retention. */
  async sweep(): Promise<number> {
    const now = this.clock.now();
    let total = 0;
    for (;;) {
      const removed = await this.store.write((tx) =>
        tx.functions.deleteExpiredObservations(now - logRetentionMs, now - metricRetentionMs, 1_000),
      );
      total += removed;
      if (removed < 1_000) return total;
    }
  }
}
