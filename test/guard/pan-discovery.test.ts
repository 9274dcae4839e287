import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskDigitRuns } from '../../src/core/index.ts';
import { findPans, isWorthInspecting, maskCardNumbers } from '../../src/guard/index.ts';
import { rewriteMessage, screenMessage } from '../../src/guard/message-screening.ts';
import type { QueueDataPolicy } from '../../src/queues/index.ts';
import { passesLuhn } from '../../src/vault/index.ts';
import { brandCorpus, checkDigitFor, randomNumber, spacings } from '../support/card-numbers.ts';

const tokenize: QueueDataPolicy = {
  action: 'tokenize',
  tokenFormat: 'opaque',
  tokenScope: undefined,
  allowedFields: [],
};

/** The PANs the guard finds in a message body. */
function found(body: string, policy: QueueDataPolicy = tokenize): string[] {
  return screenMessage({ body, attributes: {}, systemAttributes: {} }, policy)?.pans ?? [];
}

/** How a PAN may sit in a message: JSON string, JSON number, free text, base64 of JSON. */
const placements: ReadonlyArray<{ name: string; body: (written: string, digits: string) => string }> = [
  { name: 'JSON string', body: (written) => JSON.stringify({ order: 7, card: { number: written, exp: '12/29' } }) },
  { name: 'free text', body: (written) => `Customer paid with card ${written}, ship by Friday.` },
  {
    name: 'base64 of JSON',
    body: (written) =>
      JSON.stringify({ payload: Buffer.from(JSON.stringify({ pan: written }), 'utf8').toString('base64') }),
  },
];

describe('PAN discovery on a generated corpus', () => {
  it('finds at least 99.9% of valid PANs across brands, spacings and placements', (t) => {
    const corpus = brandCorpus(12);
    let total = 0;
    let hits = 0;
    const misses = new Map<string, number>();
    for (const { brand, pan } of corpus) {
      for (const spacing of spacings) {
        for (const placement of placements) {
          total++;
          if (found(placement.body(spacing.write(pan), pan)).includes(pan)) hits++;
          else {
            const key = `${brand}/${pan.length}/${spacing.name}/${placement.name}`;
            misses.set(key, (misses.get(key) ?? 0) + 1);
          }
        }
      }
      total++;
      if (found(`{"card":{"number":${pan}}}`).includes(pan)) hits++;
      else misses.set(`${brand}/JSON number`, (misses.get(`${brand}/JSON number`) ?? 0) + 1);
    }
    const recall = hits / total;
    t.diagnostic(`recall ${(recall * 100).toFixed(3)}% (${hits} of ${total} PANs, ${corpus.length} distinct)`);
    for (const [key, count] of misses) t.diagnostic(`missed ${count}: ${key}`);
    assert.ok(total >= 10_000, `a corpus of ${total}`);
    assert.ok(recall >= 0.999, `recall ${recall}`);
  });

  it('reports false positives on random order numbers, and allow-listed fields bring them to none', (t) => {
    const perLength = 2_000;
    let flaggedTotal = 0;
    let allowedFlagged = 0;
    const allowOrderIds: QueueDataPolicy = { ...tokenize, allowedFields: ['order.id'] };
    for (let length = 13; length <= 19; length++) {
      let flagged = 0;
      let luhnValid = 0;
      for (let i = 0; i < perLength; i++) {
        const number = randomNumber(length);
        if (passesLuhn(number)) luhnValid++;
        const body = JSON.stringify({ order: { id: number, total: '12.50' } });
        if (found(body).length > 0) flagged++;
        if (found(body, allowOrderIds).length > 0) allowedFlagged++;
      }
      flaggedTotal += flagged;
      t.diagnostic(
        `${length}-digit random order numbers: ${((flagged / perLength) * 100).toFixed(2)}% taken for PANs ` +
          `(${flagged}/${perLength}; ${luhnValid} passed Luhn, the IIN and length check dropped ${luhnValid - flagged})`,
      );
    }
    const rate = flaggedTotal / (perLength * 7);
    t.diagnostic(`overall false-positive rate on random 13–19 digit order numbers: ${(rate * 100).toFixed(2)}%`);
    t.diagnostic(`with PciqAllowedFields=order.id: ${allowedFlagged} false positives`);
    // Only Luhn-valid numbers can be taken for PANs: at most about one in ten.
    assert.ok(rate < 0.1, `false-positive rate ${rate}`);
    assert.equal(allowedFlagged, 0);
  });

  it('ignores numbers no card brand issues: Luhn-valid but outside the IIN ranges or lengths', () => {
    for (const partial of ['999999999999999', '000000000000000', '123456789012345678']) {
      const number = partial + checkDigitFor(partial);
      assert.deepEqual(found(`ref ${number}`), [], number);
    }
    const visa17 = `4${'1'.repeat(15)}`;
    assert.deepEqual(found(visa17 + checkDigitFor(visa17)), [], 'Visa issues no 17-digit PANs');
  });

  it('finds a PAN followed by other numbers in one grouped run, and none in a long ungrouped number', () => {
    assert.deepEqual(
      findPans('4111 1111 1111 1111 12 29').map((pan) => pan.digits),
      ['4111111111111111'],
    );
    assert.deepEqual(findPans('41111111111111111229'), []);
    // 18 digits in all, no card number as a whole: the card number is in its first groups.
    assert.deepEqual(
      findPans('paid with 4111 1111 1111 1111 12/29').map((pan) => pan.digits),
      ['4111111111111111'],
    );
    assert.deepEqual(found('{"card":"4111 1111 1111 1111 12/29"}'), ['4111111111111111']);
  });

  it('finds in a grouped run exactly the card numbers a plain search of its whole groups finds', () => {
    // The plain search: from each group, join the following groups while 13–19 digits, first number wins.
    const brands = brandCorpus(1).map((entry) => entry.pan);
    const reference = (groups: string[]): string[] => {
      const pans: string[] = [];
      for (let first = 0; first < groups.length; first++) {
        let digits = '';
        for (let last = first; last < groups.length && digits.length + groups[last]!.length <= 19; last++) {
          digits += groups[last]!;
          if (digits.length >= 13 && findPans(digits).length === 1) {
            pans.push(digits);
            first = last;
            break;
          }
        }
      }
      return pans;
    };
    for (let run = 0; run < 2_000; run++) {
      const groups: string[] = [];
      // More than 19 digits in all: a run that short is judged whole first, which this reference does not do.
      while (groups.length < 12 || groups.join('').length <= 19) {
        if (Math.random() < 0.15) {
          const pan = brands[Math.floor(Math.random() * brands.length)]!;
          groups.push(...pan.match(/.{1,4}/g)!);
        } else groups.push(randomNumber(1 + Math.floor(Math.random() * 4)));
      }
      const text = groups.join(' ');
      const pans = findPans(`x ${text} y`);
      assert.deepEqual(
        pans.map((pan) => pan.digits),
        reference(groups),
        text,
      );
      for (const pan of pans) assert.equal(`x ${text} y`.slice(pan.start, pan.end).replaceAll(' ', ''), pan.digits);
    }
  });

  it('finds PANs in keys and escaped strings, and leaves the message intact around them', () => {
    assert.deepEqual(found('{"4111111111111111":{"amount":1}}'), ['4111111111111111']);
    assert.deepEqual(found('{"note":"card\\t4111\\u00201111 1111 1111 \\"x\\""}'), ['4111111111111111']);
    // Every separator escaped: nothing in the text as written looks like a card number.
    assert.deepEqual(found('{"n":"4111\\u00201111\\u00201111\\u00201111"}'), ['4111111111111111']);
    assert.deepEqual(found('{"n":"\\u0034111111111111111"}'), ['4111111111111111']);
    assert.deepEqual(found('not json {"card":"4111111111111111"'), ['4111111111111111'], 'broken JSON as text');
  });

  it('reads \\u escapes in text that is no JSON and in JSON encoded twice, replacing the escaped number where it stands', () => {
    const escaped = [...'4111111111111111'].map((digit) => `\\u003${digit}`).join('');
    const fullWidth = [...'4111111111111111'].map((digit) => `\\uff1${digit}`).join('');
    const cases: Array<[string, string]> = [
      [`MARK {"c":"${escaped}"} end`, 'MARK {"c":"TOKEN"} end'],
      ['log: card=4111\\u00201111\\u00201111\\u00201111 ok', 'log: card=TOKEN ok'],
      // An envelope whose message is JSON text, written by a serializer that escapes every non-ASCII character.
      [JSON.stringify({ Message: `{"card":"${fullWidth}"}` }), JSON.stringify({ Message: '{"card":"TOKEN"}' })],
      [JSON.stringify({ Message: `{"card":"${escaped}"}` }), JSON.stringify({ Message: '{"card":"TOKEN"}' })],
    ];
    for (const [body, rewritten] of cases) {
      const screening = screenMessage({ body, attributes: {}, systemAttributes: {} }, tokenize);
      assert.deepEqual(screening?.pans, ['4111111111111111'], body);
      assert.equal(rewriteMessage(screening!, () => 'TOKEN').body, rewritten);
    }
    assert.deepEqual(found('C:\\users\\docs and \\unicode, order 1234'), []);
  });

  it("finds card numbers in full-width and other scripts' digits, and replaces them where they stand", () => {
    assert.deepEqual(found('{"note":"カード ４１１１－１１１１－１１１１－１１１１ です"}'), ['4111111111111111']);
    assert.deepEqual(found('رقم البطاقة ٤١١١١١١١١١١١١١١١'), ['4111111111111111']);
    assert.deepEqual(found('कार्ड ४१११ ११११ ११११ ११११'), ['4111111111111111']);
    assert.deepEqual(found('{"n":"\\uff14111 1111 1111 1111"}'), ['4111111111111111']);
    assert.equal(maskCardNumbers('カード ４１１１　１１１１　１１１１　１１１１ です'), 'カード 411111******1111 です');
    assert.deepEqual(
      found('注文番号 １２３４５６７８９０１２３'),
      [],
      'a number no brand issues, in full-width digits',
    );
  });

  it('finds card numbers spaced with HTML no-break spaces (e-mail templates) or dashes a word processor put', () => {
    assert.equal(
      maskCardNumbers('<p>Card: 4111&nbsp;1111&nbsp;1111&nbsp;1111, Amex 3782&#160;822463&#160;10005</p>'),
      '<p>Card: 411111******1111, Amex 378282*****0005</p>',
    );
    assert.deepEqual(found('{"note":"Karte 4111 – 1111 – 1111 – 1111"}'), ['4111111111111111']);
    assert.deepEqual(found('card 5555‐5555‐5555‐4444 and 4111—1111—1111—1111'), [
      '5555555555554444',
      '4111111111111111',
    ]);
    assert.deepEqual(found('ordered 12 – 3 items on 2024–05–01, ref&nbsp;1234'), []);
  });

  it('reads a card number in ASCII digits grouped with ideographic spaces or full-width dashes in any text', () => {
    // Mixed input: CJK punctuation between ASCII digits, in a text that names no card.
    assert.deepEqual(found('paid 4111\u30001111\u30001111\u30001111 ok'), ['4111111111111111']);
    assert.deepEqual(found('ref 5555\uff0d5555\uff0d5555\uff0d4444'), ['5555555555554444']);
  });

  it('finds card numbers grouped with tabs, slashes or underscores, as cells, paths and identifiers write them', () => {
    const digitsIn = (text: string) => findPans(text).map((pan) => pan.digits);
    assert.deepEqual(digitsIn('4111\t1111\t1111\t1111'), ['4111111111111111']);
    assert.deepEqual(digitsIn('4111/1111/1111/1111'), ['4111111111111111']);
    assert.deepEqual(digitsIn('order_4111_1111_1111_1111'), ['4111111111111111']);
    assert.deepEqual(digitsIn('3782_822463_10005 and 5555/5555/5555/4444'), ['378282246310005', '5555555555554444']);
    assert.deepEqual(digitsIn('3056/930902/5904'), ['30569309025904']);
    // A spreadsheet row pasted as text: the card number in a cell of its own is found beside the other cells.
    assert.deepEqual(digitsIn('7\t4111111111111111\t12\t29'), ['4111111111111111']);
    // JSON writes a tab as `\t`, and PHP's json_encode a slash as `\/`.
    assert.deepEqual(found('{"card":"4111\\t1111\\t1111\\t1111"}'), ['4111111111111111']);
    assert.deepEqual(found('{"card":"6011\\/1111\\/1111\\/1117"}'), ['6011111111111117']);
    assert.deepEqual(found('{"ref":"card_4242_4242_4242_4242"}'), ['4242424242424242']);
    assert.equal(maskCardNumbers('paid\t4111\t1111\t1111\t1111\tEUR'), 'paid\t411111******1111\tEUR');
  });

  it('takes no date, path, identifier or timestamp written with tabs, slashes or underscores for a card number', () => {
    for (const text of [
      '2024/11/30',
      '30/11/2024 12:00',
      'GET /v1/4111/items/1111/2024/11/30',
      'order_4111_1111',
      'batch_20241130_123456_789',
      '2024-11-30T12:34:56.789Z',
      '2024/11/30T12:34:56.789+01:00',
      'Q4\t2024\t1250\t37\t12.50',
    ]) {
      assert.deepEqual(findPans(text), [], text);
      assert.deepEqual(found(JSON.stringify({ note: text })), [], text);
    }
    // A run is grouped with one of these characters throughout: a date and a number written after it with
    // another one do not join, though their digits make a Mastercard number that passes Luhn.
    assert.equal(findPans('5302024123456786').length, 1);
    assert.deepEqual(findPans('report 5/30/2024_123456786'), []);
    assert.deepEqual(findPans('4111/1111_1111/1111'), []);
    // A row of a table of numbers: its cells make a Visa number that passes Luhn, but are no card number's groups.
    assert.equal(findPans('4120351999250339').length, 1);
    assert.deepEqual(findPans('4\t120\t35\t1999\t250\t33\t9'), []);
    assert.deepEqual(findPans('/stats/4/120/35/1999/250/33/9'), []);
    // Beside them, the card number is found, and only it.
    assert.deepEqual(
      found('on 2024/11/30 GET /v1/4111/items for order_4111_1111: card 4111/1111/1111/1111 exp 12/29'),
      ['4111111111111111'],
    );
  });

  it('reads a card number grouped with any character exactly where error messages and audit records mask one', () => {
    // The scanner, the quick test that decides whether a text is scanned and the masking each list the
    // separators they read: a character one of them misses is a card number stored or logged as written.
    const digit = /^\p{Nd}$/u;
    for (let code = 0; code <= 0xffff; code++) {
      const separator = String.fromCharCode(code);
      if (digit.test(separator)) continue;
      const twice = separator + separator;
      for (const written of [
        `4111${separator}1111${separator}1111${separator}1111`,
        `3782${twice}822463${twice}10005`,
      ]) {
        const isFound = findPans(written).length === 1;
        const where = `U+${code.toString(16).padStart(4, '0')} in ${JSON.stringify(written)}`;
        assert.equal(maskDigitRuns(written) === '[digits removed]', isFound, `masked as found: ${where}`);
        if (isFound) assert.ok(isWorthInspecting(written), `scanned: ${where}`);
      }
    }
    // The separators the scanner reads as several characters (URL escapes, HTML no-break spaces), mixed with
    // one-character ones in a run, and the near misses that are none (another escape, two escapes, a bare or
    // upper-case entity, an escape next to a space).
    for (const separator of [
      '%20',
      '%2D',
      '%2d',
      '&nbsp;',
      '&#160;',
      '%2C',
      '%2B',
      '%A0',
      '%20%20',
      ' %20',
      '%20 ',
      '&NBSP;',
      '&nbsp',
      '&#160',
      '&#xa0;',
      '&nbsp;&nbsp;',
    ]) {
      for (const written of [
        `4111${separator}1111${separator}1111${separator}1111`,
        `3782${separator}822463${separator}10005`,
        `4111${separator}1111 1111-1111`,
        `4111 1111${separator}1111\u00a01111`,
      ]) {
        const isFound = findPans(written).length === 1;
        const where = `${JSON.stringify(separator)} in ${JSON.stringify(written)}`;
        assert.equal(maskDigitRuns(written) === '[digits removed]', isFound, `masked as found: ${where}`);
        if (isFound) assert.ok(isWorthInspecting(written), `scanned: ${where}`);
      }
    }
  });

  it('takes no run of digits inside a UUID for a card number, and still finds one beside a UUID', () => {
    // Its digit-only groups join into a 14-digit Diners Club number that passes Luhn.
    const requestId = '6e340b15-3830-4124-8455-14fa12fbdeb2';
    assert.deepEqual(findPans(requestId), []);
    assert.deepEqual(found(JSON.stringify({ order: { id: requestId.toUpperCase() } })), []);
    assert.equal(
      maskCardNumbers(`START RequestId: ${requestId} Version: 1`),
      `START RequestId: ${requestId} Version: 1`,
    );
    assert.deepEqual(
      findPans(`${requestId} 4111 1111 1111 1111`).map((pan) => pan.digits),
      ['4111111111111111'],
    );
    assert.deepEqual(findPans(`req-${requestId}-retry`), []);
    // Not a UUID: a last group of 13 characters, a first one of 9.
    assert.equal(findPans(`${requestId}0`).length, 1);
    assert.equal(findPans(`a${requestId}`).length, 1);
  });

  it('masks card numbers in text for people: first six and last four', () => {
    assert.equal(
      maskCardNumbers('refund 4111 1111 1111 1111 and 3782-822463-10005 on order 123456'),
      'refund 411111******1111 and 378282*****0005 on order 123456',
    );
  });
});
