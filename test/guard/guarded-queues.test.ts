import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { isPciqError, type QueueAddress } from '../../src/core/index.ts';
import { KeyAdmin } from '../../src/keys/index.ts';
import type { MessageAttributes, ReceiveOptions, SendEntry } from '../../src/queues/index.ts';
import { passesLuhn } from '../../src/vault/index.ts';
import { caller } from '../support/audit-harness.ts';
import { digitsInOrderPattern } from '../support/card-numbers.ts';
import { GuardHarness } from '../support/guard-harness.ts';

const pan = '4111111111111111';
const order = '{"order":7,"card":{"number":"4111 1111 1111 1111","exp":"12/29"}}';

function entry(body: string, extra: Partial<SendEntry> = {}): SendEntry {
  return { id: 'e', body, attributes: {}, systemAttributes: {}, ...extra };
}

function vaultRows(h: GuardHarness): number {
  const raw = new DatabaseSync(h.databasePath, { readOnly: true });
  try {
    return Number((raw.prepare('SELECT COUNT(*) AS n FROM vault_tokens').get() as { n: number }).n);
  } finally {
    raw.close();
  }
}

describe('the guard on the queue engine', () => {
  let h: GuardHarness;
  before(async () => {
    h = await new GuardHarness({ detokenizeLimit: { perSecond: 1, burst: 30 } }).open();
  });
  after(() => h.close());

  async function queue(name: string, attributes: Record<string, string> = {}, tags: Record<string, string> = {}) {
    await h.guarded.createQueue(caller, { name, attributes, tags });
    return { accountId: caller.accountId, name };
  }

  async function send(address: QueueAddress, body: string, extra: Partial<SendEntry> = {}) {
    const [outcome] = await h.guarded.sendMessages(caller, address, [entry(body, extra)], false);
    if (!outcome?.ok) throw new Error(outcome ? `${outcome.code}: ${outcome.message}` : 'no outcome');
    return outcome.value;
  }

  function receive(address: QueueAddress, options: Partial<ReceiveOptions> = {}) {
    return h.guarded.receiveMessages(address, {
      maxMessages: 10,
      visibilityTimeoutSec: 0,
      systemAttributeNames: ['All'],
      messageAttributeNames: ['All'],
      ...options,
    });
  }

  it('tokenizes card numbers in place by default; the sender gets the checksum of what it sent', async () => {
    const orders = await queue('orders');
    const sent = await send(orders, order);
    assert.equal(sent.md5OfBody, createHash('md5').update(order).digest('hex'));
    const [message] = await receive(orders);
    const body = JSON.parse(message!.body);
    assert.match(body.card.number, /^tok_[a-p]{10}[a-z2-7]{24}$/);
    assert.deepEqual(
      { ...body, card: { ...body.card, number: 'T' } },
      { order: 7, card: { number: 'T', exp: '12/29' } },
    );
    assert.equal(message!.md5OfBody, createHash('md5').update(message!.body).digest('hex'));
    assert.equal((await h.vault.detokenize(caller, body.card.number, { redaction: 'plain' })).value, pan);
    const events = (await h.allRecords()).filter((record) => record.type === 'vault:Tokenize');
    assert.deepEqual(events.at(-1)?.data, { messageIds: [sent.messageId], count: 1 });
    assert.equal(events.at(-1)?.details.via, 'SendMessage');
  });

  it('tokenizes a card number written as a JSON number in any form a serializer writes it', async () => {
    const numbers = await queue('numbers');
    // A float column (pandas, a double) writes "4111111111111111.0" or "4.111111111111111e15"; both parse to the PAN.
    const forms = [`${pan}.0`, '4.111111111111111e15', '4111111111111111E0', '41111111111111.11e2', `-${pan}`];
    await send(numbers, `{"cards":[${forms.join(',')}],"amount":1250.5,"big":1.5e300}`);
    const [message] = await receive(numbers);
    const body = JSON.parse(message!.body);
    assert.equal(body.cards.length, forms.length);
    for (const token of body.cards) assert.match(token, /^tok_[a-p]{10}[a-z2-7]{24}$/);
    assert.deepEqual([body.amount, body.big], [1250.5, 1.5e300], 'other numbers stay as they were');
    assert.equal((await h.vault.detokenize(caller, body.cards[1], { redaction: 'plain' })).value, pan);
  });

  it('tokenizes a card number right after a percent-escape, as URL-encoding writes quotes and spaces', async () => {
    const encoded = await queue('encoded');
    const bodies = [
      encodeURIComponent('{"card":"4111 1111 1111 1111"}'),
      `q=card%20number%20${pan}&x=1`,
      `note=%27${pan}%27`,
    ];
    for (const body of bodies) await send(encoded, body);
    const delivered = (await receive(encoded)).map((message) => message.body);
    const token = 'tok_[a-p]{10}[a-z2-7]{24}';
    assert.equal(delivered.length, bodies.length);
    assert.match(delivered[0]!, new RegExp(`^%7B%22card%22%3A%22${token}%22%7D$`));
    assert.match(delivered[1]!, new RegExp(`^q=card%20number%20${token}&x=1$`));
    assert.match(delivered[2]!, new RegExp(`^note=%27${token}%27$`));
    // A percent sign that starts no escape is no part of a number: 50% then a card number.
    const literal = await queue('literal-percent');
    await send(literal, `discount 50%${pan}`);
    const [last] = await receive(literal);
    assert.match(last!.body, /^discount 50%tok_/);
  });

  it('tokenizes card numbers grouped with tabs, slashes or underscores; dates, paths and ids stay as sent', async () => {
    const grouped = await queue('grouped-by-cells');
    const token = 'tok_[a-p]{10}[a-z2-7]{24}';
    await send(grouped, 'row\t4111\t1111\t1111\t1111\t12/29\tpaid on 2024/11/30 via /v1/4111/items');
    await send(
      grouped,
      JSON.stringify({ cell: '4111\t1111\t1111\t1111', amex: '3782/822463/10005', ref: 'order_4111_1111' }),
    );
    await send(grouped, '{"card":"5555\\/5555\\/5555\\/4444","at":"2024-11-30T12:34:56.789Z"}');
    const [text, json, escaped] = (await receive(grouped)).map((message) => message.body);
    assert.match(text!, new RegExp(`^row\t${token}\t12/29\tpaid on 2024/11/30 via /v1/4111/items$`));
    const fields = JSON.parse(json!);
    assert.match(fields.cell, new RegExp(`^${token}$`));
    assert.match(fields.amex, new RegExp(`^${token}$`));
    assert.equal(fields.ref, 'order_4111_1111');
    assert.equal((await h.vault.detokenize(caller, fields.amex, { redaction: 'plain' })).value, '378282246310005');
    assert.match(escaped!, new RegExp(`^\\{"card":"${token}","at":"2024-11-30T12:34:56.789Z"\\}$`));
    const rejecting = await queue('rejecting-ids', { PciqDataPolicy: 'reject' });
    await assert.rejects(send(rejecting, 'ref card_4111_1111_1111_1111'), /card number in the message body/);
    await send(rejecting, 'ref order_4111_1111 on 2024/11/30');
  });

  it('fails only the batch entries that hold SAD and stores nothing of them', async () => {
    const batch = await queue('batch');
    const marker = 'REFUSED-MARKER-19f2';
    const outcomes = await h.guarded.sendMessages(
      caller,
      batch,
      [
        { ...entry(order), id: 'ok' },
        { ...entry(`{"note":"${marker}","card":{"number":"${pan}","cvv":"123"}}`), id: 'cvv' },
        { ...entry(`${marker} ;4111111111111111=29121010000000000?`), id: 'track' },
      ],
      true,
    );
    assert.deepEqual(
      outcomes.map((outcome) => [outcome.id, outcome.ok ? 'ok' : outcome.code]),
      [
        ['ok', 'ok'],
        ['cvv', 'InvalidMessageContents'],
        ['track', 'InvalidMessageContents'],
      ],
    );
    assert.equal((await receive(batch)).length, 1);
    for (const name of readdirSync(h.dir.path)) {
      const bytes = readFileSync(join(h.dir.path, name));
      assert.equal(bytes.indexOf(marker), -1, `${name} holds part of a refused message`);
    }
  });

  it('rejects card numbers on a queue whose policy says reject, attribute winning over tag', async () => {
    const rejecting = await queue('rejecting', { PciqDataPolicy: 'reject' });
    await assert.rejects(send(rejecting, order), /card number in the message body, field card\.number.*reject/);
    const tagged = await queue('tagged', {}, { 'pciq:data-policy': 'reject' });
    await assert.rejects(send(tagged, order), /reject/);
    await h.guarded.setQueueAttributes(tagged, { PciqDataPolicy: 'mask' });
    await send(tagged, order);
    assert.equal(JSON.parse((await receive(tagged))[0]!.body).card.number, '411111******1111');
  });

  it('validates the policy attributes and tags', async () => {
    const refused = async (work: Promise<unknown>, code: string) =>
      assert.rejects(work, (error: unknown) => isPciqError(error) && error.code === code);
    await refused(queue('bad-policy', { PciqDataPolicy: 'shred' }), 'InvalidAttributeValue');
    await refused(queue('bad-format', { PciqTokenFormat: 'fpe' }), 'InvalidAttributeValue');
    await refused(queue('bad-tag', {}, { 'pciq:data-policy': 'shred' }), 'InvalidParameterValue');
    const attributes = await h.guarded.getQueueAttributes(await queue('shown', { PciqDataPolicy: 'mask' }), ['All']);
    assert.equal(attributes['PciqDataPolicy'], 'mask');
  });

  it('masks without the vault: the PAN is gone for good', async () => {
    const masking = await queue('masking', { PciqDataPolicy: 'mask' });
    const rows = vaultRows(h);
    await send(masking, `refund to 4111-1111-1111-1111 please`);
    assert.equal((await receive(masking))[0]!.body, 'refund to 411111******1111 please');
    assert.equal(vaultRows(h), rows);
  });

  it('uses the queue’s token format and convergent scope', async () => {
    const fp = await queue('fp', { PciqTokenFormat: 'format-preserving-bin6', PciqTokenScope: 'orders' });
    await send(fp, order);
    await send(fp, `{"again":${pan}}`);
    const [first, second] = (await receive(fp)).map((message) => JSON.parse(message.body));
    const token = first.card.number as string;
    assert.match(token, /^411111\d{6}1111$/);
    assert.equal(passesLuhn(token), false);
    assert.equal(second.again, token, 'same PAN, same scope: same token (a JSON number became a string)');
  });

  it('tokenizes string, number and text binary attributes; refuses card numbers in identifiers', async () => {
    const attributesQueue = await queue('attributes');
    const attributes: MessageAttributes = {
      note: { dataType: 'String', stringValue: `card ${pan}` },
      amount: { dataType: 'Number.cents', stringValue: pan },
      blob: { dataType: 'Binary', binaryValue: Buffer.from(`{"pan":"${pan}"}`) },
      plain: { dataType: 'String', stringValue: 'nothing here' },
    };
    await send(attributesQueue, 'hello', { attributes });
    const [message] = await receive(attributesQueue);
    const got = message!.messageAttributes;
    assert.match(got['note']!.stringValue!, /^card tok_/);
    assert.deepEqual(got['amount']!.dataType, 'String.cents', 'a Number holding a token is a String now');
    assert.match(Buffer.from(got['blob']!.binaryValue!).toString(), /^\{"pan":"tok_[a-p]{10}[a-z2-7]{24}"\}$/);
    assert.equal(got['plain']!.stringValue, 'nothing here');
    const fifo = await queue('ids.fifo', { FifoQueue: 'true' });
    await assert.rejects(
      send(fifo, 'x', { groupId: pan, deduplicationId: 'd1' }),
      /MessageGroupId holds what looks like a card number/,
    );
    await assert.rejects(
      send(attributesQueue, 'x', {
        systemAttributes: { AWSTraceHeader: { dataType: 'String', stringValue: `Root=${pan}` } },
      }),
      /AWSTraceHeader/,
    );
    for (const name of [pan, `cvv${pan}`, 'card.4111-1111-1111-1111']) {
      await assert.rejects(
        send(attributesQueue, 'x', { attributes: { [name]: { dataType: 'String', stringValue: 'hello' } } }),
        (error: Error) => {
          assert.match(error.message, /^InvalidParameterValue: A message attribute name holds what looks like/);
          assert.doesNotMatch(error.message, /4111/);
          return true;
        },
        `attribute name ${name}`,
      );
    }
    assert.equal((await receive(attributesQueue)).length, 1, 'nothing stored of the refused messages');
  });

  it('deduplicates FIFO messages by content with a keyed hash, not the SHA-256 of card data', async () => {
    const fifo = await queue('dedup.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    const a = await send(fifo, order, { groupId: 'g' });
    const b = await send(fifo, order, { groupId: 'g' });
    assert.equal(b.messageId, a.messageId, 'deduplicated');
    const [message] = await receive(fifo);
    const dedupId = message!.attributes['MessageDeduplicationId'];
    assert.match(dedupId ?? '', /^[0-9a-f]{64}$/);
    assert.notEqual(dedupId, createHash('sha256').update(order).digest('hex'));
  });

  it('reveals tokens on receive at the level asked for, audited with the reason', async () => {
    const reveal = await queue('reveal');
    await send(reveal, order);
    const body = (redaction: 'plain' | 'masked' | 'redacted') =>
      receive(reveal, { reveal: { caller, redaction, reason: 'fraud-review' } }).then((m) => JSON.parse(m[0]!.body));
    assert.equal((await body('plain')).card.number, pan);
    assert.equal((await body('masked')).card.number, '411111******1111');
    assert.equal((await body('redacted')).card.number, '[REDACTED]');
    assert.match((await receive(reveal))[0]!.body, /tok_/, 'tokens without asking');
    const reveals = (await h.allRecords()).filter(
      (r) => r.type === 'vault:Detokenize' && r.details.via === 'ReceiveMessage',
    );
    assert.equal(reveals.length, 3);
    assert.deepEqual(
      reveals.map((r) => [r.details.redaction, r.details.reason, r.outcome, r.data.count]),
      [
        ['plain', 'fraud-review', 'success', 1],
        ['masked', 'fraud-review', 'success', 1],
        ['redacted', 'fraud-review', 'success', 1],
      ],
    );
  });

  it('refuses a reveal before receiving anything when the principal is throttled', async () => {
    const throttled = await queue('throttled');
    const greedy = { ...caller, principalArn: 'arn:aws:iam::123456789012:user/greedy' };
    for (let i = 0; i < 31; i++) await send(throttled, order);
    for (let i = 0; i < 3; i++) await receive(throttled, { reveal: { caller: greedy, redaction: 'masked' } });
    await assert.rejects(
      receive(throttled, { reveal: { caller: greedy, redaction: 'masked' } }),
      (error: unknown) => isPciqError(error) && error.code === 'RequestThrottled',
    );
  });

  it("answers in SQS's codes, naming the vault's key, while that key is quarantined", async () => {
    const quarantined = await queue('quarantined-vault');
    await send(quarantined, order);
    const admin = new KeyAdmin(h.keys);
    const { keyId } = await admin.describeKey(caller.accountId, 'alias/aws/vault');
    const previous = await admin.quarantineKey(caller.accountId, keyId, 'INC-drill');
    try {
      await assert.rejects(send(quarantined, order), (error: Error) => {
        assert.match(error.message, /^KmsDisabled: The token vault's key \(alias\/aws\/vault\) is disabled/);
        assert.doesNotMatch(error.message, /key of this queue/);
        return true;
      });
      await assert.rejects(
        receive(quarantined, { reveal: { caller, redaction: 'masked' } }),
        (error: unknown) =>
          isPciqError(error) && error.code === 'KmsDisabled' && /token vault's key/.test(error.message),
      );
      await send(quarantined, 'no card number here');
      assert.equal((await receive(quarantined)).length, 2, 'sends without card numbers and plain receives go on');
    } finally {
      await admin.releaseKey(caller.accountId, keyId, previous);
    }
  });

  it('keeps the PAN out of every file of the data directory', () => {
    const pattern = digitsInOrderPattern(pan);
    for (const name of readdirSync(h.dir.path)) {
      const text = readFileSync(join(h.dir.path, name)).toString('latin1');
      assert.doesNotMatch(text, pattern, `${name} holds the PAN`);
    }
  });
});
