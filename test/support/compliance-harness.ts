import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type AuditConfig, defaultAuditConfig } from '../../src/audit/index.ts';
import { serverSettingsOf } from '../../src/cli/compliance-monitor.ts';
import { pathsOf } from '../../src/cli/data-dir.ts';
import {
  ComplianceScanner,
  defaultPolicies,
  defaultProviders,
  type Finding,
  loadServerSettings,
  type ScanContext,
  type ServerSettings,
  saveServerSettings,
} from '../../src/compliance/index.ts';
import type { QueueAddress } from '../../src/core/index.ts';
import { KeyAdmin } from '../../src/keys/index.ts';
import { QueueService, sealedMessagesSource } from '../../src/queues/index.ts';
import { account, IamHarness } from './iam-harness.ts';
import { caller } from './queue-harness.ts';

export { account, allow, policy } from './iam-harness.ts';

/**
 * Continuous compliance over real state: IAM, keys, queues and the audit trail on one SQLite file (the
 * IAM harness's, with its manual clock), scanned by the default pack's policies through the default
 * providers, with the environment a scan from `pciq compliance scan` would see.
 */
export class ComplianceHarness extends IamHarness {
  readonly region = 'us-east-1';
  readonly keyAdmin = new KeyAdmin(this.keys);
  readonly queues = new QueueService({
    store: this.store,
    clock: this.clock,
    sealer: this.keys,
    region: this.region,
    endpoint: 'https://127.0.0.1:9324',
  });
  readonly scanner = new ComplianceScanner({ providers: defaultProviders(), policies: defaultPolicies() });
  /** What `pciq serve` ran with at its last start; null as before any start. */
  server: ServerSettings | null = null;
  /** The local root key file, when a test writes one. */
  keyFile: string | null = null;

  override async open(): Promise<this> {
    await super.open();
    this.keys.registerSource(sealedMessagesSource(this.region));
    return this;
  }

  /** The context `pciq compliance scan` builds: the server's audit settings, or the default configuration's. */
  context(): ScanContext {
    const config = defaultAuditConfig;
    return {
      store: this.store,
      trail: this.trail,
      clock: this.clock,
      accountId: account,
      region: this.region,
      environment: {
        dataDir: this.dir.path,
        archiveDir: join(this.dir.path, 'audit-archive'),
        keyProvider: 'local',
        keyFile: this.keyFile,
        server: this.server,
        audit: this.server?.audit ?? {
          clockSource: config.clockSource,
          reviewRules: config.rules.length,
          verifyIntervalSec: config.verifyIntervalSec,
          alertQueue: config.alerts.queue,
        },
      },
    };
  }

  /**
   * Saves the settings `pciq serve` starts with (plain HTTP, or TLS with the certificate files given; the
   * audit configuration), as it does at each start, and reads them back as `pciq compliance scan` does.
   */
  async startServer(options: { tls?: { certFile: string; keyFile: string }; audit?: AuditConfig }): Promise<void> {
    const scheme = options.tls ? 'https' : 'http';
    const settings = serverSettingsOf({
      endpoint: `${scheme}://127.0.0.1:9324`,
      scheme,
      workers: 1,
      paths: pathsOf(this.dir.path, join(this.dir.path, 'root.key')),
      tls: options.tls,
      clientCaFile: undefined,
      audit: options.audit ?? defaultAuditConfig,
    });
    await this.store.write((tx) => saveServerSettings(tx, settings));
    this.server = await this.store.read((tx) => loadServerSettings(tx));
  }

  /** Runs `rule` alone and returns its result on `resource`, which the rule must have judged. */
  async judge(rule: string, resource: string): Promise<Finding> {
    assert.ok(this.scanner.policy(rule), `the default pack has no policy ${rule}`);
    const { findings } = await this.scanner.scan(this.context(), { trigger: 'on-demand', policies: new Set([rule]) });
    const finding = findings.find((item) => item.resource === resource);
    assert.ok(finding, `${rule} did not judge ${resource}; it judged ${findings.map((item) => item.resource).join()}`);
    return finding;
  }

  /** Uses an access key as a signed request does once SigV4 verified it, and writes its last use at once. */
  async useAccessKey(accessKeyId: string): Promise<void> {
    const { directory } = this.iam;
    assert.ok(await directory.refreshFor(accessKeyId), `no active access key ${accessKeyId}`);
    await directory.admit(directory.lookup(accessKeyId)!, undefined);
    // Uses are written in the background at most once a minute: flush what is gathered, and wait (writes
    // commit in order) for a flush the use itself may have started.
    await directory.flush();
    await this.store.write(async () => undefined);
  }

  async createQueue(name: string, attributes: Record<string, string> = {}): Promise<QueueAddress> {
    await this.queues.createQueue(caller, { name, attributes, tags: {} });
    return { accountId: account, name };
  }

  queueArn(name: string): string {
    return `arn:aws:sqs:${this.region}:${account}:${name}`;
  }

  keyArn(keyId: string): string {
    return `arn:aws:kms:${this.region}:${account}:key/${keyId}`;
  }

  singletonArn(name: string): string {
    return `arn:aws:pciq:${this.region}:${account}:${name}`;
  }

  override async close(): Promise<void> {
    this.queues.stop();
    await super.close();
  }
}

/** What a finding's comparisons saw, by key: the evidence an operator reads. */
export function seen(finding: Finding): Record<string, unknown> {
  return Object.fromEntries(finding.evidence.comparisons.map((comparison) => [comparison.key, comparison.actual]));
}
