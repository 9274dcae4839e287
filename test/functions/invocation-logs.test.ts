/**
 * What invocation logs keep of a handler's output, on real sandboxed processes: card numbers never more
 * than their first six and last four digits (PCI DSS 3.4.1), also where the output is cut at its limit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountId, FunctionsHarness, waitFor } from '../support/functions-harness.ts';

/** Output kept per invocation (docs/functions.md: up to 256 KB). */
const logLimitBytes = 256 * 1024;

describe('invocation logs', () => {
  let harness: FunctionsHarness;
  before(async () => {
    harness = await FunctionsHarness.open();
  });
  after(() => harness.close());

  it('keep no part of a card number beyond six and four digits where the output limit cuts it', async () => {
    // The limit falls inside each card number: 15 digits, 13 digits, a grouped number cut after its third group.
    await harness.deploy(
      'verbose',
      `export const handler = async (event) => {
        const [cut, reversed] = JSON.parse(event.Records[0].body);
        const card = [...reversed].reverse().join('');
        process.stdout.write('x'.repeat(${logLimitBytes} - cut) + card + '\\n');
      };`,
    );
    const queue = await harness.createQueue('verbose');
    await harness.mappings.map(accountId, 'verbose', { queue: 'verbose', batchSize: 1 });
    // Reversed, so that the guard lets the numbers through to the handler, which reverses them back.
    const reversed = (card: string) => [...card].reverse().join('');
    await harness.send(queue, [
      JSON.stringify([15, reversed('4111111111111111')]),
      JSON.stringify([13, reversed('5555555555554444')]),
      JSON.stringify([14, reversed('4111 1111 1111 1111')]),
      // Grouped with slashes, tabs or en dashes, which the guard and the masking read as separators too.
      JSON.stringify([14, reversed('4111/1111/1111/1111')]),
      JSON.stringify([14, reversed('4111\t1111\t1111\t1111')]),
      JSON.stringify([20, reversed('4111 \u2013 1111 \u2013 1111 \u2013 1111')]),
      // Grouped with URL escapes or HTML no-break spaces, also cut inside one (`&nbs`, `&#16`, `%2`).
      JSON.stringify([22, reversed('4111&nbsp;1111&nbsp;1111&nbsp;1111')]),
      JSON.stringify([18, reversed('4111&nbsp;1111&nbsp;1111&nbsp;1111')]),
      JSON.stringify([19, reversed('4111&#160;1111&#160;1111&#160;1111')]),
      JSON.stringify([17, reversed('3782&#160;822463&#160;10005')]),
      JSON.stringify([16, reversed('4111%201111%201111%201111')]),
      JSON.stringify([13, reversed('4111%2D1111%2D1111%2D1111')]),
    ]);
    const logs = await waitFor('the invocations', async () => {
      const entries = await harness.logs('verbose');
      return entries.length === 12 && entries;
    });
    for (const entry of logs) {
      const text = entry.text ?? '';
      assert.match(text, /bytes of output dropped/);
      assert.doesNotMatch(
        text,
        /x[\d \t/\u2013]{7,}|x[\d&%]/,
        `no card digits are left where the output was cut: ${JSON.stringify(text.slice(-300))}`,
      );
    }
  });

  it('keep a line written in pieces whole when the other stream writes in between, so its card number is masked', async () => {
    await harness.deploy(
      'interleaved',
      `export const handler = async (event) => {
        const card = [...event.Records[0].body].reverse().join('');
        process.stdout.write('paid with ' + card.slice(0, 9));
        await new Promise((resolve) => setTimeout(resolve, 50));
        process.stderr.write('retrying the ledger\\n');
        await new Promise((resolve) => setTimeout(resolve, 50));
        process.stdout.write(card.slice(9) + '\\n');
      };`,
    );
    const queue = await harness.createQueue('interleaved');
    await harness.mappings.map(accountId, 'interleaved', { queue: 'interleaved' });
    await harness.send(queue, [[...'4111 1111 1111 1111'].reverse().join('')]);
    const [entry] = await waitFor('the invocation', async () => {
      const entries = await harness.logs('interleaved');
      return entries.length > 0 && entries;
    });
    const text = entry!.text ?? '';
    assert.match(text, /^paid with 411111\*{6}1111$/m);
    assert.match(text, /^retrying the ledger$/m);
    assert.doesNotMatch(text, /4111 1111/);
  });

  it('mask a secret environment value also where the error report escapes it as JSON', async () => {
    await harness.deploy(
      'leaky',
      "export const handler = async () => { throw new Error('login refused for ' + process.env.DB_PASSWORD); };",
      { environment: ['DB_PASSWORD=s3cr"et\\vault-7Qz'] },
    );
    const queue = await harness.createQueue('leaky');
    await harness.mappings.map(accountId, 'leaky', { queue: 'leaky' });
    await harness.send(queue, ['one']);
    const [entry] = await waitFor('the failed invocation', async () => {
      const entries = await harness.logs('leaky');
      return entries.length > 0 && entries;
    });
    const text = entry!.text ?? '';
    assert.match(text, /"errorMessage":"login refused for \[secret\]"/);
    assert.doesNotMatch(text, /vault-7Qz/);
  });

  it('keep no part of a card number where an error report is cut at its limits, nor does the audit trail', async () => {
    // Message (4096 characters), a trace line (512), type (128) and code (64) each end inside a card number.
    await harness.deploy(
      'cut-error',
      `export const handler = async (event) => {
        const card = [...event.Records[0].body].reverse().join('');
        const error = new Error('m'.repeat(4096 - 12) + card);
        error.stack = 'Error: cut\\n' + 's'.repeat(512 - 10) + card;
        error.name = 'T'.repeat(128 - 11) + card;
        error.code = 'C'.repeat(64 - 13) + card;
        throw error;
      };`,
    );
    const queue = await harness.createQueue('cut-error');
    await harness.mappings.map(accountId, 'cut-error', { queue: 'cut-error' });
    await harness.send(queue, [[...'4111111111111111'].reverse().join('')]);
    const [entry] = await waitFor('the failed invocation', async () => {
      const entries = await harness.logs('cut-error');
      return entries.length > 0 && entries;
    });
    const text = entry!.text ?? '';
    assert.match(text, /"errorMessage":"m+"/);
    assert.doesNotMatch(text, /[mstT]41/, `no card digits are left where the error was cut: ${text.slice(0, 200)}`);
    const [invoked] = await harness.auditRecords('lambda:Invoke');
    assert.doesNotMatch(JSON.stringify(invoked), /[TC]41/);
  });

  it('cut an error report at its limit without holding up pciq, however the cut text is written', async () => {
    // The message is cut inside a letter run that follows digits and URL escapes: reading back from the cut,
    // a pattern that tried every way of splitting them into digits and escapes held pciq for minutes.
    await harness.deploy(
      'cut-slowly',
      `export const handler = async () => {
        throw new Error('m'.repeat(4096 - 100) + '1%20'.repeat(18) + 'a'.repeat(200));
      };`,
    );
    const queue = await harness.createQueue('cut-slowly');
    await harness.mappings.map(accountId, 'cut-slowly', { queue: 'cut-slowly' });
    let longestPauseMs = 0;
    let last = performance.now();
    const heartbeat = setInterval(() => {
      const now = performance.now();
      longestPauseMs = Math.max(longestPauseMs, now - last);
      last = now;
    }, 10);
    try {
      await harness.send(queue, ['one']);
      const [entry] = await waitFor('the failed invocation', async () => {
        const entries = await harness.logs('cut-slowly');
        return entries.length > 0 && entries;
      });
      assert.match(entry!.text ?? '', /"errorMessage":"m+1%20(?:1%20)*a+"/);
    } finally {
      clearInterval(heartbeat);
    }
    assert.ok(longestPauseMs < 2000, `pciq was held up for ${Math.round(longestPauseMs)} ms`);
  });

  it('mask a card number on a line the handler left unfinished, whatever the runtime writes after it', async () => {
    // An unfinished line, then a console line (which starts with a timestamp's digits); another unfinished
    // line on each stream when the handler returns.
    await harness.deploy(
      'unfinished',
      `export const handler = async (event) => {
        const card = [...event.Records[0].body].reverse().join('');
        process.stdout.write('charging ' + card);
        console.log('charged');
        process.stdout.write('receipt ' + card);
        process.stderr.write('2 retries');
      };`,
    );
    const queue = await harness.createQueue('unfinished');
    await harness.mappings.map(accountId, 'unfinished', { queue: 'unfinished' });
    await harness.send(queue, [[...'4111 1111 1111 1111'].reverse().join('')]);
    const [entry] = await waitFor('the invocation', async () => {
      const entries = await harness.logs('unfinished');
      return entries.length > 0 && entries;
    });
    const text = entry!.text ?? '';
    assert.match(text, /^charging 411111\*{6}1111$/m);
    assert.match(text, /^receipt 411111\*{6}1111$/m);
    assert.match(text, /\tINFO\tcharged$/m);
    assert.doesNotMatch(text, /4111 1111/);
  });

  it('withhold a line that holds a card verification code or track data, printed or thrown', async () => {
    await harness.deploy(
      'sad',
      `export const handler = async (event) => {
        const [code, track] = JSON.parse(event.Records[0].body).map((text) => [...text].reverse().join(''));
        console.log('order 7 paid');
        console.log('retrying with ' + code);
        process.stderr.write('swiped ' + track + '\\n');
        throw new Error('declined, ' + code);
      };`,
    );
    const queue = await harness.createQueue('sad');
    await harness.mappings.map(accountId, 'sad', { queue: 'sad' });
    // Reversed, so that the guard lets them through to the handler, which reverses them back.
    const reversed = (text: string) => [...text].reverse().join('');
    await harness.send(queue, [JSON.stringify([reversed('cvv: 987'), reversed(';4111111111111111=29121011234?')])]);
    const [entry] = await waitFor('the failed invocation', async () => {
      const entries = await harness.logs('sad');
      return entries.length > 0 && entries;
    });
    const text = entry!.text ?? '';
    assert.match(text, /\tINFO\torder 7 paid$/m);
    assert.match(text, /\tINFO\t\[line withheld: sensitive authentication data, card verification code\]$/m);
    assert.match(text, /^\[line withheld: sensitive authentication data, magnetic-stripe track data\]$/m);
    assert.match(text, /\tERROR\t\[line withheld: sensitive authentication data, card verification code\]$/m);
    assert.doesNotMatch(text, /987|2912101/);
    assert.match(text, /^REPORT RequestId: .*Outcome: Error$/m);
  });

  it('keep no part of a card number where console.log cuts a long string of an object', async () => {
    // util.inspect shows at most 10,000 characters of a string: the cut leaves 15 of the card's 16 digits.
    await harness.deploy(
      'inspected',
      `export const handler = async (event) => {
        const [shown, reversed] = JSON.parse(event.Records[0].body);
        const card = [...reversed].reverse().join('');
        console.log({ response: 'r'.repeat(10000 - shown) + card });
      };`,
    );
    const queue = await harness.createQueue('inspected');
    await harness.mappings.map(accountId, 'inspected', { queue: 'inspected', batchSize: 1 });
    // Also grouped with slashes or tabs (which util.inspect writes as `\t`), with URL escapes or HTML no-break
    // spaces, and cut inside one (`%2`, `&nbs`, `&#16`): each cut leaves more digits than masking would.
    const reversed = (card: string) => [...card].reverse().join('');
    const cards = [
      [15, '4111111111111111'],
      [15, '4111/1111/1111/1111'],
      [15, '4111\t1111\t1111\t1111'],
      [16, '4111%201111%201111%201111'],
      [13, '4111%2D1111%2D1111%2D1111'],
      [22, '4111&nbsp;1111&nbsp;1111&nbsp;1111'],
      [18, '4111&nbsp;1111&nbsp;1111&nbsp;1111'],
      [19, '4111&#160;1111&#160;1111&#160;1111'],
      [17, '3782&#160;822463&#160;10005'],
    ] as const;
    await harness.send(
      queue,
      cards.map(([shown, card]) => JSON.stringify([shown, reversed(card)])),
    );
    const entries = await waitFor('the invocations', async () => {
      const entries = await harness.logs('inspected');
      return entries.length === cards.length && entries;
    });
    for (const entry of entries) {
      const text = entry.text ?? '';
      assert.match(text, /r'\.\.\. \d+ more character/);
      assert.doesNotMatch(text, /r[\d&%]/, `no card digits are left where the string was cut: ${text.slice(-200)}`);
    }
  });
});
