/**
 * Where a function's output is cut, the digits and separators before the cut go, so that a card number cut
 * in half leaves no part of itself (PCI DSS 3.4.1). Two copies list the separators: src/functions/sandbox/
 * cut-digits.ts (output and error reports pciq cuts at their limits) and the sandbox runtime's (strings
 * util.inspect cuts in `console.log`), which cannot import pciq's code. Both are held here to the scanner that
 * reads card numbers, character by character: a separator one of them misses leaves a card number's first
 * digits in the log.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { systemClock } from '../../src/core/index.ts';
import { bootstrapFile } from '../../src/functions/runner.ts';
import { CodeCache } from '../../src/functions/sandbox/code-cache.ts';
import { withoutCutDigits } from '../../src/functions/sandbox/cut-digits.ts';
import { SandboxLauncher } from '../../src/functions/sandbox/launcher.ts';
import { MemoryWatch } from '../../src/functions/sandbox/memory-watch.ts';
import { Sandbox } from '../../src/functions/sandbox/sandbox.ts';
import { findPans } from '../../src/guard/index.ts';

/** Card numbers grouped with `separator` between groups, alone and twice (the scanner reads some only alone). */
function groupedWith(separator: string): string[] {
  const twice = separator + separator;
  return [
    `4111${separator}1111${separator}1111${separator}1111`,
    `3782${separator}822463${separator}10005`,
    `3782${twice}822463${twice}10005`,
    `4111${separator}1111 1111-1111`,
  ];
}

/**
 * Every card number written with a separator the scanner reads: each UTF-16 code unit tried, then the
 * separators of several characters and their near misses (which the scanner does not read).
 */
function writtenAsTheScannerReads(): string[] {
  const digit = /^\p{Nd}$/u;
  const separators: string[] = [];
  for (let code = 0; code <= 0xffff; code++) {
    const separator = String.fromCharCode(code);
    if (!digit.test(separator)) separators.push(separator);
  }
  separators.push('%20', '%2D', '%2d', '&nbsp;', '&#160;', '%2C', '%A0', '&NBSP;', '&#xa0;', '&ensp;', '%u00A0');
  return separators.flatMap(groupedWith).filter((written) => findPans(written).length === 1);
}

const written = writtenAsTheScannerReads();

describe('digits removed where output is cut', () => {
  it('reads the separators the scanner reads', () => {
    // Not an empty list: the forms each copy must know are among those checked.
    for (const separator of [' ', '\u2013', '\u3000', '\t', '/', '_', '%20', '%2d', '&nbsp;', '&#160;']) {
      assert.ok(written.includes(groupedWith(separator)[0]!), JSON.stringify(separator));
    }
  });

  it('leaves no digit of a card number where pciq cuts output or an error report, wherever the cut falls', () => {
    for (const card of written) {
      for (let shown = 1; shown <= card.length; shown++) {
        const cut = `card=${card.slice(0, shown)}`;
        assert.equal(withoutCutDigits(cut), 'card=', JSON.stringify(cut));
      }
    }
  });

  it('leaves no digit of a card number where console.log cuts a string, wherever the cut falls', async () => {
    const launcher = new SandboxLauncher();
    const cache = new CodeCache();
    after(() => {
      launcher.stop();
      cache.dispose();
    });
    // util.inspect's limit on the characters of a string it shows, lowered from 10,000 to keep the logs short.
    const limit = 40;
    const handler = `import { inspect } from 'node:util';
      export const handler = async (card) => {
        inspect.defaultOptions.maxStringLength = ${limit};
        for (let shown = 1; shown < card.length; shown++) console.log({ response: 'r'.repeat(${limit} - shown) + card });
      };`;
    const codeDir = await cache.dirFor('cuts', async () => [{ path: 'index.mjs', content: Buffer.from(handler) }]);
    const spec = {
      nodePath: process.execPath,
      bootstrapFile,
      codeDir,
      handler: 'index.handler',
      env: {},
      memoryMb: 128,
    };
    const sandbox = new Sandbox(spec, systemClock, launcher, new MemoryWatch());
    try {
      for (const card of written) {
        const functionArn = 'arn:aws:lambda:us-east-1:123456789012:function:cuts:1';
        const result = await sandbox.invoke({ requestId: 'req-1', event: card, timeoutMs: 5_000, functionArn });
        assert.ok(result.ok, JSON.stringify(result));
        // Each cut shows only the string's start, its Rs: none of the card's characters before the cut.
        const cuts = [...result.logs.matchAll(/response: '(.*)'\.\.\. (\d+) more characters?/g)];
        assert.equal(cuts.length, card.length - 1, result.logs);
        for (const [index, [cut, shown]] of cuts.entries()) {
          assert.equal(shown, 'r'.repeat(limit - index - 1), `${JSON.stringify(card.slice(0, index + 1))}: ${cut}`);
        }
      }
    } finally {
      sandbox.retire();
      await sandbox.gone();
    }
  });
});
