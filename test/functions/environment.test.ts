import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEnvironment } from '../../src/functions/environment.ts';

describe('function environment variables', () => {
  it('keeps ordinary variables and flags secret-looking ones by name or by value', () => {
    const parsed = parseEnvironment([
      'STAGE=prod',
      'NODE_ENV=production',
      'DB_PASSWORD=correct horse',
      'SESSION=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
      'DATABASE_URL=postgres://app:s3cr3t@db.internal/orders',
      'OPAQUE=Zq8#mP2$vL9@xR4!tK7&wN3*',
      'EMPTY_TOKEN=',
    ]);
    assert.equal(parsed.variables.STAGE, 'prod');
    assert.deepEqual(
      parsed.flagged.map((item) => item.name),
      ['DB_PASSWORD', 'SESSION', 'DATABASE_URL', 'OPAQUE'],
    );
  });

  it('refuses known credential formats and card numbers without echoing the value', () => {
    const refused: Array<[string, RegExp]> = [
      ['KEY_ID=AKIAABCDEFGHIJKLMNOP', /an AWS access key id/],
      ['AWS_SECRET_KEY_FOR_S3=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', /an AWS secret access key/],
      ['TLS=-----BEGIN RSA PRIVATE KEY-----\nMIIB', /a private key/],
      [`GH=ghp_${'a'.repeat(36)}`, /a GitHub token/],
      ['SLACK=xoxb-1234567890-abcdefghij', /a Slack token/],
      [`PAY=sk_live_${'a1'.repeat(12)}`, /a Stripe live secret key/],
      [`MAPS=AIza${'b'.repeat(35)}`, /a Google API key/],
      ['TEST_CARD=4111 1111 1111 1111', /card number/],
    ];
    for (const [item, reason] of refused) {
      assert.throws(
        () => parseEnvironment([item]),
        (error: Error) => reason.test(error.message) && !error.message.includes(item.slice(item.indexOf('=') + 1)),
        item,
      );
    }
  });

  it('refuses reserved names and names that would change how the sandbox starts', () => {
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_REGION',
      'LD_PRELOAD',
      'NODE_OPTIONS',
      'NODE_TLS_REJECT_UNAUTHORIZED',
      'OPENSSL_CONF',
      'PCIQ_MASTER_KEY',
      'AWS_ENDPOINT_URL_SQS',
    ]) {
      assert.throws(() => parseEnvironment([`${name}=x`]), /reserved/, name);
    }
  });

  it('refuses malformed items, bad names, duplicates and more than 4 KB', () => {
    assert.throws(() => parseEnvironment(['NOEQUALS']), /expected NAME=VALUE/);
    assert.throws(() => parseEnvironment(['1BAD=x']), /name '1BAD' is invalid/);
    assert.throws(() => parseEnvironment(['A=1', 'A=2']), /given twice/);
    assert.throws(() => parseEnvironment([`BIG=${'x'.repeat(4100)}`]), /at most 4096/);
  });
});
