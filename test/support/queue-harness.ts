import { join } from 'node:path';
import { type Caller, ManualClock, type QueueAddress } from '../../src/core/index.ts';
import { RootKey } from '../../src/crypto/index.ts';
import { type KeyEvent, KeyService } from '../../src/keys/index.ts';
import { QueueService, type ReceiveOptions, type SendEntry, sealedMessagesSource } from '../../src/queues/index.ts';
import { SqliteStore } from '../../src/storage/index.ts';
import { makeTempDir } from './temp-dir.ts';

export const caller: Caller = {
  accountId: '123456789012',
  principalArn: 'arn:aws:iam::123456789012:user/tester',
  accessKeyId: 'AKIATESTTESTTESTTEST',
  senderId: 'AIDATESTTESTTESTTEST1',
};

/** A queue engine with key management on a real SQLite file, a manual clock and a fresh root key. */
export class QueueHarness {
  readonly clock = new ManualClock();
  readonly dir = makeTempDir('pciq-queues-');
  readonly databasePath = join(this.dir.path, 'pciq.db');
  readonly store = new SqliteStore({ path: this.databasePath });
  readonly root = new RootKey(RootKey.generateSecret());
  /** Key events as the audit trail would receive them. */
  readonly events: KeyEvent[] = [];
  readonly keys = new KeyService({
    store: this.store,
    root: this.root,
    clock: this.clock,
    region: 'us-east-1',
    events: { onKeyEvent: (event) => this.events.push(event) },
  });
  readonly ready = this.keys.initialize().then(() => this.keys.registerSource(sealedMessagesSource('us-east-1')));
  readonly service = new QueueService({
    store: this.store,
    clock: this.clock,
    sealer: this.keys,
    region: 'us-east-1',
    endpoint: 'https://127.0.0.1:9324',
  });

  async createQueue(name: string, attributes: Record<string, string> = {}): Promise<QueueAddress> {
    await this.ready;
    await this.service.createQueue(caller, { name, attributes, tags: {} });
    return { accountId: caller.accountId, name };
  }

  arnOf(address: QueueAddress): string {
    return `arn:aws:sqs:us-east-1:${address.accountId}:${address.name}`;
  }

  /** Sends one message and returns its result, throwing the entry's error if it failed. */
  async send(address: QueueAddress, body: string, extra: Partial<SendEntry> = {}) {
    const [outcome] = await this.service.sendMessages(
      caller,
      address,
      [{ id: 'e', body, attributes: {}, systemAttributes: {}, ...extra }],
      false,
    );
    if (!outcome?.ok)
      throw new Error(`send failed: ${outcome && !outcome.ok ? `${outcome.code} ${outcome.message}` : 'no outcome'}`);
    return outcome.value;
  }

  receive(address: QueueAddress, options: Partial<ReceiveOptions> = {}, signal?: AbortSignal) {
    return this.service.receiveMessages(
      address,
      { maxMessages: 10, systemAttributeNames: ['All'], messageAttributeNames: ['All'], ...options },
      signal,
    );
  }

  async bodies(address: QueueAddress, options: Partial<ReceiveOptions> = {}): Promise<string[]> {
    return (await this.receive(address, options)).map((message) => message.body);
  }

  /** Resolves once `count` receives are parked on the queue (their empty look committed and synced). */
  async untilParked(address: QueueAddress, count = 1): Promise<void> {
    const queue = await this.store.read((tx) => tx.getQueueByName(address.accountId, address.name));
    if (!queue) throw new Error(`no queue ${address.name}`);
    for (let turn = 0; this.service.context.waiters.waitingOn(queue.id) < count; turn++) {
      if (turn > 5_000) throw new Error('the receive never parked');
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    this.service.stop();
    this.keys.stop();
    await this.store.close();
    this.dir.remove();
  }
}

/** Lets pending group commits and promise chains run (the store commits on setImmediate). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}
