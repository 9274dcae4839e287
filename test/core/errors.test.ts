import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskDigitRuns, PciqError } from '../../src/core/index.ts';

describe('error messages', () => {
  it('never carry a card number, however it is written', () => {
    for (const pan of [
      '4111111111111111',
      '4111 1111 1111 1111',
      '4111-1111-1111-1111',
      '378282246310005',
      '6011000990139424123',
    ]) {
      const error = new PciqError('InvalidParameterValue', `Value ${pan} for parameter MessageGroupId is invalid.`);
      assert.ok(!error.message.replace(/\D/g, '').includes(pan.replace(/\D/g, '')), error.message);
      assert.match(error.message, /\[digits removed\]/);
    }
  });

  it('never carry a card number grouped or written as copied text and CJK input write it', () => {
    for (const pan of [
      '4111.1111.1111.1111',
      '4111+1111+1111+1111',
      '4111  1111  1111  1111',
      '4111 - 1111 - 1111 - 1111',
      '4111\u00a01111\u00a01111\u00a01111',
      '4111\u30001111\u30001111\u30001111',
      '4111\uff0d1111\uff0d1111\uff0d1111',
      '４１１１\u3000１１１１\u3000１１１１\u3000１１１１',
    ]) {
      assert.equal(maskDigitRuns(`reason: ${pan} refund`), 'reason: [digits removed] refund', pan);
    }
  });

  it('never carry a card number grouped with tabs, slashes or underscores, and keep dates, paths and ids readable', () => {
    for (const pan of [
      '4111\t1111\t1111\t1111',
      '4111/1111/1111/1111',
      '4111_1111_1111_1111',
      '3782_822463_10005',
      '6011/1111/1111/1117',
    ]) {
      assert.equal(maskDigitRuns(`reason: ${pan} refund`), 'reason: [digits removed] refund', pan);
      const error = new PciqError('InvalidParameterValue', `Value card_${pan} for parameter Label is invalid.`);
      assert.match(error.message, /^Value card_\[digits removed\] for parameter Label is invalid\.$/, pan);
    }
    const text =
      'on 2024/11/30 at 2024-11-30T12:34:56.789Z: GET /v1/4111/items/1111 for order_4111_1111, archived in audit-000000000000_000000000003.json.gz';
    assert.equal(maskDigitRuns(text), text);
    for (const grouped of ['4111/1111/1111/1111/111', '4111_1111_11111', '3782\t822463\t10005'])
      assert.equal(maskDigitRuns(`x ${grouped} y`), 'x [digits removed] y', grouped);
  });

  it('never carry a card number grouped with URL-encoded or HTML spaces, and keep URLs with short numbers readable', () => {
    for (const pan of [
      '4111%201111%201111%201111',
      '4111%2D1111%2D1111%2D1111',
      '3782%2d822463%2d10005',
      '4111&nbsp;1111&nbsp;1111&nbsp;1111',
      '3782&#160;822463&#160;10005',
      '4111%201111 1111&nbsp;1111',
    ]) {
      const error = new PciqError('InvalidParameterValue', `Value card=${pan} for parameter Label is invalid.`);
      assert.equal(error.message, 'Value card=[digits removed] for parameter Label is invalid.', pan);
    }
    for (const text of [
      'GET /search?q=room%20101%20floor%203%20bed%2012',
      '/files/2024%2011%2030%20report%20v12.pdf',
      'phone=%2B1%20555%20123%204567',
      'ids=1234%205678%209012',
      'Total:&nbsp;1&#160;234&nbsp;567,89&nbsp;EUR on 2024&nbsp;11&nbsp;30',
    ]) {
      assert.equal(maskDigitRuns(text), text);
    }
    // 13 digits and more are masked, as they are with plain spaces.
    assert.equal(maskDigitRuns('ids=1234%205678%2090123'), 'ids=[digits removed]');
  });

  it('never carry a card verification code or a PIN block quoted from a value, however it is written', () => {
    for (const value of ['cvv 123', 'CVV:1234', 'security code 123', 'ＣＶＶ１２３', 'PIN block 0412AB34CD56EF78']) {
      const error = new PciqError('InvalidParameterValue', `Value ${value} for parameter DelaySeconds is invalid.`);
      assert.match(error.message, /^Value \[card data removed\] for parameter DelaySeconds is invalid\.$/, value);
    }
  });

  it('keep 12-digit account ids, small numbers and ARNs readable', () => {
    const text = 'Queue arn:aws:sqs:us-east-1:123456789012:orders has 42 messages';
    assert.equal(maskDigitRuns(text), text);
  });

  it('are bounded in length', () => {
    const error = new PciqError('InvalidParameterValue', 'x'.repeat(10_000));
    assert.ok(error.message.length <= 1025);
  });
});
