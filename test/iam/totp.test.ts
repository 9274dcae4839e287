import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPciqError } from '../../src/core/index.ts';
import {
  decodeBase32,
  encodeBase32,
  generateRecoveryCodes,
  generateTotpSecret,
  type HotpAlgorithm,
  hotp,
  otpauthUri,
  redeemRecoveryCode,
  totpCode,
  totpStep,
  verifyTotp,
  verifyTwoConsecutiveCodes,
} from '../../src/iam/mfa/index.ts';

const rfcSecret = Buffer.from('12345678901234567890');
const t0 = Date.UTC(2026, 0, 1);
const stepMs = 30_000;

describe('base32 (RFC 4648)', () => {
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'MY======'],
    ['fo', 'MZXQ===='],
    ['foo', 'MZXW6==='],
    ['foob', 'MZXW6YQ='],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI======'],
  ];

  it('encodes and decodes the test vectors of section 10', () => {
    for (const [plain, encoded] of vectors) {
      assert.equal(encodeBase32(Buffer.from(plain), { padding: true }), encoded);
      assert.equal(encodeBase32(Buffer.from(plain)), encoded.replace(/=+$/, ''));
      assert.equal(decodeBase32(encoded).toString(), plain);
      assert.equal(decodeBase32(encoded.replace(/=+$/, '')).toString(), plain);
    }
  });

  it('decodes secrets as people copy them: lower case, spaced, hyphenated', () => {
    const secret = generateTotpSecret();
    const encoded = encodeBase32(secret);
    const spaced = encoded.toLowerCase().replace(/(.{4})/g, '$1 ');
    assert.deepEqual(decodeBase32(spaced), secret);
    assert.deepEqual(decodeBase32(encoded.replace(/(.{8})/g, '$1-')), secret);
  });

  it('refuses characters outside the alphabet and impossible lengths without quoting the input', () => {
    for (const bad of ['MZXW6YT1', 'MZXW6YTBO', 'M']) {
      assert.throws(
        () => decodeBase32(bad),
        (error) => isPciqError(error) && error.code === 'InvalidParameterValue' && !error.message.includes(bad),
      );
    }
  });
});

describe('HOTP and TOTP codes', () => {
  it('produce the RFC 4226 appendix D values', () => {
    const expected = [
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ];
    expected.forEach((code, counter) => {
      assert.equal(hotp(rfcSecret, counter), code);
    });
  });

  it('produce the RFC 6238 appendix B values', () => {
    const seeds: Record<HotpAlgorithm, Buffer> = {
      sha1: rfcSecret,
      sha256: Buffer.from('12345678901234567890123456789012'),
      sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
    };
    const table: [number, Record<HotpAlgorithm, string>][] = [
      [59, { sha1: '94287082', sha256: '46119246', sha512: '90693936' }],
      [1111111109, { sha1: '07081804', sha256: '68084774', sha512: '25091201' }],
      [1111111111, { sha1: '14050471', sha256: '67062674', sha512: '99943326' }],
      [1234567890, { sha1: '89005924', sha256: '91819424', sha512: '93441116' }],
      [2000000000, { sha1: '69279037', sha256: '90698825', sha512: '38618901' }],
      [20000000000, { sha1: '65353130', sha256: '77737706', sha512: '47863826' }],
    ];
    for (const [unixSec, codes] of table) {
      for (const algorithm of ['sha1', 'sha256', 'sha512'] as const) {
        assert.equal(hotp(seeds[algorithm], totpStep(unixSec * 1000), 8, algorithm), codes[algorithm]);
      }
      // The six-digit code apps show is the low six digits of the same value.
      assert.equal(totpCode(rfcSecret, unixSec * 1000), codes.sha1.slice(2));
    }
  });

  it('generate 160-bit secrets, different each time', () => {
    const a = generateTotpSecret();
    assert.equal(a.length, 20);
    assert.notDeepEqual(generateTotpSecret(), a);
  });
});

describe('verifyTotp', () => {
  const secret = generateTotpSecret();

  it('accepts the current code and returns its step for the caller to persist', () => {
    const result = verifyTotp(secret, totpCode(secret, t0), t0, null);
    assert.deepEqual(result, { outcome: 'ok', step: totpStep(t0) });
  });

  it('accepts codes one step early or late (clock drift) and nothing further', () => {
    for (const offset of [-1, 1]) {
      const code = totpCode(secret, t0 + offset * stepMs);
      assert.deepEqual(verifyTotp(secret, code, t0, null), { outcome: 'ok', step: totpStep(t0) + offset });
    }
    for (const offset of [-2, 2]) {
      assert.equal(verifyTotp(secret, totpCode(secret, t0 + offset * stepMs), t0, null).outcome, 'invalid');
    }
  });

  it('refuses a code used once, for the rest of its window (PCI DSS 8.5.1)', () => {
    const code = totpCode(secret, t0);
    const first = verifyTotp(secret, code, t0, null);
    assert.equal(first.outcome, 'ok');
    const lastUsedStep = first.outcome === 'ok' ? first.step : Number.NaN;
    for (const later of [t0 + 1_000, t0 + stepMs, t0 + stepMs + 29_000]) {
      assert.deepEqual(verifyTotp(secret, code, later, lastUsedStep), { outcome: 'replayed' });
    }
  });

  it('refuses an earlier code after a later one was accepted', () => {
    const previous = totpCode(secret, t0 - stepMs);
    assert.deepEqual(verifyTotp(secret, previous, t0, totpStep(t0)), { outcome: 'replayed' });
    const next = totpCode(secret, t0 + stepMs);
    assert.equal(verifyTotp(secret, next, t0, totpStep(t0)).outcome, 'ok');
  });

  it('accepts a code typed with a space and refuses anything that is not six digits', () => {
    const code = totpCode(secret, t0);
    assert.equal(verifyTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, t0, null).outcome, 'ok');
    for (const bad of ['', '12345', '1234567', 'abcdef', `${code}0`]) {
      assert.equal(verifyTotp(secret, bad, t0, null).outcome, 'invalid');
    }
  });

  it('refuses a code from another secret', () => {
    assert.equal(verifyTotp(secret, totpCode(generateTotpSecret(), t0), t0, null).outcome, 'invalid');
  });
});

describe('verifyTwoConsecutiveCodes (EnableMFADevice)', () => {
  const secret = generateTotpSecret();
  const codeAt = (steps: number) => totpCode(secret, t0 + steps * stepMs);

  it('accepts two consecutive codes and returns the second step, which then cannot sign in', () => {
    const { step } = verifyTwoConsecutiveCodes(secret, codeAt(-1), codeAt(0), t0);
    assert.equal(step, totpStep(t0));
    assert.equal(verifyTotp(secret, codeAt(0), t0, step).outcome, 'replayed');
    assert.equal(verifyTotp(secret, codeAt(1), t0, step).outcome, 'ok');
  });

  it('allows one step of drift for the pair', () => {
    assert.equal(verifyTwoConsecutiveCodes(secret, codeAt(0), codeAt(1), t0).step, totpStep(t0) + 1);
    assert.equal(verifyTwoConsecutiveCodes(secret, codeAt(-2), codeAt(-1), t0).step, totpStep(t0) - 1);
  });

  it('refuses codes out of order, repeated, not consecutive or stale, with IAM error code', () => {
    const pairs: [string, string][] = [
      [codeAt(0), codeAt(-1)],
      [codeAt(0), codeAt(0)],
      [codeAt(-2), codeAt(0)],
      [codeAt(-3), codeAt(-2)],
      ['12345', codeAt(0)],
    ];
    for (const [first, second] of pairs) {
      assert.throws(
        () => verifyTwoConsecutiveCodes(secret, first, second, t0),
        (error) =>
          isPciqError(error) &&
          error.code === 'InvalidAuthenticationCode' &&
          !error.message.includes(second) &&
          !error.message.includes(encodeBase32(secret)),
      );
    }
  });
});

describe('otpauth URI', () => {
  it('follows the Key URI format with the secret in unpadded base32', () => {
    const uri = otpauthUri({ issuer: 'pciq', accountName: 'alice@123456789012', secret: rfcSecret });
    assert.equal(uri, 'otpauth://totp/pciq:alice%40123456789012?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=pciq');
  });

  it('escapes spaces and refuses colons, which would split the label', () => {
    const uri = otpauthUri({ issuer: 'Acme Payments', accountName: 'bob', secret: rfcSecret });
    assert.match(uri, /^otpauth:\/\/totp\/Acme%20Payments:bob\?secret=[A-Z2-7]+&issuer=Acme%20Payments$/);
    assert.throws(
      () => otpauthUri({ issuer: 'a:b', accountName: 'bob', secret: rfcSecret }),
      (error) => isPciqError(error) && error.code === 'InvalidParameterValue',
    );
  });
});

describe('recovery codes', () => {
  it('are ten distinct codes of ten base32 characters, stored only as scrypt hashes', async () => {
    const { codes, stored } = await generateRecoveryCodes();
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, /^[A-Z2-7]{5}-[A-Z2-7]{5}$/);
    const storedText = JSON.stringify(stored);
    for (const code of codes) {
      assert.ok(!storedText.includes(code.replace('-', '')), 'a code is stored in the clear');
    }
    for (const record of stored) {
      assert.match(record.hash, /^\$scrypt\$/);
      assert.equal(record.usedAtMs, null);
    }
  });

  it('work once each, typed in any case with or without the hyphen', async () => {
    const { codes, stored } = await generateRecoveryCodes();
    const typed = codes[3]!.toLowerCase().replace('-', ' ');
    const first = await redeemRecoveryCode(stored, typed, t0);
    assert.equal(first.outcome, 'ok');
    assert.equal(first.remaining, 9);
    assert.equal(first.stored[3]!.usedAtMs, t0);
    const again = await redeemRecoveryCode(first.stored, codes[3]!, t0 + 1);
    assert.equal(again.outcome, 'invalid');
    assert.equal(again.remaining, 9);
    assert.equal((await redeemRecoveryCode(first.stored, codes[4]!, t0 + 2)).outcome, 'ok');
  });

  it('refuse codes that were never issued', async () => {
    const { stored } = await generateRecoveryCodes(2);
    const other = await generateRecoveryCodes(1);
    for (const code of [other.codes[0]!, 'AAAAA-AAAAA', 'not a code', '']) {
      const result = await redeemRecoveryCode(stored, code, t0);
      assert.equal(result.outcome, 'invalid');
      assert.equal(result.remaining, 2);
    }
  });
});
