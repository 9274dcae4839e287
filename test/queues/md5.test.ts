import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { md5OfAttributes, md5OfBody } from '../../src/queues/index.ts';

describe('message checksums', () => {
  it('MD5OfMessageBody is the hex MD5 of the UTF-8 body', () => {
    assert.equal(md5OfBody('hello'), '5d41402abc4b2a76b9719d911017c592');
    assert.equal(md5OfBody('Grüße ✓'), '0b0260c4953ea310613bbabcdabc23c4'); // printf 'Grüße ✓' | md5sum
  });

  // Vectors computed with moto's independent implementation (moto.sqs.models.Message.attribute_md5).
  it('MD5OfMessageAttributes matches an independent implementation for a string attribute', () => {
    assert.equal(
      md5OfAttributes({ city: { dataType: 'String', stringValue: 'Zürich' } }),
      '268df1768c577414d0359dbcb7b9a6fa',
    );
  });

  it('MD5OfMessageAttributes sorts names and encodes numbers, binary and custom types', () => {
    const md5 = md5OfAttributes({
      b: { dataType: 'String', stringValue: 'x' },
      a: { dataType: 'Number', stringValue: '3.14' },
      bin: { dataType: 'Binary', binaryValue: Uint8Array.from([0, 1, 2, 255]) },
      'c.d': { dataType: 'String.custom', stringValue: 'é✓' },
    });
    assert.equal(md5, '968d5ddcbe853a6251e02603f6493389');
  });

  it('has no MD5OfMessageAttributes when there are no attributes', () => {
    assert.equal(md5OfAttributes({}), undefined);
  });
});
