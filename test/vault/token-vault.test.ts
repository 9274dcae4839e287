import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { type Caller, isPciqError } from '../../src/core/index.ts';
import { readHeader, sealingPool } from '../../src/crypto/index.ts';
import { KeyAdmin, reencryptStoredData } from '../../src/keys/index.ts';
import { passesLuhn, redactedValue, vaultArn } from '../../src/vault/index.ts';
import { caller } from '../support/audit-harness.ts';
import { digitsInOrderPattern, panIn } from '../support/card-numbers.ts';
import { GuardHarness } from '../support/guard-harness.ts';

const pan = '4111111111111111';
const other: Caller = { ...caller, principalArn: 'arn:aws:iam::123456789012:user/analyst', accessKeyId: 'AKIAOTHER' };

async function rejects(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isPciqError(error), String(error));
    assert.equal(error.code, code);
    assert.doesNotMatch(error.message, /4111/);
    return true;
  });
}

function tokenRow(h: GuardHarness, column: string) {
  const raw = new DatabaseSync(h.databasePath, { readOnly: true });
  try {
    return raw.prepare(`SELECT ${column} FROM vault_tokens`).all() as Array<Record<string, unknown>>;
  } finally {
    raw.close();
  }
}

describe('the token vault', () => {
  let h: GuardHarness;
  before(async () => {
    h = await new GuardHarness({ detokenizeLimit: { perSecond: 5, burst: 20 } }).open();
  });
  after(() => h.close());

  it('tokenizes and detokenizes at each redaction level', async () => {
    const { token, brand, last4, isReused } = await h.vault.tokenize(caller, '4111 1111 1111 1111', {
      expiryMonth: '12/29',
      reason: 'checkout',
    });
    assert.match(token, /^tok_[a-p]{10}[a-z2-7]{24}$/);
    assert.deepEqual({ brand, last4, isReused }, { brand: 'visa', last4: '1111', isReused: false });
    assert.deepEqual(await h.vault.detokenize(caller, token, { redaction: 'plain', reason: 'refund' }), {
      value: pan,
      redaction: 'plain',
      brand: 'visa',
      last4: '1111',
      expiryMonth: '12/29',
    });
    assert.equal((await h.vault.detokenize(caller, token)).value, '411111******1111', 'masked by default');
    assert.deepEqual(await h.vault.detokenize(caller, token, { redaction: 'redacted' }), {
      value: redactedValue,
      redaction: 'redacted',
      brand: 'visa',
    });
  });

  it('answers each of many detokenizations in flight for its own token, account and redaction', async () => {
    const reader: Caller = {
      ...caller,
      principalArn: 'arn:aws:iam::123456789012:user/reader',
      accessKeyId: 'AKIAREADER',
    };
    const elsewhere: Caller = {
      ...caller,
      accountId: '210987654321',
      principalArn: 'arn:aws:iam::210987654321:user/reader',
      accessKeyId: 'AKIAELSEWHERE',
    };
    const pans = ['4111111111111111', '5555555555554444', '378282246310005'];
    const tokens = (await Promise.all(pans.map((card) => h.vault.tokenize(caller, card)))).map(({ token }) => token);
    const { token: foreign } = await h.vault.tokenize(elsewhere, '6011111111111117');
    const answers = await Promise.allSettled([
      ...tokens.map((token) => h.vault.detokenize(reader, token, { redaction: 'plain' })),
      ...tokens.map((token) => h.vault.detokenize(reader, token, { redaction: 'masked' })),
      h.vault.detokenize(reader, `tok_${'a'.repeat(34)}`),
      h.vault.detokenize(reader, foreign, { redaction: 'plain' }),
      h.vault.detokenize(elsewhere, foreign, { redaction: 'plain' }),
    ]);
    assert.deepEqual(
      answers.map((answer) =>
        answer.status === 'fulfilled' ? answer.value.value : isPciqError(answer.reason) && answer.reason.code,
      ),
      [
        ...pans,
        '411111******1111',
        '555555******4444',
        '378282*****0005',
        'ResourceNotFoundException',
        'ResourceNotFoundException',
        '6011111111111117',
      ],
    );
  });

  it('refuses what is no card number without echoing it', async () => {
    await rejects(h.vault.tokenize(caller, '4111 1111 1111 1112'), 'ValidationException');
    await rejects(h.vault.tokenize(caller, pan, { scope: 'bad scope!' }), 'ValidationException');
    await rejects(h.vault.tokenize(caller, pan, { ttlSec: 0 }), 'ValidationException');
  });

  it('keeps tokens per account: another account cannot detokenize them', async () => {
    const { token } = await h.vault.tokenize(caller, pan);
    await rejects(h.vault.detokenize({ ...caller, accountId: '210987654321' }, token), 'ResourceNotFoundException');
  });

  it('returns the same token for the same PAN in a scope only (convergent), random ones otherwise', async () => {
    const a1 = await h.vault.tokenize(caller, pan, { scope: 'orders' });
    const a2 = await h.vault.tokenize(caller, '4111-1111-1111-1111', { scope: 'orders' });
    const b = await h.vault.tokenize(caller, pan, { scope: 'refunds' });
    const otherPan = await h.vault.tokenize(caller, '5555555555554444', { scope: 'orders' });
    const random1 = await h.vault.tokenize(caller, pan);
    const random2 = await h.vault.tokenize(caller, pan);
    assert.equal(a2.token, a1.token);
    assert.equal(a2.isReused, true);
    assert.notEqual(b.token, a1.token, 'another scope, another token');
    assert.notEqual(otherPan.token, a1.token);
    assert.notEqual(random1.token, random2.token, 'without a scope every token is new');
    const fp1 = await h.vault.tokenize(caller, pan, { scope: 'orders', format: 'format-preserving-bin6' });
    const fp2 = await h.vault.tokenize(caller, pan, { scope: 'orders', format: 'format-preserving-bin6' });
    assert.equal(fp1.token, fp2.token);
    assert.notEqual(fp1.token, a1.token, 'one token per format in a scope');
    assert.equal(passesLuhn(fp1.token), false);
    assert.equal((await h.vault.detokenize(caller, fp1.token, { redaction: 'plain' })).value, pan);
  });

  it('finds convergent tokens through a keyed fingerprint, never a plain hash of the PAN (PCI DSS 3.5.1.1)', async () => {
    const { createHash } = await import('node:crypto');
    const fingerprints = tokenRow(h, 'fingerprint')
      .map((row) => row['fingerprint'])
      .filter((value): value is string => typeof value === 'string');
    assert.ok(fingerprints.length > 0);
    for (const algorithm of ['sha256', 'sha1', 'md5', 'sha512']) {
      for (const encoding of ['hex', 'base64', 'base64url'] as const) {
        const plain = createHash(algorithm).update(pan).digest(encoding);
        assert.ok(!fingerprints.includes(plain), `${algorithm} of the PAN is stored`);
      }
    }
  });

  it('expires tokens after their TTL and sweeps them away with their PANs', async () => {
    const { token, expiresAtMs } = await h.vault.tokenize(caller, pan, { ttlSec: 60 });
    assert.equal(expiresAtMs, h.clock.now() + 60_000);
    assert.equal((await h.vault.detokenize(caller, token, { redaction: 'plain' })).value, pan);
    h.clock.advance(60_000);
    await rejects(h.vault.detokenize(caller, token), 'ResourceNotFoundException');
    const before = tokenRow(h, 'token_ref').length;
    assert.equal(await h.vault.sweepExpired(), 1);
    assert.equal(tokenRow(h, 'token_ref').length, before - 1);
  });

  it('answers DeleteToken of an expired token as of an unknown one, and removes it before the sweep', async () => {
    const { token } = await h.vault.tokenize(caller, pan, { ttlSec: 60 });
    h.clock.advance(60_000);
    const before = tokenRow(h, 'token_ref').length;
    await rejects(h.vault.deleteToken(caller, token, { reason: 'card replaced' }), 'ResourceNotFoundException');
    assert.equal(tokenRow(h, 'token_ref').length, before - 1, 'gone without waiting for the sweep');
    const [record] = (await h.allRecords()).filter((r) => r.type === 'vault:DeleteToken').slice(-1);
    assert.deepEqual([record?.outcome, record?.error], ['failure', 'ResourceNotFoundException']);
    assert.equal(await h.vault.sweepExpired(), 0);
  });

  it('deletes a token so that its PAN cannot be had back', async () => {
    const { token } = await h.vault.tokenize(caller, pan);
    await h.vault.deleteToken(caller, token, { reason: 'customer asked' });
    await rejects(h.vault.detokenize(caller, token, { redaction: 'plain' }), 'ResourceNotFoundException');
    await rejects(h.vault.deleteToken(caller, token), 'ResourceNotFoundException');
  });

  it('answers masked values from the metadata without opening the PAN, sealed apart', async () => {
    const { token, tokenRef } = await h.vault.tokenize(caller, pan);
    // Swap this token's sealed PAN for another token's: the PAN no longer opens (bound to its place)…
    const raw = new DatabaseSync(h.databasePath);
    raw
      .prepare(
        `UPDATE vault_tokens SET sealed_pan = (SELECT sealed_pan FROM vault_tokens WHERE token_ref != ?1 LIMIT 1)
         WHERE token_ref = ?1`,
      )
      .run(tokenRef);
    raw.close();
    await rejects(h.vault.detokenize(caller, token, { redaction: 'plain' }), 'ResourceNotFoundException');
    // …while the masked value, from the metadata's own ciphertext, still shows.
    assert.equal((await h.vault.detokenize(caller, token, { redaction: 'masked' })).value, '411111******1111');
  });

  it('still opens metadata sealed as JSON, the layout of the first tokens', async () => {
    const { token, tokenRef } = await h.vault.tokenize(caller, '5555 5555 5555 4444', {
      scope: 'legacy',
      expiryMonth: '01/30',
    });
    const legacy = JSON.stringify({ t: token, b: 'mastercard', n: '555555', l: '4444', c: 16, x: '01/30' });
    await h.store.write(async (tx) => {
      const arn = vaultArn('us-east-1', caller.accountId);
      const key = (await h.keys.session(tx)).sealingKey(caller.accountId, 'alias/aws/vault', arn);
      const sealedMeta = key.seal(Buffer.from(legacy, 'utf8'), `meta:${tokenRef}`);
      await tx.vault.replaceTokenSeals(caller.accountId, tokenRef, { sealedMeta });
    });
    assert.deepEqual(await h.vault.detokenize(caller, token), {
      value: '555555******4444',
      redaction: 'masked',
      brand: 'mastercard',
      last4: '4444',
    });
    const again = await h.vault.tokenize(caller, '5555555555554444', { scope: 'legacy' });
    assert.deepEqual({ token: again.token, isReused: again.isReused }, { token, isReused: true });
  });

  it('throttles detokenization per principal', async () => {
    const { token } = await h.vault.tokenize(caller, pan);
    let served = 0;
    await assert.rejects(async () => {
      for (;;) {
        await h.vault.detokenize(other, token);
        served++;
      }
    }, /Too many detokenizations/);
    assert.equal(served, 20, 'the burst, then refused');
    for (const redaction of ['plain', 'masked', 'redacted'] as const) {
      await assert.rejects(h.vault.detokenize(other, token, { redaction }), (error: Error) => {
        assert.match(error.message, /retry in a few seconds/);
        assert.doesNotMatch(error.message, /masked/, 'no advice that another level would pass: none does');
        return true;
      });
    }
    await h.vault.detokenize(caller, token);
    h.clock.advance(1_000);
    await h.vault.detokenize(other, token);
  });

  it('throttles the sessions of one role together: a new session name is no fresh burst', async () => {
    const { token } = await h.vault.tokenize(caller, pan);
    const session = (name: string): Caller => ({
      ...caller,
      principalArn: `arn:aws:sts::123456789012:assumed-role/analysts/${name}`,
      accessKeyId: `ASIA${name.toUpperCase()}`,
    });
    for (let i = 0; i < 20; i++) await h.vault.detokenize(session(`s${i}`), token);
    await rejects(h.vault.detokenize(session('fresh'), token), 'RequestThrottled');
    const otherRole: Caller = { ...session('s0'), principalArn: 'arn:aws:sts::123456789012:assumed-role/support/s0' };
    await h.vault.detokenize(otherRole, token);
  });

  it('audits every operation with who, which token (keyed reference), why and the outcome — never the PAN or token', async () => {
    const { token, tokenRef } = await h.vault.tokenize(caller, pan, { reason: 'audit check' });
    await h.vault.detokenize(caller, token, { redaction: 'plain', reason: 'chargeback 77' });
    await rejects(
      h.vault.detokenize(caller, 'tok_aaaaaaaaaaaaaaaaaaaaaaaa', { reason: 'probe' }),
      'ResourceNotFoundException',
    );
    const records = await h.allRecords();
    const tokenEvents = records.filter((record) => record.category === 'token');
    const tokenized = tokenEvents.find((r) => r.type === 'vault:Tokenize' && r.details.tokenRef === tokenRef);
    assert.equal(tokenized?.actor.principal, caller.principalArn);
    assert.equal(tokenized?.details.reason, 'audit check');
    assert.equal(tokenized?.resource, vaultArn('us-east-1', caller.accountId));
    const detokenized = tokenEvents.find((r) => r.type === 'vault:Detokenize' && r.details.reason === 'chargeback 77');
    assert.deepEqual(
      {
        outcome: detokenized?.outcome,
        tokenRef: detokenized?.details.tokenRef,
        redaction: detokenized?.details.redaction,
      },
      { outcome: 'success', tokenRef, redaction: 'plain' },
    );
    const probe = tokenEvents.find((r) => r.type === 'vault:Detokenize' && r.details.reason === 'probe');
    assert.deepEqual(
      { outcome: probe?.outcome, error: probe?.error },
      { outcome: 'failure', error: 'ResourceNotFoundException' },
    );
    const all = JSON.stringify(records);
    assert.ok(!all.includes(token), 'no token value in the trail');
    assert.doesNotMatch(all, digitsInOrderPattern(pan));
  });

  it('tokenizes many cards in one call, in their order, with one audit record for the call', async () => {
    const cards = ['4111 1111 1111 1111', '5555555555554444', '378282246310005', '4111-1111-1111-1111'];
    const before = (await h.allRecords()).length;
    const results = await h.vault.tokenizeBatch(caller, cards, { scope: 'batch', reason: 'import' });
    assert.deepEqual(
      results.map(({ brand, last4, isReused }) => ({ brand, last4, isReused })),
      [
        { brand: 'visa', last4: '1111', isReused: false },
        { brand: 'mastercard', last4: '4444', isReused: false },
        { brand: 'amex', last4: '0005', isReused: false },
        { brand: 'visa', last4: '1111', isReused: true },
      ],
    );
    assert.equal(results[3]!.token, results[0]!.token, 'the same card twice in a scope: its one token');
    for (const [index, result] of results.entries()) {
      const plain = await h.vault.detokenize(caller, result.token, { redaction: 'plain' });
      assert.equal(plain.value, cards[index]!.replace(/[ -]/g, ''));
    }
    const records = (await h.allRecords()).slice(before).filter((r) => r.type === 'vault:Tokenize');
    assert.equal(records.length, 1);
    assert.deepEqual(
      { count: records[0]!.details.count, reused: records[0]!.details.reused, reason: records[0]!.details.reason },
      { count: 4, reused: 1, reason: 'import' },
    );
    assert.match(String(records[0]!.details.tokenRefs), new RegExp(`^${results[0]!.tokenRef},`));
    assert.ok(!JSON.stringify(records).includes(results[0]!.token), 'no token value in the trail');
  });

  it('refuses a batch with a card that is not one, naming its position, and issues none of the others', async () => {
    const before = (await h.allRecords()).length;
    await assert.rejects(
      h.vault.tokenizeBatch(caller, ['5105105105105100', '4111 1111 1111 1112'], { scope: 'refused' }),
      (error: unknown) => {
        assert.ok(isPciqError(error));
        assert.equal(error.code, 'ValidationException');
        assert.match(error.message, /Pans entry 2 /);
        assert.doesNotMatch(error.message, /4111|5105/);
        return true;
      },
    );
    await rejects(h.vault.tokenizeBatch(caller, []), 'ValidationException');
    await rejects(h.vault.tokenizeBatch(caller, Array(1_001).fill(pan)), 'ValidationException');
    const again = await h.vault.tokenize(caller, '5105105105105100', { scope: 'refused' });
    assert.equal(again.isReused, false, 'the valid card of the refused batch got no token');
    assert.equal((await h.allRecords()).length, before + 1);
  });

  it('seals under its own AWS managed key, re-encrypted like any other data', async () => {
    const admin = new KeyAdmin(h.keys);
    const key = await admin.describeKey(caller.accountId, 'alias/aws/vault');
    assert.match(key.description, /token vault/);
    const { token } = await h.vault.tokenize(caller, pan);
    await admin.rotateKey(caller.accountId, key.keyId, true);
    const result = await reencryptStoredData(h.keys, new Set([key.keyId]), { retire: true });
    assert.ok(result.reencrypted >= 2, 'PAN and metadata of each token');
    assert.equal((await h.vault.detokenize(caller, token, { redaction: 'plain' })).value, pan);
  });

  it('leaves the PAN in no file of the data directory, in any spacing or with its digits in order', () => {
    const pattern = digitsInOrderPattern(pan);
    for (const name of readdirSync(h.dir.path)) {
      const bytes = readFileSync(join(h.dir.path, name));
      assert.doesNotMatch(bytes.toString('latin1'), pattern, `${name} holds the PAN`);
      assert.equal(bytes.indexOf(Buffer.from(pan, 'utf16le')), -1);
    }
  });
});

describe('a large batch of cards, sealed on a worker thread ahead of its unit of work', () => {
  let h: GuardHarness;
  before(async () => {
    h = await new GuardHarness().open();
  });
  after(() => h.close());

  const cards = Array.from({ length: 100 }, () => panIn('4', '4', 16));

  /** The key version each token's sealed PAN and metadata name in their envelope headers. */
  function sealedVersions(tokenRefs: readonly string[]): number[] {
    const wanted = new Set(tokenRefs);
    return tokenRow(h, 'token_ref, sealed_pan, sealed_meta')
      .filter((row) => wanted.has(String(row.token_ref)))
      .flatMap((row) => [row.sealed_pan, row.sealed_meta])
      .map((sealed) => readHeader(sealed as Uint8Array)!.keyVersion);
  }

  async function assertDetokenizes(tokens: readonly string[], expiryMonth?: string): Promise<void> {
    for (const [index, token] of tokens.entries()) {
      const plain = await h.vault.detokenize(caller, token, { redaction: 'plain' });
      assert.deepEqual(
        { value: plain.value, expiryMonth: plain.expiryMonth },
        { value: cards[index], expiryMonth },
        `card ${index + 1}`,
      );
      const masked = await h.vault.detokenize(caller, token);
      assert.equal(masked.value, `${cards[index]!.slice(0, 6)}******${cards[index]!.slice(-4)}`);
    }
  }

  it('seals PAN and metadata of each card off the main thread, each opening to its own card', async () => {
    await h.vault.tokenize(caller, pan);
    const before = sealingPool.sealedOnWorker;
    const results = await h.vault.tokenizeBatch(caller, cards, { expiryMonth: '11/30' });
    assert.equal(sealingPool.sealedOnWorker - before, 2 * cards.length);
    await assertDetokenizes(
      results.map((result) => result.token),
      '11/30',
    );
  });

  it('seals single tokenizations in flight together on the worker thread', async () => {
    const before = sealingPool.sealedOnWorker;
    const results = await Promise.all(cards.map((card) => h.vault.tokenize(caller, card)));
    assert.ok(sealingPool.sealedOnWorker - before >= cards.length, 'most of them off the main thread');
    await assertDetokenizes(results.map((result) => result.token));
  });

  it('seals again in the unit, under the new key version, what was sealed ahead before the key rotated', async () => {
    const admin = new KeyAdmin(h.keys);
    const { keyId } = await admin.describeKey(caller.accountId, 'alias/aws/vault');
    await h.vault.tokenize(caller, pan);
    const before = sealingPool.sealedOnWorker;
    await admin.rotateKey(caller.accountId, keyId, true);
    const rotated = await h.vault.tokenizeBatch(caller, cards);
    assert.equal(sealingPool.sealedOnWorker - before, 2 * cards.length, 'sealed ahead under the old version');
    const current = Math.max(...sealedVersions(rotated.map((result) => result.tokenRef)));
    assert.ok(current >= 2);
    assert.deepEqual(
      new Set(sealedVersions(rotated.map((result) => result.tokenRef))),
      new Set([current]),
      'every envelope of the batch under the version current when it committed',
    );
    await assertDetokenizes(rotated.map((result) => result.token));
    const next = await h.vault.tokenizeBatch(caller, cards);
    assert.deepEqual(new Set(sealedVersions(next.map((result) => result.tokenRef))), new Set([current]));
    await assertDetokenizes(next.map((result) => result.token));
  });
});
