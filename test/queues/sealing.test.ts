import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { QueueHarness } from '../support/queue-harness.ts';

describe('messages at rest', () => {
  let h: QueueHarness;
  beforeEach(() => {
    h = new QueueHarness();
  });
  afterEach(() => h.close());

  it('stores bodies and attributes only sealed', async () => {
    const q = await h.createQueue('sealed');
    await h.send(q, 'order for customer Zebediah-Plaintext-Marker', {
      attributes: { note: { dataType: 'String', stringValue: 'Attribute-Plaintext-Marker' } },
    });
    for (const file of readdirSync(h.dir.path)) {
      const bytes = readFileSync(join(h.dir.path, file)).toString('latin1');
      assert.ok(!bytes.includes('Zebediah-Plaintext-Marker'), `${file} holds a body in clear`);
      assert.ok(!bytes.includes('Attribute-Plaintext-Marker'), `${file} holds an attribute in clear`);
    }
  });

  it('sets aside a message whose ciphertext was altered instead of delivering it', async () => {
    const q = await h.createQueue('tampered');
    await h.send(q, 'genuine');
    await h.send(q, 'untouched');
    // An attacker with write access to the database flips one byte of the first message's ciphertext.
    const raw = new DatabaseSync(h.databasePath);
    const row = raw.prepare('SELECT seq, payload FROM messages ORDER BY seq LIMIT 1').get() as {
      seq: number;
      payload: Uint8Array;
    };
    const altered = Buffer.from(row.payload);
    altered[altered.length - 20]! ^= 0x01;
    raw.prepare('UPDATE messages SET payload = ? WHERE seq = ?').run(altered, row.seq);
    raw.close();
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => warnings.push(warning.code ?? '');
    process.on('warning', onWarning);
    const bodies = await h.bodies(q);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    assert.deepEqual(bodies, ['untouched']);
    assert.ok(warnings.includes('PCIQ_SEAL_INTEGRITY'));
    const counts = await h.service.getQueueAttributes(q, ['ApproximateNumberOfMessagesNotVisible']);
    // The delivered message and the altered one, which is kept (hidden), not lost.
    assert.equal(counts['ApproximateNumberOfMessagesNotVisible'], '2');
    h.clock.advance(60_000);
    assert.deepEqual(await h.bodies(q), ['untouched'], 'the altered one stays set aside after the visibility timeout');
  });

  it('refuses a ciphertext moved to another message', async () => {
    const q = await h.createQueue('swapped');
    await h.send(q, 'first');
    await h.send(q, 'second');
    const raw = new DatabaseSync(h.databasePath);
    const rows = raw.prepare('SELECT seq, payload FROM messages ORDER BY seq').all() as Array<{
      seq: number;
      payload: Uint8Array;
    }>;
    raw.prepare('UPDATE messages SET payload = ? WHERE seq = ?').run(rows[0]!.payload, rows[1]!.seq);
    raw.close();
    assert.deepEqual(await h.bodies(q), ['first']);
  });
});
