import type { AuditRecord } from '../audit/index.ts';
import type { ActionContext, ActionRegistry } from './action.ts';
import type { Finding } from './findings.ts';
import { proposeChanges } from './remediation.ts';
import { Remediator } from './remediator.ts';
import type { ScanContext } from './resource.ts';
import type { ComplianceScanner, ScanResult, ScanTrigger } from './scanner.ts';

const pageSize = 500;
/** A change is evaluated this soon after its record commits; a burst of changes is evaluated in one pass. */
const evaluateDelayMs = 100;
/** Records other processes write (workers, `pciq` commands) are found by polling this often. */
const pollIntervalMs = 1_000;

/**
 * The resources a record says changed: successful, not message traffic, not the monitor's own findings.
 * A function's records name the version (`…:function:NAME:3`); rules judge the function (`…:function:NAME`).
 */
function changedResources(record: AuditRecord): string[] {
  if (record.outcome !== 'success' || record.category === 'data' || !record.resource) return [];
  if (record.type === 'compliance:Finding') return [];
  const unqualified = /^(arn:[a-z-]+:lambda:[^:]+:\d{12}:function:[^:]+):[^:]+$/.exec(record.resource)?.[1];
  return unqualified ? [record.resource, unqualified] : [record.resource];
}

/**
 * Continuous compliance on the server. On-change policies are evaluated as soon as the audit trail records
 * a change to a resource (a queue policy set through the API, a key disabled with `pciq keys`): the
 * monitor follows the trail as the reviewer does — told of this process's commits, polling for other
 * processes'. Periodic policies run at their intervals, and a full scan at start adds to the score
 * history. Policies that say so remediate at once; every new failure and every fix is recorded in the
 * trail as `compliance:Finding` and logged.
 */
export class ComplianceMonitor {
  private readonly scanner: ComplianceScanner;
  private readonly context: ScanContext;
  private readonly remediator: Remediator;
  private readonly actions: ActionRegistry;
  private readonly actionContext: ActionContext;
  private readonly log: (line: string) => void;
  private cursor = -1;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly timers = new Set<() => void>();
  private stopListening: (() => void) | undefined;
  private scheduled: (() => void) | undefined;
  private isStopped = false;

  constructor(options: {
    scanner: ComplianceScanner;
    context: ScanContext;
    actions: ActionRegistry;
    actionContext: ActionContext;
    log: (line: string) => void;
  }) {
    this.scanner = options.scanner;
    this.context = options.context;
    this.actions = options.actions;
    this.actionContext = options.actionContext;
    this.remediator = new Remediator(options.actions, options.actionContext);
    this.log = options.log;
  }

  async start(): Promise<void> {
    this.isStopped = false;
    const head = await this.context.store.read((tx) => tx.audit.head());
    this.cursor = head?.seq ?? -1;
    this.stopListening = this.context.trail.onAppended(() => this.schedule());
    this.every(pollIntervalMs, () => this.follow());
    const intervals = new Set<number>();
    for (const policy of this.scanner.policies)
      if (policy.mode.type === 'periodic') intervals.add(policy.mode.intervalSec);
    for (const intervalSec of intervals) {
      const names = new Set(
        this.scanner.policies
          .filter((policy) => policy.mode.type === 'periodic' && policy.mode.intervalSec === intervalSec)
          .map((policy) => policy.name),
      );
      this.every(intervalSec * 1000, () => this.evaluate('periodic', { policies: names }));
    }
    // The state at start, in full: the score history gets an entry per server start.
    void this.evaluate('periodic', {}).catch((error: unknown) => this.fail(error));
  }

  stop(): void {
    this.isStopped = true;
    this.stopListening?.();
    this.scheduled?.();
    for (const cancel of this.timers) cancel();
    this.timers.clear();
  }

  /** Resolves once the records committed so far are evaluated (tests, shutdown). */
  async settled(): Promise<void> {
    await this.follow();
  }

  private schedule(): void {
    if (this.scheduled || this.isStopped) return;
    this.scheduled = this.context.clock.setTimer(evaluateDelayMs, () => {
      this.scheduled = undefined;
      void this.follow().catch((error: unknown) => this.fail(error));
    });
  }

  private every(intervalMs: number, work: () => Promise<unknown>): void {
    const schedule = () => {
      const cancel = this.context.clock.setTimer(intervalMs, () => {
        this.timers.delete(cancel);
        work()
          .catch((error: unknown) => this.fail(error))
          .finally(() => {
            if (!this.isStopped) schedule();
          });
      });
      this.timers.add(cancel);
    };
    schedule();
  }

  private fail(error: unknown): void {
    this.log(`pciq: compliance monitor failed: ${(error as Error)?.message ?? String(error)}\n`);
  }

  /** Evaluates on-change policies for the resources changed since the cursor; concurrent calls fold into one. */
  follow(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && !this.isStopped);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async pass(): Promise<void> {
    const changed = new Set<string>();
    for (;;) {
      const rows = await this.context.store.read((tx) => tx.audit.records(this.cursor + 1, pageSize));
      for (const row of rows) {
        try {
          for (const resource of changedResources(JSON.parse(row.body) as AuditRecord)) changed.add(resource);
        } catch {
          // An unreadable record is verification's finding; the monitor goes on past it.
        }
        this.cursor = row.seq;
      }
      if (rows.length < pageSize) break;
    }
    if (changed.size === 0) return;
    const onChange = new Set(
      this.scanner.policies.filter((policy) => policy.mode.type === 'on-change').map((policy) => policy.name),
    );
    if (onChange.size === 0) return;
    await this.evaluate('on-change', { policies: onChange, resourceIds: changed });
  }

  private async evaluate(
    trigger: ScanTrigger,
    scope: { policies?: ReadonlySet<string>; resourceIds?: ReadonlySet<string> },
  ): Promise<void> {
    const before = await this.context.store.read((tx) => tx.compliance.findings());
    const previous = new Map(before.map((row) => [`${row.rule}\n${row.resource}`, row.status]));
    const result = await this.scanner.scan(this.context, { trigger, ...scope });
    await this.announce(result, previous);
    await this.remediate(result);
  }

  /** Records and logs failures that are new and failures that are fixed. */
  private async announce(result: ScanResult, previous: Map<string, string>): Promise<void> {
    const { trail } = this.context;
    const changes = result.findings.filter((finding) => {
      const was = previous.get(`${finding.rule}\n${finding.resource}`);
      return finding.status === 'fail' ? was !== 'fail' : was === 'fail';
    });
    for (const finding of changes) {
      this.log(
        `pciq: compliance ${finding.status === 'fail' ? 'FAIL' : 'fixed'} ${finding.rule} (${finding.severity}) on ${finding.resource}${finding.muted ? ' [muted]' : ''}\n`,
      );
      await trail.record(
        trail.systemDraft(
          'compliance:Finding',
          'management',
          'success',
          {
            rule: finding.rule,
            status: finding.status,
            severity: finding.severity,
            requirements: finding.requirements.join(' '),
            muted: finding.muted !== null,
          },
          finding.resource,
        ),
      );
    }
  }

  private async remediate(result: ScanResult): Promise<void> {
    const automatic = new Set(
      this.scanner.policies.filter((policy) => policy.autoRemediate).map((policy) => policy.name),
    );
    if (automatic.size === 0) return;
    const failing: Finding[] = result.findings.filter((finding) => automatic.has(finding.rule));
    const changes = await proposeChanges(failing, result.resources, this.scanner, this.actions, this.actionContext, {
      policies: automatic,
    });
    for (const change of changes) {
      const outcome = await this.remediator.execute(change, { planId: null, approvedBy: `policy:${change.policy}` });
      this.log(
        `pciq: compliance remediated ${change.resource} by ${change.action} (${change.policy}): ${outcome.outcome}${outcome.error ? ` (${outcome.error})` : ''}\n`,
      );
    }
  }
}
