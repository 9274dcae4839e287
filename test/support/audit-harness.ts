import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  AuditEvents,
  AuditedStore,
  AuditService,
  AuditTrail,
  Checkpointer,
  RequestAuditor,
} from '../../src/audit/index.ts';
import { type Caller, ManualClock, newRequestId, type QueueAddress } from '../../src/core/index.ts';
import { RootKey, SystemKeyring } from '../../src/crypto/index.ts';
import { KeyService } from '../../src/keys/index.ts';
import { QueueService, sealedMessagesSource } from '../../src/queues/index.ts';
import { SqliteStore } from '../../src/storage/index.ts';
import { caller } from './queue-harness.ts';
import { makeTempDir } from './temp-dir.ts';

export { caller };

/** The queue engine on a real SQLite file behind the auditing store, with a manual clock and a fresh root key. */
export class AuditHarness {
  readonly clock = new ManualClock();
  readonly dir = makeTempDir('pciq-audit-');
  readonly databasePath = join(this.dir.path, 'pciq.db');
  readonly store = new SqliteStore({ path: this.databasePath });
  readonly keyring = new SystemKeyring(randomBytes(32));
  readonly keys = new KeyService({
    store: this.store,
    root: new RootKey(RootKey.generateSecret()),
    clock: this.clock,
    region: 'us-east-1',
  });
  readonly trail = new AuditTrail({
    store: this.store,
    keyring: this.keyring,
    clock: this.clock,
    clockSource: 'ntp:time.test',
    node: 'node-1',
  });
  readonly auditor = new RequestAuditor(this.trail);
  readonly events = new AuditEvents(this.trail);
  readonly checkpointer = new Checkpointer(this.trail, { archiveDir: join(this.dir.path, 'audit-archive') });
  readonly service = new AuditService(this.trail);
  readonly audited = new AuditedStore(this.store, this.trail);
  readonly queues = new QueueService({
    store: this.audited,
    clock: this.clock,
    sealer: this.keys,
    region: 'us-east-1',
    endpoint: 'https://127.0.0.1:9324',
  });

  async open(): Promise<this> {
    await this.keys.initialize();
    this.keys.registerSource(sealedMessagesSource('us-east-1'));
    await this.trail.open();
    return this;
  }

  /** Runs `work` as one API request by `who` would: recorded once, success or failure. */
  async request<T>(
    type: string,
    work: () => Promise<T>,
    options: { who?: Caller; resource?: string; category?: 'data' | 'management' } = {},
  ): Promise<{ requestId: string; result?: T; error?: unknown }> {
    const who = options.who ?? caller;
    const requestId = newRequestId();
    const audit = this.auditor.begin({
      requestId,
      origin: { ip: '192.0.2.10', userAgent: 'test-agent/1.0', tls: 'TLSv1.3', clientCertificate: null },
      type,
      category: options.category ?? 'data',
    });
    audit.identify({ principal: who.principalArn, accessKeyId: who.accessKeyId, accountId: who.accountId });
    if (options.resource) audit.describe({ resource: options.resource });
    try {
      const result = await this.auditor.run(audit, work);
      await this.auditor.finish(audit, undefined);
      return { requestId, result };
    } catch (error) {
      await this.auditor.finish(audit, (error as { code?: string }).code ?? 'InternalFailure');
      return { requestId, error };
    }
  }

  async createQueue(name: string, attributes: Record<string, string> = {}): Promise<QueueAddress> {
    await this.queues.createQueue(caller, { name, attributes, tags: {} });
    return { accountId: caller.accountId, name };
  }

  async recordsOf(requestId: string) {
    const page = await this.service.search({ requestId, limit: 100 });
    return page.records.map((found) => found.record);
  }

  async allRecords() {
    return (await this.store.read((tx) => tx.audit.records(0, 100_000))).map((row) => JSON.parse(row.body));
  }

  async close(): Promise<void> {
    this.queues.stop();
    await this.store.close();
    this.dir.remove();
  }
}
