import { type Sealer, unreadableReasonOf } from '../keys/index.ts';
import type { InvocationOutcome, Store } from '../storage/index.ts';
import { functionArn } from './names.ts';
import { openLog } from './sealing.ts';

export interface LogEntry {
  id: number;
  requestId: string;
  version: number;
  time: string;
  durationMs: number;
  outcome: InvocationOutcome;
  /** Masked when written; `undefined` when its key was destroyed (reported as unreadable). */
  text: string | undefined;
}

interface MinuteFigures {
  invocations: number;
  errors: number;
  throttles: number;
  records: number;
  averageDurationMs: number;
  maxDurationMs: number;
  maxIteratorAgeMs: number;
}

export interface MetricsSummary {
  functionName: string;
  since: string;
  totals: MinuteFigures;
  minutes: Array<{ minute: string } & MinuteFigures>;
}

/** Reading what invocations left behind: logs (opened) and per-minute metrics. */
export class FunctionObservations {
  private readonly store: Store;
  private readonly sealer: Sealer;
  private readonly region: string;

  constructor(options: { store: Store; sealer: Sealer; region: string }) {
    this.store = options.store;
    this.sealer = options.sealer;
    this.region = options.region;
  }

  async logs(
    accountId: string,
    name: string,
    query: { sinceMs: number; limit: number; afterId?: number },
  ): Promise<LogEntry[]> {
    return this.store.read(async (tx) => {
      const rows = await tx.functions.readLogs(accountId, name, query.sinceMs, query.afterId ?? 0, query.limit);
      const session = await this.sealer.session(tx);
      return rows.map((row) => {
        let text: string | undefined;
        try {
          text = openLog(session, accountId, name, row.requestId, row.sealedText);
        } catch (error) {
          const unreadable = unreadableReasonOf(error);
          if (!unreadable) throw error;
          this.sealer.reportUnreadable({
            source: 'lambda-functions',
            resource: functionArn(this.region, accountId, name, row.version),
            recordId: row.requestId,
            ...unreadable,
          });
        }
        return {
          id: row.id,
          requestId: row.requestId,
          version: row.version,
          time: new Date(row.atMs).toISOString(),
          durationMs: row.durationMs,
          outcome: row.outcome,
          text,
        };
      });
    });
  }

  async metrics(accountId: string, name: string, sinceMs: number): Promise<MetricsSummary> {
    const rows = await this.store.read((tx) => tx.functions.readMetrics(accountId, name, sinceMs));
    const figures = (list: typeof rows): MinuteFigures => {
      const invocations = list.reduce((sum, row) => sum + row.invocations, 0);
      const durationSum = list.reduce((sum, row) => sum + row.durationSumMs, 0);
      return {
        invocations,
        errors: list.reduce((sum, row) => sum + row.errors, 0),
        throttles: list.reduce((sum, row) => sum + row.throttles, 0),
        records: list.reduce((sum, row) => sum + row.records, 0),
        averageDurationMs: invocations > 0 ? Math.round((durationSum / invocations) * 10) / 10 : 0,
        maxDurationMs: list.reduce((max, row) => Math.max(max, row.durationMaxMs), 0),
        maxIteratorAgeMs: list.reduce((max, row) => Math.max(max, row.iteratorAgeMaxMs), 0),
      };
    };
    return {
      functionName: name,
      since: new Date(sinceMs).toISOString(),
      totals: figures(rows),
      minutes: rows.map((row) => ({ minute: new Date(row.minuteMs).toISOString(), ...figures([row]) })),
    };
  }
}
