import { userInfo } from 'node:os';
import { join } from 'node:path';
import {
  type ActionContext,
  type ActionRegistry,
  ComplianceScanner,
  defaultProviders,
  loadComplianceConfig,
  loadServerSettings,
  PolicyError,
  policiesOf,
  type ScanContext,
} from '../compliance/index.ts';
import { systemClock } from '../core/index.ts';
import { IncidentService } from '../incident/index.ts';
import { KeyAdmin } from '../keys/index.ts';
import { QueueService } from '../queues/index.ts';
import { AuditSession, dataDirOptions } from './audit-session.ts';
import { CliError } from './data-dir.ts';
import { defaultHost, defaultPort } from './defaults.ts';
import { actionsToCheck, policyActions } from './policy-actions.ts';

/** Options of every command that scans: the data directory's, plus the compliance configuration and policy files. */
export const complianceOptions = {
  ...dataDirOptions,
  'compliance-config': { type: 'string' },
  policies: { type: 'string', multiple: true },
} as const;

export interface ComplianceValues {
  'data-dir': string;
  'key-file': string;
  'key-provider'?: string | undefined;
  'key-passphrase-file'?: string | undefined;
  'aws-kms-key-id'?: string | undefined;
  'audit-config'?: string | undefined;
  'compliance-config'?: string | undefined;
  policies?: string[] | undefined;
  store?: string | undefined;
}

/** The OS user running a command: who approved a plan, who muted a finding, unless they name someone. */
export function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * A compliance command on a data directory (also while `pciq serve` runs): the scanner with the policies in
 * force, the context its providers read, and the services its actions change things through. Everything
 * it changes is recorded in the audit trail as the OS user who ran it.
 */
export class ComplianceSession {
  readonly audit: AuditSession;
  readonly scanner: ComplianceScanner;
  readonly actions: ActionRegistry;
  readonly scanContext: ScanContext;
  readonly actionContext: ActionContext;
  private readonly queues: QueueService;
  private incidentService: IncidentService | undefined;

  private constructor(audit: AuditSession, scanner: ComplianceScanner, scanContext: ScanContext, queues: QueueService) {
    this.audit = audit;
    this.scanner = scanner;
    this.actions = policyActions(() => this.incidents());
    this.scanContext = scanContext;
    this.queues = queues;
    const { opened } = audit;
    this.actionContext = {
      store: opened.store,
      trail: audit.trail,
      clock: systemClock,
      accountId: opened.accountId,
      region: opened.region,
      queues,
      keys: new KeyAdmin(opened.keys),
    };
  }

  static async open(values: ComplianceValues): Promise<ComplianceSession> {
    let policies: ReturnType<typeof policiesOf>;
    try {
      policies = policiesOf(loadComplianceConfig(values['compliance-config']), actionsToCheck(), values.policies ?? []);
    } catch (error) {
      if (error instanceof PolicyError) throw new CliError(error.message);
      throw error;
    }
    const audit = await AuditSession.open(values);
    const { opened, paths, config } = audit;
    const server = await opened.store.read((tx) => loadServerSettings(tx));
    const scanContext: ScanContext = {
      store: opened.store,
      trail: audit.trail,
      clock: systemClock,
      accountId: opened.accountId,
      region: opened.region,
      environment: {
        dataDir: paths.dataDir,
        archiveDir: paths.auditArchive,
        keyProvider: opened.keyProvider.kind,
        keyFile: opened.keyProvider.kind === 'local' ? paths.keyFile : null,
        server,
        audit: server?.audit ?? {
          clockSource: config.clockSource,
          reviewRules: config.rules.length,
          verifyIntervalSec: config.verifyIntervalSec,
          alertQueue: config.alerts.queue,
        },
      },
    };
    const queues = new QueueService({
      store: opened.store,
      clock: systemClock,
      sealer: opened.keys,
      region: opened.region,
      endpoint: server?.endpoint ?? `https://${defaultHost}:${defaultPort}`,
    });
    const scanner = new ComplianceScanner({ providers: defaultProviders(), policies });
    return new ComplianceSession(audit, scanner, scanContext, queues);
  }

  /** Incident response on this data directory, acting as the OS user who runs the command. */
  incidents(): IncidentService {
    const { audit } = this;
    this.incidentService ??= new IncidentService({
      store: audit.opened.store,
      trail: audit.trail,
      checkpointer: audit.checkpointer,
      keyring: audit.opened.keys.system,
      clock: systemClock,
      accountId: audit.opened.accountId,
      region: audit.opened.region,
      archiveDir: audit.paths.auditArchive,
      snapshotDir: join(audit.paths.dataDir, 'incidents'),
      queues: this.actionContext.queues,
      keys: this.actionContext.keys,
      scanner: this.scanner,
      scanContext: this.scanContext,
      actor: `local-user:${operatorName()}`,
    });
    return this.incidentService;
  }

  /** Records a compliance command's own event (mute, scan, report) and seals the trail. */
  async record(
    type: string,
    details: Record<string, string | number | boolean | null>,
    resource: string | null = null,
  ) {
    const { trail } = this.audit;
    const draft = trail.systemDraft(type, 'management', 'success', details, resource);
    await trail.record({ ...draft, origin: { ...draft.origin, userAgent: 'pciq-cli' } });
    await this.audit.checkpointer.checkpoint('command');
  }

  async close(): Promise<void> {
    this.queues.stop();
    await this.audit.close();
  }
}
