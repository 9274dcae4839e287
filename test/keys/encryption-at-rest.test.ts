import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isPciqError } from '../../src/core/index.ts';
import { readHeader } from '../../src/crypto/index.ts';
import { KeyAdmin, KeyService, reencryptStoredData } from '../../src/keys/index.ts';
import { SqliteStore } from '../../src/storage/index.ts';
import { caller, QueueHarness, settle } from '../support/queue-harness.ts';

const dayMs = 86_400_000;

/** Every file under `dir`, recursively (database, WAL, shared memory, temporary files). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function payloads(h: QueueHarness): Array<{ seq: number; payload: Uint8Array }> {
  const raw = new DatabaseSync(h.databasePath, { readOnly: true });
  try {
    return raw.prepare('SELECT seq, payload FROM messages ORDER BY seq').all() as Array<{
      seq: number;
      payload: Uint8Array;
    }>;
  } finally {
    raw.close();
  }
}

async function rejects(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isPciqError(error), String(error));
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

describe('encryption at rest under managed keys', () => {
  let h: QueueHarness;
  let admin: KeyAdmin;
  beforeEach(async () => {
    h = new QueueHarness();
    await h.ready;
    admin = new KeyAdmin(h.keys);
  });
  afterEach(() => h.close());

  it('leaves no marker and no 16-byte slice of any body in any file of the data directory, WAL included', async () => {
    const standard = await h.createQueue('orders');
    const fifo = await h.createQueue('orders.fifo', { FifoQueue: 'true' });
    const bodies: string[] = [];
    for (let i = 0; i < 40; i++) {
      const body = `MARKER-7f3a card holder Zebediah Quux order ${i} shipped to 12 Plaintext Lane, amount ${i * 13}.07 EUR`;
      bodies.push(body);
      await h.send(i % 2 ? standard : fifo, body, {
        attributes: { note: { dataType: 'String', stringValue: `MARKER-7f3a attribute ${i}` } },
        systemAttributes: { AWSTraceHeader: { dataType: 'String', stringValue: `MARKER-7f3a-trace-${i}` } },
        ...(i % 2 ? {} : { groupId: `MARKER-7f3a-group-${i % 3}`, deduplicationId: `MARKER-7f3a-dedup-${i}` }),
      });
    }
    const files = filesUnder(h.dir.path);
    assert.ok(
      files.some((file) => file.endsWith('-wal')),
      'the WAL is part of the scan',
    );
    for (const file of files) {
      const bytes = readFileSync(file);
      assert.equal(bytes.indexOf('MARKER-7f3a'), -1, `${file} holds the marker in clear`);
      for (const body of bodies) {
        const utf8 = Buffer.from(body, 'utf8');
        for (let start = 0; start + 16 <= utf8.length; start += 8) {
          assert.equal(bytes.indexOf(utf8.subarray(start, start + 16)), -1, `${file} holds a slice of a body`);
        }
      }
    }
    // Every payload is an envelope v2 naming the account's SQS managed key.
    const sqsKey = await admin.describeKey(caller.accountId, 'alias/aws/sqs');
    for (const row of payloads(h)) assert.equal(readHeader(row.payload)?.keyId, sqsKey.keyId);
    assert.equal((await h.bodies(standard)).length, 10);
  });

  it('rotates on demand: new seals use the newest version, older messages still open', async () => {
    const key = await admin.createKey(caller.accountId, { alias: 'alias/payments' });
    const q = await h.createQueue('rotating', { KmsMasterKeyId: 'alias/payments' });
    await h.send(q, 'before rotation');
    await admin.rotateKey(caller.accountId, key.keyId);
    await h.send(q, 'after rotation');
    const versions = payloads(h).map((row) => readHeader(row.payload)?.keyVersion);
    assert.deepEqual(versions, [1, 2]);
    assert.deepEqual((await h.bodies(q)).sort(), ['after rotation', 'before rotation']);
    assert.ok(h.events.some((event) => event.type === 'KeyRotated' && event.rotationType === 'ON_DEMAND'));
  });

  it('seals a send under the version another process rotated to, not the one sealed ahead under', async () => {
    const key = await admin.createKey(caller.accountId, { alias: 'alias/shared' });
    const q = await h.createQueue('shared', { KmsMasterKeyId: 'alias/shared' });
    await h.send(q, 'before rotation');
    // Another serving process rotates the key: this one's latest key session, which a send seals ahead under,
    // still has version 1 current until its next unit of work reads the store.
    const otherStore = new SqliteStore({ path: h.databasePath });
    const other = await KeyService.open({ store: otherStore, root: h.root, clock: h.clock, region: 'us-east-1' });
    await new KeyAdmin(other).rotateKey(caller.accountId, key.keyId);
    await otherStore.close();
    await h.send(q, 'after rotation');
    const versions = payloads(h).map((row) => readHeader(row.payload)?.keyVersion);
    assert.deepEqual(versions, [1, 2]);
    assert.deepEqual((await h.bodies(q)).sort(), ['after rotation', 'before rotation']);
  });

  it('rotates automatically when the clock passes the rotation period', async () => {
    const key = await admin.createKey(caller.accountId, {});
    await admin.enableKeyRotation(caller.accountId, key.keyId, 90);
    h.keys.start();
    h.clock.advance(89 * dayMs);
    await h.keys.runDueWork();
    assert.equal((await admin.describeKey(caller.accountId, key.keyId)).currentVersion, 1);
    h.clock.advance(dayMs);
    await settle();
    h.clock.advance(60_000);
    for (let i = 0; i < 20 && (await admin.describeKey(caller.accountId, key.keyId)).currentVersion === 1; i++)
      await new Promise((resolve) => setImmediate(resolve));
    const rotated = await admin.describeKey(caller.accountId, key.keyId);
    assert.equal(rotated.currentVersion, 2, 'the clock-driven timer rotated the key');
    assert.equal(rotated.versions[1]!.rotationType, 'AUTOMATIC');
    assert.equal(rotated.nextRotationAtMs, rotated.versions[1]!.createdAtMs + 90 * dayMs);
    await assert.rejects(admin.enableKeyRotation(caller.accountId, key.keyId, 89), /between 90 and 2560/);
  });

  it('refuses sends and receives with KmsDisabled while the key is disabled, and works again once enabled', async () => {
    const key = await admin.createKey(caller.accountId, { alias: 'alias/blocked' });
    const q = await h.createQueue('blocked', { KmsMasterKeyId: 'alias/blocked' });
    await h.send(q, 'sent while enabled');
    await admin.disableKey(caller.accountId, key.keyId);
    await rejects(
      h.send(q, 'refused').catch((error) => Promise.reject(error)),
      'KmsDisabled',
      /disabled.*Enable it/,
    );
    await rejects(h.receive(q), 'KmsDisabled', /disabled/);
    await admin.enableKey(caller.accountId, key.keyId);
    await h.send(q, 'sent after enabling');
    assert.deepEqual((await h.bodies(q)).sort(), ['sent after enabling', 'sent while enabled']);
  });

  it('crypto-shreds a key at the end of its deletion window and reports its messages unreadable', async () => {
    const key = await admin.createKey(caller.accountId, { alias: 'alias/doomed' });
    const q = await h.createQueue('doomed', { KmsMasterKeyId: key.arn, MessageRetentionPeriod: '1209600' });
    await h.send(q, 'one');
    await h.send(q, 'two');
    await rejects(admin.scheduleKeyDeletion(caller.accountId, key.keyId, 6), 'ValidationException', /between 7 and 30/);
    await admin.scheduleKeyDeletion(caller.accountId, key.keyId, 7);
    await rejects(h.receive(q), 'KmsInvalidState', /pending deletion/);
    h.clock.advance(7 * dayMs);
    await h.keys.runDueWork();
    const destroyed = h.events.find((event) => event.type === 'KeyMaterialDestroyed');
    assert.ok(destroyed && destroyed.type === 'KeyMaterialDestroyed' && destroyed.reason === 'key-deleted');
    const census = h.events.find((event) => event.type === 'SealedDataUnreadable' && event.records === 2);
    assert.ok(census, 'the deletion reports how many messages it made unreadable');
    await rejects(admin.describeKey(caller.accountId, key.keyId), 'NotFoundException', /does not exist/);
    assert.deepEqual(await h.bodies(q), [], 'nothing is delivered');
    const perMessage = h.events.filter(
      (event) => event.type === 'SealedDataUnreadable' && event.recordId !== undefined,
    );
    assert.equal(perMessage.length, 2, 'each message is reported, not silently dropped');
    const counts = await h.service.getQueueAttributes(q, ['All']);
    const kept =
      Number(counts['ApproximateNumberOfMessagesNotVisible']) + Number(counts['ApproximateNumberOfMessagesDelayed']);
    assert.equal(kept, 2, 'the messages are kept, set aside');
    await rejects(h.send(q, 'three'), 'KmsNotFound', /not found/);
  });

  it('leaves no copy of destroyed key material in any file of the data directory, WAL included', async () => {
    const key = await admin.createKey(caller.accountId, {});
    await admin.rotateKey(caller.accountId, key.keyId);
    const q = await h.createQueue('shredded', { KmsMasterKeyId: key.arn });
    await h.send(q, 'sealed under version 2');
    const wrapped = () => {
      const raw = new DatabaseSync(h.databasePath, { readOnly: true });
      try {
        return (
          raw
            .prepare('SELECT wrapped_material FROM kms_key_versions WHERE key_id = ? ORDER BY version')
            .all(key.keyId) as Array<{ wrapped_material: Uint8Array | null }>
        ).map((row) => row.wrapped_material);
      } finally {
        raw.close();
      }
    };
    const material = wrapped().map((blob) => Buffer.from(blob!));
    assert.equal(material.length, 2);
    const holders = (blob: Buffer) =>
      filesUnder(h.dir.path).filter((file) => readFileSync(file).indexOf(blob.subarray(blob.length - 32)) !== -1);
    assert.ok(holders(material[0]!).length > 0, 'the wrapped material is found while the key lives');
    // Retiring a version, then deleting the key: the root key must not recover either from the files left.
    await reencryptStoredData(h.keys, new Set([key.keyId]), { retire: true });
    assert.deepEqual(holders(material[0]!), [], 'no file holds the retired version');
    await admin.scheduleKeyDeletion(caller.accountId, key.keyId, 7);
    h.clock.advance(7 * dayMs);
    await h.keys.runDueWork();
    assert.deepEqual(wrapped(), [null, null]);
    for (const blob of material) assert.deepEqual(holders(blob), [], 'no file holds the deleted key material');
  });

  it('cancels a scheduled deletion, leaving the key disabled', async () => {
    const key = await admin.createKey(caller.accountId, {});
    await admin.scheduleKeyDeletion(caller.accountId, key.keyId, 30);
    const cancelled = await admin.cancelKeyDeletion(caller.accountId, key.keyId);
    assert.equal(cancelled.state, 'Disabled');
    assert.equal(cancelled.deletionAtMs, null);
    h.clock.advance(31 * dayMs);
    await h.keys.runDueWork();
    assert.equal((await admin.describeKey(caller.accountId, key.keyId)).state, 'Disabled');
  });

  it('refuses to schedule the deletion of a quarantined key, which would shred the evidence of its incident', async () => {
    const key = await admin.createKey(caller.accountId, {});
    const q = await h.createQueue('under-investigation', {
      KmsMasterKeyId: key.arn,
      MessageRetentionPeriod: '1209600',
    });
    await h.send(q, 'evidence');
    assert.equal(await admin.quarantineKey(caller.accountId, key.keyId, 'INC-7'), 'Enabled');
    await rejects(admin.scheduleKeyDeletion(caller.accountId, key.keyId, 7), 'KMSInvalidStateException', /INC-7/);
    const described = await admin.describeKey(caller.accountId, key.keyId);
    assert.equal(described.state, 'Disabled');
    assert.equal(described.deletionAtMs, null);
    h.clock.advance(8 * dayMs);
    await h.keys.runDueWork();
    await admin.releaseKey(caller.accountId, key.keyId, 'Enabled');
    const released = await admin.describeKey(caller.accountId, key.keyId);
    assert.equal(released.state, 'Enabled');
    assert.equal(released.deletionAtMs, null);
    assert.deepEqual(await h.bodies(q), ['evidence'], 'the material was never destroyed');
  });

  it("refuses to delete or retire a key a quarantined queue needs, the key it was moved from included, until the incident's release", async () => {
    const previous = await admin.createKey(caller.accountId, {});
    const current = await admin.createKey(caller.accountId, {});
    const q = await h.createQueue('seized', { KmsMasterKeyId: previous.arn, MessageRetentionPeriod: '1209600' });
    await h.send(q, 'sealed under the previous key');
    // SQS leaves the stored messages under the key they were sealed with when KmsMasterKeyId changes.
    await h.service.setQueueAttributes(q, { KmsMasterKeyId: current.keyId });
    await h.send(q, 'sealed under the current key');
    const users = (key: { keyId: string; arn: string }) => h.keys.usersOf({ ...key, accountId: caller.accountId });
    assert.deepEqual(await users(previous), [{ resource: h.arnOf(q) }], 'the previous key still opens a message');
    await h.service.setQuarantine(q, 'INC-8');
    assert.deepEqual(await users(current), [{ resource: h.arnOf(q), incident: 'INC-8' }]);
    for (const key of [previous, current]) {
      await rejects(
        admin.scheduleKeyDeletion(caller.accountId, key.keyId, 7),
        'KMSInvalidStateException',
        new RegExp(
          `seals what ${h.arnOf(q)} holds, quarantined by incident INC-8; its deletion is refused until pciq incident release INC-8`,
        ),
      );
      assert.equal((await admin.describeKey(caller.accountId, key.keyId)).state, 'Enabled');
    }
    await admin.rotateKey(caller.accountId, previous.keyId);
    await rejects(
      reencryptStoredData(h.keys, new Set([previous.keyId]), { retire: true }),
      'KMSInvalidStateException',
      /INC-8; retiring its older versions is refused/,
    );
    assert.equal((await admin.describeKey(caller.accountId, previous.keyId)).minDecryptVersion, 1);
    assert.equal(payloads(h).filter((row) => readHeader(row.payload)?.keyVersion === 1).length, 2, 'nothing re-sealed');

    await h.service.setQuarantine(q, null);
    await admin.scheduleKeyDeletion(caller.accountId, previous.keyId, 7);
  });

  it('names as users of a key the queues holding messages its older versions sealed, until they are gone, and no deleted queue', async () => {
    const previous = await admin.createKey(caller.accountId, {});
    const current = await admin.createKey(caller.accountId, {});
    const moved = await h.createQueue('moved', { KmsMasterKeyId: previous.arn });
    await h.send(moved, 'sealed under version 1');
    await admin.rotateKey(caller.accountId, previous.keyId);
    await h.service.setQueueAttributes(moved, { KmsMasterKeyId: current.arn });
    const dropped = await h.createQueue('dropped', { KmsMasterKeyId: previous.arn });
    await h.send(dropped, 'gone with its queue');
    const users = () => h.keys.usersOf({ ...previous, accountId: caller.accountId });
    assert.deepEqual(await users(), [{ resource: h.arnOf(dropped) }, { resource: h.arnOf(moved) }]);

    await h.service.deleteQueue(dropped);
    assert.deepEqual(await users(), [{ resource: h.arnOf(moved) }], 'a deleted queue needs no key');
    const [message] = await h.receive(moved);
    assert.equal(message?.body, 'sealed under version 1');
    await h.service.deleteMessage(moved, message!.receiptHandle);
    assert.deepEqual(await users(), [], 'nothing left under the key it moved from');
  });

  it('keeps the material of a key due for deletion while a queue quarantined meanwhile holds messages under it', async () => {
    const key = await admin.createKey(caller.accountId, {});
    const q = await h.createQueue('seized-late', { KmsMasterKeyId: key.arn, MessageRetentionPeriod: '1209600' });
    await h.send(q, 'evidence');
    await admin.scheduleKeyDeletion(caller.accountId, key.keyId, 7);
    await h.service.setQuarantine(q, 'INC-9');
    h.clock.advance(8 * dayMs);
    await h.keys.runDueWork();
    const held = await admin.describeKey(caller.accountId, key.keyId);
    assert.equal(held.state, 'PendingDeletion');
    assert.deepEqual(
      held.versions.map((version) => version.isDestroyed),
      [false],
    );
    await admin.cancelKeyDeletion(caller.accountId, key.keyId);
    await admin.enableKey(caller.accountId, key.keyId);
    await h.service.setQuarantine(q, null);
    assert.deepEqual(await h.bodies(q), ['evidence']);

    await admin.scheduleKeyDeletion(caller.accountId, key.keyId, 7);
    h.clock.advance(8 * dayMs);
    await h.keys.runDueWork();
    await assert.rejects(admin.describeKey(caller.accountId, key.keyId), { code: 'NotFoundException' });
  });

  it('never returns altered ciphertext: the message is set aside and the event reaches the hook', async () => {
    const q = await h.createQueue('tampered');
    await h.send(q, 'genuine');
    await h.send(q, 'untouched');
    const [first] = payloads(h);
    const altered = Buffer.from(first!.payload);
    altered[altered.length - 20]! ^= 0x01;
    const raw = new DatabaseSync(h.databasePath);
    raw.prepare('UPDATE messages SET payload = ? WHERE seq = ?').run(altered, first!.seq);
    raw.close();
    assert.deepEqual(await h.bodies(q), ['untouched']);
    const event = h.events.find((e) => e.type === 'SealedDataUnreadable');
    assert.ok(event && event.type === 'SealedDataUnreadable' && event.reason === 'integrity');
    assert.equal(event.resource, h.arnOf(q));
  });

  it('re-encrypts stored messages under the newest version, then retires the old one', async () => {
    const key = await admin.createKey(caller.accountId, { alias: 'alias/compromised' });
    const q = await h.createQueue('reencrypted', { KmsMasterKeyId: 'alias/compromised' });
    for (let i = 0; i < 5; i++) await h.send(q, `message ${i}`);
    const before = payloads(h)[0]!.payload;
    await admin.rotateKey(caller.accountId, key.keyId);
    const result = await reencryptStoredData(h.keys, new Set([key.keyId]), { retire: true });
    assert.equal(result.reencrypted, 5);
    assert.deepEqual(Object.values(result.retired), [[1]]);
    assert.deepEqual(new Set(payloads(h).map((row) => readHeader(row.payload)?.keyVersion)), new Set([2]));
    const described = await admin.describeKey(caller.accountId, key.keyId);
    assert.equal(described.minDecryptVersion, 2);
    assert.equal(described.versions[0]!.isDestroyed, true);
    // A copy of the old ciphertext (a backup, say) no longer opens: its version is retired.
    const raw = new DatabaseSync(h.databasePath);
    raw.prepare('UPDATE messages SET payload = ? WHERE seq = (SELECT MIN(seq) FROM messages)').run(before);
    raw.close();
    const bodies = await h.bodies(q);
    assert.equal(bodies.length, 4);
    assert.ok(h.events.some((e) => e.type === 'SealedDataUnreadable' && e.reason === 'version-retired'));
  });

  it('re-encrypts and retires every key that can open its data, leaving a disabled one as it is and saying so', async () => {
    const disabled = await admin.createKey(caller.accountId, {});
    const usable = await admin.createKey(caller.accountId, {});
    const cold = await h.createQueue('cold', { KmsMasterKeyId: disabled.arn });
    const hot = await h.createQueue('hot', { KmsMasterKeyId: usable.arn });
    await h.send(cold, 'under a key taken out of use');
    await h.send(hot, 'under a key in use');
    for (const key of [disabled, usable]) await admin.rotateKey(caller.accountId, key.keyId);
    await admin.disableKey(caller.accountId, disabled.keyId);
    // What `pciq keys reencrypt --retire` does without a KEY: every key of the account.
    const result = await reencryptStoredData(h.keys, new Set([disabled.keyId, usable.keyId]), { retire: true });
    assert.equal(result.reencrypted, 1);
    assert.deepEqual(result.retired, { [usable.arn]: [1] });
    assert.deepEqual(result.skipped, { [disabled.arn]: 'Disabled' });
    const kept = await admin.describeKey(caller.accountId, disabled.keyId);
    assert.equal(kept.minDecryptVersion, 1);
    assert.deepEqual(
      kept.versions.map((version) => version.isDestroyed),
      [false, false],
    );
    await admin.enableKey(caller.accountId, disabled.keyId);
    assert.deepEqual(await h.bodies(cold), ['under a key taken out of use']);
    assert.deepEqual(await h.bodies(hot), ['under a key in use']);
  });

  it('retires only the versions it re-encrypted away from, when the key rotates again meanwhile', async () => {
    const key = await admin.createKey(caller.accountId, { alias: 'alias/busy' });
    const q = await h.createQueue('busy', { KmsMasterKeyId: 'alias/busy' });
    for (let i = 0; i < 3; i++) await h.send(q, `message ${i}`);
    await admin.rotateKey(caller.accountId, key.keyId);
    // Another process (pciq serve's automatic rotation, an operator's pciq keys rotate) rotates the key
    // while the re-encryption confirms that nothing readable is left under older versions.
    const otherStore = new SqliteStore({ path: h.databasePath });
    const other = await KeyService.open({ store: otherStore, root: h.root, clock: h.clock, region: 'us-east-1' });
    let scans = 0;
    h.keys.registerSource({
      name: 'rotates-meanwhile',
      async scan() {
        if (++scans === 2) await new KeyAdmin(other).rotateKey(caller.accountId, key.keyId);
        return { records: [], next: undefined };
      },
    });
    const result = await reencryptStoredData(h.keys, new Set([key.keyId]), { retire: true });
    await otherStore.close();
    assert.equal(scans, 2, 'the rotation happened during the confirming pass');
    assert.deepEqual(Object.values(result.retired), [[1]], 'version 2, which the messages are sealed under, is kept');
    const described = await admin.describeKey(caller.accountId, key.keyId);
    assert.equal(described.currentVersion, 3);
    assert.equal(described.minDecryptVersion, 2);
    assert.deepEqual(await h.bodies(q), ['message 0', 'message 1', 'message 2']);
    assert.ok(!h.events.some((event) => event.type === 'SealedDataUnreadable'));
  });

  it('seals with a fresh data key after the reuse period and after the per-key seal limit', async () => {
    const q = await h.createQueue('reuse', { KmsDataKeyReusePeriodSeconds: '60' });
    await h.send(q, 'a');
    await h.send(q, 'b');
    h.clock.advance(61_000);
    await h.send(q, 'c');
    const ids = payloads(h).map((row) => readHeader(row.payload)!.dataKeyId.toString('hex'));
    assert.equal(ids[0], ids[1], 'reused within the period');
    assert.notEqual(ids[1], ids[2], 'replaced after the period');
    const limited = new KeyService({
      store: h.store,
      root: h.root,
      clock: h.clock,
      region: 'us-east-1',
      maxSealsPerDataKey: 2,
    });
    await limited.initialize();
    const dataKeys = await h.store.write(async (tx) => {
      const key = (await limited.session(tx)).sealingKey(caller.accountId, 'alias/aws/sqs', 'scope');
      return [1, 2, 3].map(() => readHeader(key.seal(Buffer.from('x'), 'place'))!.dataKeyId.toString('hex'));
    });
    assert.equal(dataKeys[0], dataKeys[1]);
    assert.notEqual(dataKeys[1], dataKeys[2], 'a data key is retired after its seal limit');
  });

  it('sees a key disabled by another process at the next transaction', async () => {
    const key = await admin.createKey(caller.accountId, { alias: 'alias/shared' });
    const q = await h.createQueue('shared', { KmsMasterKeyId: 'alias/shared' });
    await h.send(q, 'first');
    const otherStore = new SqliteStore({ path: h.databasePath });
    const other = await KeyService.open({ store: otherStore, root: h.root, clock: h.clock, region: 'us-east-1' });
    await new KeyAdmin(other).disableKey(caller.accountId, key.keyId);
    await otherStore.close();
    await rejects(h.send(q, 'second'), 'KmsDisabled', /disabled/);
  });

  it('re-wraps all key material under a new root without touching the messages', async () => {
    const q = await h.createQueue('rewrapped');
    await h.send(q, 'kept');
    const before = payloads(h).map((row) => Buffer.from(row.payload).toString('hex'));
    const { RootKey } = await import('../../src/crypto/index.ts');
    const newRoot = new RootKey(RootKey.generateSecret());
    const rewrapped = await h.keys.rewrapRoot(newRoot, { provider: 'local' });
    assert.ok(rewrapped >= 2);
    assert.deepEqual(
      payloads(h).map((row) => Buffer.from(row.payload).toString('hex')),
      before,
    );
    // A service started with only the new root opens the message; one with the old root sees nothing usable.
    const fresh = await KeyService.open({ store: h.store, root: newRoot, clock: h.clock, region: 'us-east-1' });
    const opened = await h.store.read(async (tx) => {
      const session = await fresh.session(tx);
      return session.open(payloads(h)[0]!.payload, h.arnOf(q), (await tx.scanPayloads(0, 1))[0]!.messageId);
    });
    assert.match(opened.toString('utf8'), /"b":"kept"/);
  });
});
