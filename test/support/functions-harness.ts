import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AuditRecord } from '../../src/audit/index.ts';
import { AuditEvents, AuditService, AuditTrail } from '../../src/audit/index.ts';
import { functionDecisions, functionRoleSessions, functionsServicePrincipal } from '../../src/cli/function-roles.ts';
import { type QueueAddress, systemClock } from '../../src/core/index.ts';
import { RootKey } from '../../src/crypto/index.ts';
import {
  FunctionAdmin,
  FunctionObservations,
  FunctionRunner,
  type FunctionsContext,
  type LogEntry,
  MappingAdmin,
  readCode,
} from '../../src/functions/index.ts';
import { IamService } from '../../src/iam/index.ts';
import { KeyService } from '../../src/keys/index.ts';
import { QueueService, type SendEntry, sealedMessagesSource } from '../../src/queues/index.ts';
import { SqliteStore } from '../../src/storage/index.ts';
import { caller } from './queue-harness.ts';
import { makeTempDir } from './temp-dir.ts';

export { waitFor } from './wait-for.ts';

export const accountId = caller.accountId;
export const roleArn = `arn:aws:iam::${accountId}:role/worker`;

/**
 * The functions module in one process on real parts: SQLite file, key service, audit trail, queue engine
 * and a runner that starts real sandboxed processes. The clock is the system's: sandboxes are real
 * processes with real timeouts.
 */
export class FunctionsHarness {
  readonly dir = makeTempDir('pciq-functions-');
  /** Stands for pciq's data directory: no sandbox may read it. */
  readonly dataDir = join(this.dir.path, 'data');
  readonly store = new SqliteStore({
    path: join(mkdirSync(this.dataDir, { recursive: true }) ?? this.dataDir, 'pciq.db'),
  });
  readonly keys = new KeyService({
    store: this.store,
    root: new RootKey(RootKey.generateSecret()),
    clock: systemClock,
    region: 'us-east-1',
  });
  readonly queues = new QueueService({
    store: this.store,
    clock: systemClock,
    sealer: this.keys,
    region: 'us-east-1',
    endpoint: 'https://127.0.0.1:9324',
  });
  trail!: AuditTrail;
  iam!: IamService;
  audit!: AuditService;
  context!: FunctionsContext;
  functions!: FunctionAdmin;
  mappings!: MappingAdmin;
  observations!: FunctionObservations;
  runner!: FunctionRunner;
  private codeDirs = 0;

  /**
   * Functions act as the role `worker`, which trusts the Lambda service and may use every queue, through
   * pciq's IAM; `authorize` replaces IAM's decisions where a test wants to see what is asked and refuse some.
   */
  static async open(options: { authorize?: FunctionsContext['authorize'] } = {}): Promise<FunctionsHarness> {
    const harness = new FunctionsHarness();
    await harness.initialize(options.authorize);
    return harness;
  }

  private async initialize(decide: FunctionsContext['authorize'] | undefined): Promise<void> {
    await this.keys.initialize();
    this.keys.registerSource(sealedMessagesSource('us-east-1'));
    this.trail = new AuditTrail({ store: this.store, keyring: this.keys.system, clock: systemClock });
    await this.trail.open();
    this.audit = new AuditService(this.trail);
    const events = new AuditEvents(this.trail);
    const iam = new IamService({ store: this.store, sealer: this.keys, clock: systemClock, audit: events });
    this.iam = iam;
    await iam.createRole(accountId, {
      roleName: 'worker',
      assumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: functionsServicePrincipal }, Action: 'sts:AssumeRole' }],
      }),
    });
    await iam.putInlinePolicy(accountId, {
      kind: 'role',
      entityName: 'worker',
      policyName: 'queues',
      policyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }],
      }),
    });
    this.context = {
      store: this.store,
      clock: systemClock,
      sealer: this.keys,
      region: 'us-east-1',
      audit: events,
      queues: this.queues,
      roleSessions: functionRoleSessions(iam),
      authorize: decide ?? functionDecisions(iam, () => iam.directory.sync()),
    };
    this.functions = new FunctionAdmin(this.context);
    this.mappings = new MappingAdmin(this.context);
    this.observations = new FunctionObservations(this.context);
    this.runner = new FunctionRunner({
      context: this.context,
      endpoint: 'https://127.0.0.1:9',
      caFile: undefined,
      user: undefined,
      maxProcesses: 8,
      protectedPaths: [this.dataDir],
      log: () => undefined,
    });
    await this.runner.start();
  }

  /** Writes a code directory from `{ path: source }` and returns its path. */
  code(files: Record<string, string>): string {
    const root = join(this.dir.path, `code-${this.codeDirs++}`);
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), source);
    }
    return root;
  }

  async deploy(
    name: string,
    source: string,
    extra: { timeoutSec?: number; memoryMb?: number; environment?: string[] } = {},
  ) {
    return this.functions.deploy(accountId, {
      name,
      code: readCode(this.code({ 'index.mjs': source })),
      handler: 'index.handler',
      roleArn,
      ...extra,
    });
  }

  async createQueue(name: string, attributes: Record<string, string> = {}): Promise<QueueAddress> {
    await this.queues.createQueue(caller, { name, attributes, tags: {} });
    return { accountId, name };
  }

  queueArn(name: string): string {
    return `arn:aws:sqs:us-east-1:${accountId}:${name}`;
  }

  async send(address: QueueAddress, bodies: readonly string[], extra: Partial<SendEntry> = {}): Promise<void> {
    for (let i = 0; i < bodies.length; i += 10) {
      const entries = bodies.slice(i, i + 10).map((body, index) => ({
        id: String(index),
        body,
        attributes: {},
        systemAttributes: {},
        ...(typeof extra === 'object' ? extra : {}),
      }));
      const outcomes = await this.queues.sendMessages(caller, address, entries, true);
      const failed = outcomes.find((outcome) => !outcome.ok);
      if (failed && !failed.ok) throw new Error(`send failed: ${failed.code} ${failed.message}`);
    }
  }

  /** Messages visible, in flight and delayed. */
  async counts(address: QueueAddress): Promise<{ visible: number; inFlight: number }> {
    const attributes = await this.queues.getQueueAttributes(address, [
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesNotVisible',
    ]);
    return {
      visible: Number(attributes['ApproximateNumberOfMessages']),
      inFlight: Number(attributes['ApproximateNumberOfMessagesNotVisible']),
    };
  }

  logs(name: string): Promise<LogEntry[]> {
    return this.observations.logs(accountId, name, { sinceMs: 0, limit: 10_000 });
  }

  /** Lines the handler printed with console.log, across all invocations, oldest invocation first. */
  async printed(name: string): Promise<string[]> {
    const lines: string[] = [];
    for (const entry of await this.logs(name)) {
      for (const line of (entry.text ?? '').split('\n')) {
        const fields = line.split('\t');
        if (fields[2] === 'INFO') lines.push(fields.slice(3).join('\t'));
      }
    }
    return lines;
  }

  async auditRecords(eventType: string): Promise<AuditRecord[]> {
    const page = await this.audit.search({ eventType, limit: 1_000 });
    return page.records.map((found) => found.record);
  }

  async close(): Promise<void> {
    await this.runner.stop();
    this.queues.stop();
    this.keys.stop();
    await this.store.close();
    this.dir.remove();
  }
}
