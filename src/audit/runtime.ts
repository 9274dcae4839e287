import type { Clock } from '../core/index.ts';
import type { SystemKeyring } from '../crypto/index.ts';
import type { QueueService } from '../queues/index.ts';
import type { Store } from '../storage/index.ts';
import { type AlertSink, LogAlertSink } from './alerts/alert.ts';
import { AlertDispatcher } from './alerts/dispatcher.ts';
import { QueueAlertSink } from './alerts/queue-sink.ts';
import { WebhookAlertSink } from './alerts/webhook-sink.ts';
import { AuditedStore } from './audited-store.ts';
import type { CheckpointReason } from './checkpoint.ts';
import { Checkpointer } from './checkpointer.ts';
import type { AuditConfig } from './config.ts';
import { AuditEvents } from './events.ts';
import type { DetailValue } from './record.ts';
import { RequestAuditor } from './request-auditor.ts';
import { Archiver } from './retention/archiver.ts';
import { applyRetention } from './retention/policy.ts';
import { Reviewer } from './review/reviewer.ts';
import { AuditService } from './service.ts';
import { AuditTrail } from './trail.ts';
import { verifyTrail } from './verify/verify-trail.ts';

export interface AuditRuntimeOptions {
  /** The store itself; services get `runtime.store`, which audits their units of work. */
  store: Store;
  keyring: SystemKeyring;
  clock: Clock;
  config: AuditConfig;
  archiveDir: string;
  accountId: string;
  /** Where alerts and audit problems are logged (stderr). */
  log: (line: string) => void;
  node?: string;
}

/**
 * Where a run's state is kept (PCI DSS 10.7.2: a run that ended without stopping is recorded as interrupted).
 * Nodes sharing a store each keep their own, by node name.
 */
function sessionKeyOf(chaining: 'inline' | 'sequenced', node: string): string {
  return chaining === 'inline' ? 'session' : `session:${node}`;
}

/**
 * The audit trail as a running server uses it. Start and stop of audit logging and of the server are
 * recorded (PCI DSS 10.2.1.6), and a run that ended without its stop record is recorded as interrupted on
 * the next start (10.7.2). While running: signed checkpoints at an interval, archive and purge, a daily
 * verification of the whole trail, and the reviewer; on stop, a final signed checkpoint.
 */
export class AuditRuntime {
  readonly trail: AuditTrail;
  readonly store: AuditedStore;
  readonly auditor: RequestAuditor;
  readonly events: AuditEvents;
  readonly service: AuditService;
  readonly checkpointer: Checkpointer;
  private readonly options: AuditRuntimeOptions;
  private readonly archiver: Archiver;
  private reviewer: Reviewer | undefined;
  private dispatcher: AlertDispatcher | undefined;
  private readonly timers = new Set<() => void>();
  private reportedProblem: number | undefined;
  private running = false;
  private isLeading = false;
  private stopLeading: (() => Promise<void>) | undefined;

  private constructor(options: AuditRuntimeOptions) {
    this.options = options;
    this.trail = new AuditTrail({
      store: options.store,
      keyring: options.keyring,
      clock: options.clock,
      clockSource: options.config.clockSource,
      ...(options.node ? { node: options.node } : {}),
    });
    this.store = new AuditedStore(options.store, this.trail);
    this.auditor = new RequestAuditor(this.trail);
    this.events = new AuditEvents(this.trail);
    this.service = new AuditService(this.trail);
    this.checkpointer = new Checkpointer(this.trail, { archiveDir: options.archiveDir });
    this.archiver = new Archiver(this.trail, this.checkpointer, {
      archiveDir: options.archiveDir,
      policy: options.config.retention,
    });
  }

  /** Opens the trail and records the start of audit logging, sealed by a checkpoint. */
  static async open(options: AuditRuntimeOptions): Promise<AuditRuntime> {
    const runtime = new AuditRuntime(options);
    await runtime.trail.open();
    const { config } = options;
    const { trail } = runtime;
    await trail.store.write(async (tx) => {
      const { policy, previous } = await applyRetention(tx, config.retention);
      if (previous) {
        await trail.append(
          tx,
          trail.systemDraft('audit:SetRetention', 'audit', 'success', {
            retainDays: policy.retainDays,
            hotDays: policy.hotDays,
            previousRetainDays: previous.retainDays,
            previousHotDays: previous.hotDays,
          }),
        );
      }
      const session = sessionKeyOf(tx.audit.chaining, trail.node);
      if ((await tx.audit.getState(session)) === 'running') {
        await trail.append(
          tx,
          trail.systemDraft('pciq:AuditLogInterrupted', 'system', 'failure', {
            reason: 'the previous run ended without stopping',
          }),
        );
      }
      await tx.audit.setState(session, 'running');
      await trail.append(
        tx,
        trail.systemDraft('pciq:AuditLogStarted', 'system', 'success', {
          checkpointIntervalSec: config.checkpointIntervalSec,
          retainDays: policy.retainDays,
          hotDays: policy.hotDays,
          rules: config.rules.length,
        }),
      );
    });
    await runtime.seal('start');
    return runtime;
  }

  /**
   * The trail for a serving process under a primary (`pciq serve --workers`): it records its requests and
   * events into the one shared chain, while the primary records start and stop and runs the reviewer,
   * checkpoints and retention.
   */
  static async attach(options: AuditRuntimeOptions): Promise<AuditRuntime> {
    const runtime = new AuditRuntime(options);
    await runtime.trail.open();
    return runtime;
  }

  /** Starts the reviewer and the periodic work, once the services (the alerts queue's) exist. */
  async start(services: { queues: QueueService; details: Record<string, DetailValue> }): Promise<void> {
    const { config, log, accountId } = this.options;
    const sinks: AlertSink[] = [];
    if (config.alerts.log) sinks.push(new LogAlertSink(log));
    if (config.alerts.queue) sinks.push(new QueueAlertSink(services.queues, accountId, config.alerts.queue));
    if (config.alerts.webhook) sinks.push(new WebhookAlertSink(config.alerts.webhook));
    this.dispatcher = new AlertDispatcher(this.trail, sinks);
    this.reviewer = new Reviewer({
      trail: this.trail,
      rules: config.rules,
      dispatcher: this.dispatcher,
      onError: (error) => log(`pciq: audit review failed: ${(error as Error)?.message ?? String(error)}\n`),
    });
    await this.trail.record(this.trail.systemDraft('pciq:ServerStarted', 'system', 'success', services.details));
    this.running = true;
    if (this.trail.isSequenced) this.trail.sequencer.startSweeping();
    // Review, checkpoints, archive and verification run on one node at a time among those sharing the store.
    this.stopLeading = this.options.store.lead('audit', {
      onLead: () => void this.lead().catch((error: unknown) => log(`pciq: audit review failed: ${describe(error)}\n`)),
      onLost: () => this.follow(),
    });
  }

  private async lead(): Promise<void> {
    if (!this.running) return;
    const { config } = this.options;
    this.isLeading = true;
    await this.reviewer?.start();
    this.repeat(config.checkpointIntervalSec * 1000, () => this.seal('interval'));
    this.repeat(config.archiveIntervalSec * 1000, () => this.archive());
    if (config.verifyIntervalSec > 0) this.repeat(config.verifyIntervalSec * 1000, () => this.verify());
  }

  /** Leadership lost (the database session ended): stop the leader's work until this node leads again. */
  private follow(): void {
    this.isLeading = false;
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    this.reviewer?.pause();
  }

  /** Records the stop, lets alerts about it go out, and writes the final signed checkpoint. */
  async stop(): Promise<void> {
    this.running = false;
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    await this.stopLeading?.();
    const { trail } = this;
    await trail.store.write(async (tx) => {
      await trail.append(tx, trail.systemDraft('pciq:ServerStopped', 'system', 'success'));
      await trail.append(tx, trail.systemDraft('pciq:AuditLogStopped', 'system', 'success'));
      await tx.audit.setState(sessionKeyOf(tx.audit.chaining, trail.node), 'stopped');
    });
    if (this.isLeading) {
      await this.trail.sequence();
      await this.reviewer?.review().catch(() => undefined);
      await this.reviewer?.save();
    }
    await this.dispatcher?.settled();
    this.reviewer?.stop();
    this.trail.sequencer.stop();
    await this.seal('shutdown');
  }

  /** Signs a checkpoint; records altered before sealing are reported once, as a failed verification. */
  async seal(reason: CheckpointReason): Promise<void> {
    const { problems } = await this.checkpointer.checkpoint(reason);
    if (problems.length === 0) return;
    const first = problems[0]!;
    if (this.reportedProblem === first.seq) return;
    this.reportedProblem = first.seq;
    this.options.log(
      `pciq: audit record ${first.seq} failed its check before sealing (${first.problems.join(', ')}); run \`pciq audit verify\`\n`,
    );
    await this.trail.record(
      this.trail.systemDraft('audit:VerifyTrail', 'audit', 'failure', {
        source: 'checkpoint',
        firstSeq: first.seq,
        records: problems.length,
      }),
    );
  }

  async archive(): Promise<void> {
    try {
      await this.archiver.run();
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      this.options.log(`pciq: audit archive failed: ${message}\n`);
      await this.trail.record(this.trail.systemDraft('audit:ArchiveSegment', 'audit', 'failure', { reason: message }));
    }
  }

  /** Verifies the whole trail and records the result (PCI DSS 10.4.1, 10.3.4). */
  async verify(): Promise<void> {
    const report = await verifyTrail(this.trail, { archiveDir: this.options.archiveDir });
    const failures = report.findings.filter((finding) => finding.isFailure);
    if (failures.length > 0) this.options.log(`pciq: audit verification failed: ${failures[0]!.message}\n`);
    await this.trail.record(
      this.trail.systemDraft('audit:VerifyTrail', 'audit', report.isValid ? 'success' : 'failure', {
        source: 'scheduled',
        records: report.recordsChecked,
        checkpoints: report.checkpointsChecked,
        segments: report.segmentsChecked,
        failures: failures.length,
        firstFailure: failures[0]?.message ?? null,
      }),
    );
  }

  private repeat(intervalMs: number, work: () => Promise<void>): void {
    const schedule = () => {
      const cancel = this.options.clock.setTimer(intervalMs, () => {
        this.timers.delete(cancel);
        work()
          .catch((error: unknown) =>
            this.options.log(`pciq: audit work failed: ${(error as Error)?.message ?? String(error)}\n`),
          )
          .finally(() => {
            if (this.running && this.isLeading) schedule();
          });
      });
      this.timers.add(cancel);
    };
    schedule();
  }
}

function describe(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}
