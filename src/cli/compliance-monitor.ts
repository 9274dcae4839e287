import { join } from 'node:path';
import type { AuditConfig, AuditRuntime } from '../audit/index.ts';
import {
  type ActionContext,
  type ComplianceConfig,
  ComplianceMonitor,
  ComplianceScanner,
  certificateFacts,
  defaultProviders,
  loadComplianceConfig,
  PolicyError,
  policiesOf,
  type ScanContext,
  type ServerSettings,
  saveServerSettings,
} from '../compliance/index.ts';
import { systemClock } from '../core/index.ts';
import { IncidentService } from '../incident/index.ts';
import { KeyAdmin } from '../keys/index.ts';
import type { QueueService } from '../queues/index.ts';
import { CliError, type DataDirPaths, type OpenedDataDir, readTlsMaterial } from './data-dir.ts';
import { actionsToCheck, policyActions } from './policy-actions.ts';

export function complianceConfigOf(path: string | undefined): {
  config: ComplianceConfig;
  policies: ReturnType<typeof policiesOf>;
} {
  try {
    const config = loadComplianceConfig(path);
    return { config, policies: policiesOf(config, actionsToCheck()) };
  } catch (error) {
    if (error instanceof PolicyError) throw new CliError(`--compliance-config: ${error.message}`);
    throw error;
  }
}

/** What this server runs with, as scans judge it (saved in the data directory at each start). */
export function serverSettingsOf(options: {
  endpoint: string;
  scheme: 'https' | 'http';
  workers: number;
  paths: DataDirPaths;
  tls: { certFile: string; keyFile: string } | undefined;
  clientCaFile: string | undefined;
  audit: AuditConfig;
}): ServerSettings {
  let tls: ServerSettings['tls'] = null;
  if (options.scheme === 'https') {
    const files = options.tls ?? { certFile: options.paths.serverCert, keyFile: options.paths.serverKey };
    const { cert } = readTlsMaterial(files.certFile, files.keyFile);
    // Matches the floor of src/api/tls.ts (PCI DSS 4.2.1).
    tls = {
      minVersion: 'TLSv1.2',
      certificate: certificateFacts(cert, options.tls ? 'operator' : 'development'),
      isMutual: options.clientCaFile !== undefined,
    };
  }
  return {
    startedAt: new Date(systemClock.now()).toISOString(),
    endpoint: options.endpoint,
    scheme: options.scheme,
    workers: options.workers,
    tls,
    audit: {
      clockSource: options.audit.clockSource,
      reviewRules: options.audit.rules.length,
      verifyIntervalSec: options.audit.verifyIntervalSec,
      checkpointIntervalSec: options.audit.checkpointIntervalSec,
      alertQueue: options.audit.alerts.queue,
    },
  };
}

/**
 * Saves the server's settings and starts continuous compliance (on-change and periodic policies,
 * automatic remediation where a policy asks for it) in the process that runs background work.
 */
export async function startComplianceMonitor(options: {
  opened: OpenedDataDir;
  audit: AuditRuntime;
  queues: QueueService;
  paths: DataDirPaths;
  settings: ServerSettings;
  compliance: { config: ComplianceConfig; policies: ReturnType<typeof policiesOf> };
  log: (line: string) => void;
}): Promise<{ stop(): Promise<void> } | undefined> {
  const { opened, audit, settings, paths } = options;
  await opened.store.write((tx) => saveServerSettings(tx, settings));
  if (!options.compliance.config.isMonitorEnabled) return undefined;
  const scanner = new ComplianceScanner({ providers: defaultProviders(), policies: options.compliance.policies });
  const context: ScanContext = {
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
      server: settings,
      audit: settings.audit,
    },
  };
  const actionContext: ActionContext = {
    store: opened.store,
    trail: audit.trail,
    clock: systemClock,
    accountId: opened.accountId,
    region: opened.region,
    queues: options.queues,
    keys: new KeyAdmin(opened.keys),
  };
  const incidents = new IncidentService({
    ...actionContext,
    checkpointer: audit.checkpointer,
    keyring: opened.keys.system,
    archiveDir: paths.auditArchive,
    snapshotDir: join(paths.dataDir, 'incidents'),
    scanner,
    scanContext: context,
    actor: 'pciq',
  });
  const actions = policyActions(() => incidents);
  const monitor = new ComplianceMonitor({ scanner, context, actions, actionContext, log: options.log });
  // One node at a time monitors for everything sharing the store, as the audit review does.
  const stopLeading = opened.store.lead('compliance', {
    onLead: () =>
      void monitor
        .start()
        .catch((error: unknown) =>
          options.log(`pciq: compliance monitor failed to start: ${(error as Error)?.message ?? String(error)}\n`),
        ),
    onLost: () => monitor.stop(),
  });
  return {
    stop: async () => {
      monitor.stop();
      await stopLeading();
    },
  };
}
