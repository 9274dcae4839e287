/**
 * The leak check many tests run over what pciq wrote finds a card number in every form the card-data guard
 * reads one, also those with more than three bytes between two digits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spacings } from './card-numbers.ts';
import { cardDataLeaks, textHaystack } from './leak-scan.ts';

const visa = '4111111111111111';
const amex = '378282246310005';

function leaksIn(written: string, pan = visa): string[] {
  return cardDataLeaks([textHaystack('log', `charged ${written} at 10:42`)], { pans: [pan] });
}

describe('card data leak check', () => {
  it('finds a card number grouped with HTML no-break spaces, URL escapes or wide separators', () => {
    for (const written of [
      '4111&nbsp;1111&nbsp;1111&nbsp;1111',
      '4111&#160;1111&#160;1111&#160;1111',
      '4111&nbsp;1111 1111-1111',
      '4111 \u2013 1111 \u2013 1111 \u2013 1111',
      '4111\u3000\u30001111\u3000\u30001111\u3000\u30001111',
      '4111\u00a0\u00a0\u00a01111\u00a0\u00a0\u00a01111\u00a0\u00a0\u00a01111',
      '\uff14\uff11\uff11\uff11\u3000\uff11\uff11\uff11\uff11\u3000\uff11\uff11\uff11\uff11\u3000\uff11\uff11\uff11\uff11',
    ]) {
      assert.equal(leaksIn(written).length, 1, JSON.stringify(written));
    }
    assert.equal(leaksIn('3782&#160;822463&#160;10005', amex).length, 1);
    assert.equal(leaksIn('3782%2D822463%2D10005', amex).length, 1);
  });

  it('finds a card number in every way the tests write one', () => {
    for (const { name, write } of spacings) {
      assert.equal(leaksIn(write(visa)).length, 1, name);
      assert.equal(leaksIn(write(amex), amex).length, 1, name);
    }
  });

  it('finds nothing where a card number is masked, tokenized or absent', () => {
    for (const written of ['411111******1111', '4111&nbsp;1111', '4111&nbsp;1111&nbsp;1111&nbsp;1112', 'tok_abc']) {
      assert.deepEqual(leaksIn(written), [], written);
    }
  });
});
