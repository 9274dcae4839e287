import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { IamService } from '../../src/iam/index.ts';
import { type ReadTx, SqliteStore, type Store } from '../../src/storage/index.ts';
import { account, allow, IamHarness, policy } from '../support/iam-harness.ts';

/**
 * Another process's connection to the harness's database that counts the identity revision reads and can
 * hold a directory reload after it has read the access keys, as a slow round trip to PostgreSQL would.
 */
class ObservedStore implements Store {
  revisionReads = 0;
  reloads = 0;
  /** While set, a reload answers only once this settles (its keys were read before). */
  holdReloads: Promise<void> | undefined;
  private readonly inner: SqliteStore;

  constructor(path: string) {
    this.inner = new SqliteStore({ path });
  }

  async read<T>(work: (tx: ReadTx) => Promise<T>): Promise<T> {
    let isReload = false;
    const result = await this.inner.read((tx) => {
      const iam = observe(tx.iam, { revision: () => this.revisionReads++ });
      const observed = observe(tx, {
        listAccessKeys: () => {
          isReload = true;
          this.reloads++;
        },
      });
      return work(Object.create(observed, { iam: { value: iam } }));
    });
    if (isReload) await this.holdReloads;
    return result;
  }

  write: Store['write'] = (work) => this.inner.write(work);
  onReceivable: Store['onReceivable'] = (listener) => this.inner.onReceivable(listener);
  lead: Store['lead'] = (name, handlers) => this.inner.lead(name, handlers);
  scrubDeleted = () => this.inner.scrubDeleted();
  close = () => this.inner.close();
}

/** `target`, calling `noted[name]` whenever the member `name` is read. */
function observe<T extends object>(target: T, noted: Record<string, () => unknown>): T {
  return new Proxy(target, {
    get(object, name) {
      if (typeof name === 'string') noted[name]?.();
      const value = Reflect.get(object, name, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

describe("the identity directory's view is never older than the request it serves", () => {
  let h: IamHarness;
  before(async () => {
    h = await new IamHarness().open();
  });
  after(() => h.close());

  it('does not serve a request that arrived after a key was deactivated with a reload begun before', async () => {
    const caller = await h.user('late', policy(allow('sqs:SendMessage')));
    const store = new ObservedStore(join(h.dir.path, 'pciq.db'));
    const other = new IamService({ store, sealer: h.keys, clock: h.clock });
    try {
      let release = () => {};
      store.holdReloads = new Promise((resolve) => {
        release = resolve;
      });
      const first = other.directory.sync();
      while (store.reloads === 0) await nextTurn();
      // The reload has read the key as active; the key is deactivated before it ends.
      await h.iam.updateAccessKey(account, { userName: 'late', accessKeyId: caller.accessKeyId, status: 'Inactive' });
      const arrivedAfter = [other.directory.sync(), other.directory.sync()];
      store.holdReloads = undefined;
      release();
      await first;
      await Promise.all(arrivedAfter);
      assert.ok(!other.directory.lookup(caller.accessKeyId), 'a deactivated key authenticates nothing');
      assert.equal(store.reloads, 2);
      assert.equal(store.revisionReads, 2, 'the requests that arrived together shared one revision read');

      await Promise.all([other.directory.sync(), other.directory.sync(), other.directory.sync()]);
      assert.equal(store.revisionReads, 3, 'one read for the requests that arrive together');
      assert.equal(store.reloads, 2, 'no reload when nothing changed');
    } finally {
      await store.close();
    }
  });
});
