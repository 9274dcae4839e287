import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cardDataLeaks, filesUnder, textHaystack } from '../support/leak-scan.ts';
import { pciq } from '../support/pciq-cli.ts';
import { initDataDir } from '../support/pciq-process.ts';

const visa = '4111111111111111';
const mastercard = '5555555555554444';
const cvvPhrase = 'cvv 123';

function policyWithSid(sid: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: sid, Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }],
  });
}

const trustPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

describe('pciq iam and pciq keys refuse card data in what they would store', () => {
  let data: ReturnType<typeof initDataDir>;
  let args: string[];

  before(() => {
    data = initDataDir();
    args = ['--data-dir', data.dataDir, '--key-file', data.keyFile];
  });
  after(() => data?.remove());

  function refused(command: string[], code: string, field: RegExp): void {
    const result = pciq([...command, ...args]);
    assert.equal(result.status, 1, result.stdout);
    assert.match(result.stderr, new RegExp(`${code}: `));
    assert.match(result.stderr, field);
    assert.match(result.stderr, /Card data is not allowed there/);
    assert.doesNotMatch(result.stderr, /4111|5555|cvv 123/);
  }

  it('refuses a card number or a CVV phrase in IAM names, paths and policy documents', () => {
    refused(['iam', 'create-user', `u${visa}`], 'ValidationError', /NAME/);
    refused(['iam', 'create-user', 'pathed', '--path', `/${mastercard}/`], 'ValidationError', /--path/);
    refused(['iam', 'create-group', `g-${cvvPhrase}`], 'ValidationError', /NAME/);
    refused(['iam', 'create-role', `r${visa}`, '--trust-policy', trustPolicy], 'ValidationError', /NAME/);
    refused(
      ['iam', 'create-policy', 'leaky', '--document', policyWithSid(`s${visa}`)],
      'MalformedPolicyDocument',
      /--document/,
    );
    refused(
      ['iam', 'put-policy', 'inline', '--user', 'nobody', '--document', policyWithSid(cvvPhrase)],
      'MalformedPolicyDocument',
      /--document/,
    );
  });

  it('refuses a card number or a CVV phrase in a key description or alias', () => {
    refused(['keys', 'create', '--description', `card ${visa}`], 'ValidationException', /--description/);
    refused(['keys', 'create', '--description', cvvPhrase], 'ValidationException', /--description/);
    refused(['keys', 'create', '--alias', `alias/${mastercard}`], 'ValidationException', /--alias/);
  });

  it('still accepts digits that are no card number', () => {
    for (const command of [
      ['iam', 'create-user', 'u1234567812345678', '--path', '/2026-11-30/'],
      ['iam', 'create-policy', 'dated', '--document', policyWithSid('s20261130')],
      ['keys', 'create', '--description', 'batch 1234567812345678', '--alias', 'alias/orders-2026-11-30'],
    ]) {
      const result = pciq([...command, ...args]);
      assert.equal(result.status, 0, result.stderr);
    }
  });

  it('drops a CVV phrase from a mute reason it keeps, and from an argument it quotes back', () => {
    const muted = pciq([
      'compliance',
      'mute',
      '--rule',
      'clock-not-synchronized',
      '--resource',
      '*',
      '--reason',
      `caller read out ${cvvPhrase} by mistake`,
      '--owner',
      'platform',
      '--expires',
      '30d',
      ...args,
    ]);
    assert.equal(muted.status, 0, muted.stderr);
    const quoted = pciq([
      'compliance',
      'mute',
      '--rule',
      'r',
      '--resource',
      '*',
      '--reason',
      'x',
      '--owner',
      'o',
      '--expires',
      `${cvvPhrase} please`,
      ...args,
    ]);
    assert.equal(quoted.status, 1);
    assert.match(quoted.stderr, /--expires must be a date/);
    assert.doesNotMatch(quoted.stderr, /123/);
    const since = pciq(['audit', 'search', '--since', `${cvvPhrase} please`, ...args]);
    assert.notEqual(since.status, 0);
    assert.doesNotMatch(since.stderr, /123/);
  });

  it('stored nothing of what it refused', () => {
    assert.deepEqual(cardDataLeaks(filesUnder(data.dataDir), { pans: [visa, mastercard], markers: [cvvPhrase] }), []);
  });
});

describe('pciq quotes no card data from an argument it refuses', () => {
  it('masks a card number and drops a CVV phrase from every sort of refusal, as API errors do', () => {
    const refusals = [
      // An unknown command, an unknown subcommand or value (the commands' own refusals), an unexpected argument
      // (the option parser's).
      [`${visa} cvv=123`],
      ['tokens', `${visa} cvv=123`],
      ['audit', `card 4111 1111 1111 1111, cvv 123`],
      ['init', '--key-provider', `${mastercard}:cvv=123`],
      ['init', `${mastercard} cvv=123`],
    ];
    for (const command of refusals) {
      const result = pciq(command);
      const where = JSON.stringify(command);
      assert.notEqual(result.status, 0, where);
      assert.equal(result.stdout, '', where);
      assert.match(result.stderr, /^pciq.*\[card data removed\]/, where);
      assert.doesNotMatch(result.stderr, /cvv|123/i, where);
      const written = [textHaystack('stderr', result.stderr), textHaystack('stdout', result.stdout)];
      assert.deepEqual(
        cardDataLeaks(written, { pans: [visa, mastercard], markers: ['cvv=123', 'cvv 123'] }),
        [],
        where,
      );
    }
  });
});
