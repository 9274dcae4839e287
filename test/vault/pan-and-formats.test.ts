import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  brandOf,
  isTokenShaped,
  maskPan,
  normalizePan,
  passesLuhn,
  type TokenFormat,
  tokenFormats,
} from '../../src/vault/index.ts';
import { newToken } from '../../src/vault/token-format.ts';
import { brandCorpus } from '../support/card-numbers.ts';

describe('card numbers', () => {
  it('checks Luhn and normalizes spaces and dashes, refusing what is no PAN', () => {
    assert.equal(passesLuhn('4111111111111111'), true);
    assert.equal(passesLuhn('4111111111111112'), false);
    assert.equal(normalizePan('4111 1111-1111 1111'), '4111111111111111');
    assert.equal(normalizePan('4111 1111 1111 1112'), undefined, 'fails Luhn');
    assert.equal(normalizePan('411111111111'), undefined, 'twelve digits');
    assert.equal(normalizePan('41111111111111111111'), undefined, 'twenty digits');
  });

  it('names the brand of the issuers’ published test numbers', () => {
    const examples: Record<string, string> = {
      '4111111111111111': 'visa',
      '4222222222222': 'visa',
      '5555555555554444': 'mastercard',
      '2223003122003222': 'mastercard',
      '378282246310005': 'amex',
      '6011111111111117': 'discover',
      '3056930009020004': 'diners',
      '36227206271667': 'diners',
      '3566002020360505': 'jcb',
      '6200000000000005': 'unionpay',
      '6759649826438453': 'maestro',
    };
    for (const [pan, brand] of Object.entries(examples)) assert.equal(brandOf(pan), brand, pan);
    assert.equal(brandOf('4111111111111'.padEnd(17, '1')), undefined, 'Visa issues no 17-digit numbers');
    assert.equal(brandOf('9999999999999995'), undefined);
  });

  it('masks for display to the first six and last four at most (PCI DSS 3.4.1)', () => {
    assert.equal(maskPan('4111111111111111'), '411111******1111');
    assert.equal(maskPan('378282246310005'), '378282*****0005');
  });
});

describe('token formats', () => {
  const corpus = brandCorpus(40);

  it('never makes a format-preserving token that passes Luhn, for any brand and length', () => {
    let checked = 0;
    for (const { pan } of corpus) {
      for (const format of tokenFormats.filter((f): f is Exclude<TokenFormat, 'opaque'> => f !== 'opaque')) {
        for (let i = 0; i < 5; i++) {
          const token = newToken(format, pan, Date.now());
          assert.equal(passesLuhn(token), false, `${format} token of a ${pan.length}-digit PAN passes Luhn`);
          assert.notEqual(token, pan);
          assert.equal(token.length, pan.length);
          assert.equal(token.slice(-4), pan.slice(-4), 'keeps the last four');
          checked++;
        }
      }
    }
    assert.ok(checked > 10_000, `checked ${checked} tokens`);
  });

  it('keeps the first six or eight only where asked and allowed', () => {
    const pan16 = '4111111111111111';
    const amex = '378282246310005';
    for (let i = 0; i < 50; i++) {
      assert.equal(newToken('format-preserving-bin6', pan16, Date.now()).slice(0, 6), '411111');
      assert.equal(newToken('format-preserving-bin8', pan16, Date.now()).slice(0, 8), '41111111');
      const amexBin8 = newToken('format-preserving-bin8', amex, Date.now());
      assert.equal(amexBin8.slice(0, 6), '378282', 'a 15-digit PAN keeps six');
    }
    // Without kept leading digits the middle is random: the first digits differ from the PAN's at times.
    const leading = new Set(
      Array.from({ length: 50 }, () => newToken('format-preserving', pan16, Date.now()).slice(0, 6)),
    );
    assert.ok(leading.size > 40, 'random leading digits');
  });

  it('orders opaque tokens by when they were made, so the vault’s index grows at its end', () => {
    const times = [Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1) + 1, Date.UTC(2026, 0, 1) + 16, Date.UTC(2031, 5, 1)];
    const tokens = times.map((time) => newToken('opaque', '4111111111111111', time));
    assert.deepEqual([...tokens].sort(), tokens);
    assert.equal(new Set(tokens.map((token) => token.slice(0, 14))).size, 4);
    // The same millisecond again, after others: the same order as its first token.
    assert.equal(newToken('opaque', '4111111111111111', times[0]!).slice(0, 14), tokens[0]!.slice(0, 14));
    assert.equal(newToken('opaque', '4111111111111111', times[0]!).slice(0, 14), tokens[0]!.slice(0, 14));
  });

  it('makes opaque tokens of 120 random bits that look like no number', () => {
    const tokens = new Set(Array.from({ length: 2_000 }, () => newToken('opaque', '4111111111111111', Date.now())));
    assert.equal(tokens.size, 2_000);
    for (const token of tokens) {
      assert.match(token, /^tok_[a-p]{10}[a-z2-7]{24}$/);
      assert.equal(isTokenShaped(token), true);
    }
  });
});
