import type { Clock } from '../../core/index.ts';
import { outsideRequests } from '../request-audit.ts';
import type { AuditTrail } from '../trail.ts';
import type { AlertMessage, AlertSink } from './alert.ts';

export type SinkDelivery =
  | { status: 'delivered'; attempts: number }
  | { status: 'pending'; attempts: number; lastError?: string }
  | { status: 'failed'; attempts: number; lastError: string };

export type DeliveryState = Record<string, SinkDelivery>;

const firstRetryMs = 1_000;
const maxRetryMs = 5 * 60_000;

/**
 * Sends each alert to every sink, retrying failed deliveries with exponential backoff on the injected
 * clock, and keeps each sink's delivery state with the alert (so a restart resumes what was pending). A
 * sink that gives up is itself recorded in the trail (`audit:AlertDelivery`), since a monitoring channel
 * that fails is a failed security control (PCI DSS 10.7.2).
 */
export class AlertDispatcher {
  private readonly trail: AuditTrail;
  private readonly sinks: readonly AlertSink[];
  private readonly clock: Clock;
  private readonly timers = new Set<() => void>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(trail: AuditTrail, sinks: readonly AlertSink[]) {
    this.trail = trail;
    this.sinks = sinks;
    this.clock = trail.clock;
  }

  get sinkNames(): string[] {
    return this.sinks.map((sink) => sink.name);
  }

  /** Initial delivery state: every sink pending. */
  initialState(): DeliveryState {
    return Object.fromEntries(this.sinks.map((sink) => [sink.name, { status: 'pending', attempts: 0 }]));
  }

  /** Delivers to every sink still pending in `state`, as nobody's request (the alerts queue's writes included). */
  dispatch(alert: AlertMessage, state: DeliveryState): void {
    outsideRequests(() => {
      for (const sink of this.sinks) {
        const current = state[sink.name] ?? { status: 'pending', attempts: 0 };
        if (current.status === 'pending') this.attempt(alert, sink, state, current.attempts);
      }
    });
  }

  private attempt(alert: AlertMessage, sink: AlertSink, state: DeliveryState, previousAttempts: number): void {
    if (this.stopped) return;
    const attempts = previousAttempts + 1;
    const run = sink
      .deliver(alert)
      .then(
        () => this.save(alert.id, state, sink.name, { status: 'delivered', attempts }),
        async (error: unknown) => {
          const lastError = (error as Error)?.message ?? String(error);
          if (attempts >= sink.maxAttempts) {
            await this.save(alert.id, state, sink.name, { status: 'failed', attempts, lastError });
            await this.trail.record(
              this.trail.systemDraft('audit:AlertDelivery', 'audit', 'failure', {
                alertId: alert.id,
                sink: sink.name,
                attempts,
              }),
            );
            return;
          }
          await this.save(alert.id, state, sink.name, { status: 'pending', attempts, lastError });
          const delayMs = Math.min(maxRetryMs, firstRetryMs * 2 ** (attempts - 1));
          const cancel = this.clock.setTimer(delayMs, () => {
            this.timers.delete(cancel);
            this.attempt(alert, sink, state, attempts);
          });
          this.timers.add(cancel);
        },
      )
      .catch(() => undefined)
      .finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  private async save(id: number, state: DeliveryState, sink: string, delivery: SinkDelivery): Promise<void> {
    state[sink] = delivery;
    const isPending = Object.values(state).some((entry) => entry.status === 'pending');
    await this.trail.store.write((tx) => tx.audit.setAlertDelivery(id, JSON.stringify(state), isPending));
  }

  /** Resolves when the attempts under way have finished (retries scheduled later are not waited for). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of this.timers) cancel();
    this.timers.clear();
  }
}
