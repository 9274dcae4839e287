import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isPciqError } from '../../src/core/index.ts';
import { KeyAdmin } from '../../src/keys/index.ts';
import { caller, QueueHarness } from '../support/queue-harness.ts';

describe('tags of KMS keys', () => {
  let h: QueueHarness;
  let admin: KeyAdmin;
  beforeEach(async () => {
    h = new QueueHarness();
    await h.ready;
    admin = new KeyAdmin(h.keys);
  });
  afterEach(() => h.close());

  it('tags a quarantined key, keeping the reserved quarantine tag out of reach', async () => {
    const key = await admin.createKey(caller.accountId, {});
    await admin.quarantineKey(caller.accountId, key.keyId, 'INC-3');
    // Responders label the key with their ticket; the incident's own tag stays as incident response set it.
    const tagged = await admin.tagResource(caller.accountId, key.keyId, { ticket: 'SEC-123' });
    assert.deepEqual(tagged.tags, { 'pciq:quarantine': 'INC-3', ticket: 'SEC-123' });
    await assert.rejects(admin.tagResource(caller.accountId, key.keyId, { 'pciq:quarantine': 'none' }), (error) => {
      assert.ok(isPciqError(error));
      assert.equal(error.code, 'TagException');
      assert.match(error.message, /reserved for incident response/);
      return true;
    });
    const limit = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`t${i}`, 'x']));
    await assert.rejects(admin.tagResource(caller.accountId, key.keyId, limit), { code: 'TagException' });
  });
});
