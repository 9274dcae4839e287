import type { RaisedAlert } from '../review/evaluator.ts';

/** An alert as it leaves pciq: to the log, the webhook, the alerts queue. */
export interface AlertMessage {
  id: number;
  rule: string;
  severity: string;
  summary: string;
  time: string;
  /** The audit record that raised it: `pciq audit search` and `pciq audit prove` find it by this number. */
  recordSeq: number;
  log: string;
  node: string;
  detail: RaisedAlert['detail'];
}

/** One way alerts leave pciq. `deliver` throws when it did not get through; the dispatcher retries. */
export interface AlertSink {
  readonly name: string;
  /** Attempts before giving up (1: no retry). */
  readonly maxAttempts: number;
  deliver(alert: AlertMessage): Promise<void>;
}

/** Alerts as one JSON line on the log (stderr), prefixed so log pipelines can route them. */
export class LogAlertSink implements AlertSink {
  readonly name = 'log';
  readonly maxAttempts = 1;
  private readonly write: (line: string) => void;

  constructor(write: (line: string) => void) {
    this.write = write;
  }

  async deliver(alert: AlertMessage): Promise<void> {
    this.write(`pciq alert: ${JSON.stringify(alert)}\n`);
  }
}
