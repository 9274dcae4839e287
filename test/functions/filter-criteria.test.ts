import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FilterableRecord, matchesFilters, parseFilterCriteria } from '../../src/functions/filter-criteria.ts';

function record(body: unknown, attributes: Record<string, string> = {}): FilterableRecord {
  return { body: typeof body === 'string' ? body : JSON.stringify(body), attributes, messageAttributes: {} };
}

function matches(patterns: unknown[], body: unknown): boolean {
  return matchesFilters(parseFilterCriteria(patterns.map((p) => JSON.stringify(p))), record(body));
}

describe('filter criteria (Lambda event filtering for SQS)', () => {
  const order = {
    RecordNumber: 1234,
    RequestCode: 'AAAA',
    Region: 'us-west-2',
    Tags: ['a', 'b'],
    Note: null,
    Empty: '',
  };

  it('passes every message when there are no filters', () => {
    assert.equal(matchesFilters(parseFilterCriteria([]), record('anything')), true);
  });

  it("matches the rules of Lambda's filter rule syntax table on JSON bodies", () => {
    const cases: Array<[unknown, boolean]> = [
      [{ body: { RequestCode: ['AAAA'] } }, true],
      [{ body: { RequestCode: ['BBBB'] } }, false],
      [{ body: { RequestCode: ['BBBB', 'AAAA'] } }, true],
      [{ body: { Note: [null] } }, true],
      [{ body: { Empty: [''] } }, true],
      [{ body: { RequestCode: [{ 'equals-ignore-case': 'aaaa' }] } }, true],
      [{ body: { RequestCode: ['AAAA'], Region: ['us-west-2'] } }, true],
      [{ body: { RequestCode: ['AAAA'], Region: ['eu-west-1'] } }, false],
      [{ body: { $or: [{ RequestCode: ['ZZZZ'] }, { Region: ['us-west-2'] }] } }, true],
      [{ body: { $or: [{ RequestCode: ['ZZZZ'] }, { Region: ['eu-west-1'] }] } }, false],
      [{ body: { RequestCode: [{ 'anything-but': ['BBBB'] }] } }, true],
      [{ body: { RequestCode: [{ 'anything-but': 'AAAA' }] } }, false],
      [{ body: { Region: [{ 'anything-but': { prefix: 'eu-' } }] } }, true],
      [{ body: { RecordNumber: [{ numeric: ['=', 1234] }] } }, true],
      [{ body: { RecordNumber: [{ numeric: ['>', 1000, '<=', 1234] }] } }, true],
      [{ body: { RecordNumber: [{ numeric: ['>', 9999] }] } }, false],
      [{ body: { RecordNumber: [1234] } }, true],
      [{ body: { RecordNumber: ['1234'] } }, false],
      [{ body: { RequestCode: [{ exists: true }] } }, true],
      [{ body: { Missing: [{ exists: false }] } }, true],
      [{ body: { RequestCode: [{ exists: false }] } }, false],
      [{ body: { Region: [{ prefix: 'us-' }] } }, true],
      [{ body: { Region: [{ suffix: '-2' }] } }, true],
      [{ body: { Region: [{ suffix: '-1' }] } }, false],
      [{ body: { Tags: ['b'] } }, true],
      [{ body: { Missing: ['x'] } }, false],
    ];
    for (const [pattern, expected] of cases) {
      assert.equal(matches([pattern], order), expected, JSON.stringify(pattern));
    }
  });

  it('matches nested fields of the body', () => {
    assert.equal(
      matches([{ body: { order: { total: [{ numeric: ['>=', 100] }] } } }], { order: { total: 150 } }),
      true,
    );
    assert.equal(matches([{ body: { order: { total: [{ numeric: ['>=', 100] }] } } }], { order: 'flat' }), false);
  });

  it('ORs up to five filters and refuses a sixth', () => {
    const patterns = [{ body: { a: [1] } }, { body: { b: [2] } }];
    assert.equal(matches(patterns, { b: 2 }), true);
    assert.equal(matches(patterns, { c: 3 }), false);
    assert.throws(
      () => parseFilterCriteria(Array.from({ length: 6 }, () => '{"body":{"a":[1]}}')),
      /At most 5 filters/,
    );
  });

  it("drops a message whose body format differs from the pattern's, as Lambda does", () => {
    // A JSON pattern never matches a plain-text body …
    assert.equal(matches([{ body: { a: [{ exists: true }] } }], 'plain text'), false);
    // … and a plain-text pattern never matches a JSON object body.
    assert.equal(matches([{ body: [{ prefix: '{' }] }], { a: 1 }), false);
    assert.equal(matches([{ body: [{ prefix: 'order-' }] }], 'order-17'), true);
    assert.equal(matches([{ body: ['hello'] }], 'hello'), true);
  });

  it('refuses malformed patterns with the reason', () => {
    const refused: Array<[string, RegExp]> = [
      ['not json', /not valid JSON/],
      ['[]', /non-empty JSON object/],
      ['{"messageId":["x"]}', /filter on body/],
      ['{"body":{"a":"x"}}', /list of rules or a nested pattern/],
      ['{"body":{"a":[]}}', /empty list/],
      ['{"body":{"a":[{"wildcard":"x*"}]}}', /not an operator Lambda filters support/],
      ['{"body":{"a":[{"numeric":[">"]}]}}', /takes \[operator, number\]/],
      ['{"body":{"a":[{"numeric":["<", 1, ">", 0]}]}}', /ranges are written/],
      ['{"body":{"a":[{"prefix":1}]}}', /takes a string/],
      ['{"body":{"$or":[{"a":[1]}]}}', /at least two patterns/],
      [`{"body":{"a":["${'x'.repeat(5000)}"]}}`, /longer than 4096/],
    ];
    for (const [text, message] of refused) assert.throws(() => parseFilterCriteria([text]), message, text);
  });
});
