/**
 * A function's configuration is stored as given and shown by `get`, `list` and `mappings`: card numbers and
 * sensitive authentication data are refused there, naming the field and never quoting the value.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPciqError } from '../../src/core/index.ts';
import { readCode } from '../../src/functions/index.ts';
import { accountId, FunctionsHarness, roleArn } from '../support/functions-harness.ts';

const source = 'export const handler = async () => {};';

/** A refusal as InvalidParameterValue that names `field` and quotes none of `secret`'s digits or words. */
function refusal(field: RegExp, secret: string) {
  return (error: unknown) =>
    isPciqError(error) &&
    error.code === 'InvalidParameterValue' &&
    field.test(error.message) &&
    !error.message.includes(secret) &&
    !/\d{4}/.test(error.message.replace(/PCI DSS [\d.]+/, ''));
}

describe('cardholder data in a function configuration', () => {
  let harness: FunctionsHarness;
  before(async () => {
    harness = await FunctionsHarness.open();
  });
  after(() => harness.close());

  const deploy = (name: string, description: string) =>
    harness.functions.deploy(accountId, {
      name,
      code: readCode(harness.code({ 'index.mjs': source })),
      handler: 'index.handler',
      roleArn,
      description,
    });

  it('refuses a description holding a card number or a card verification code, on deploy and update', async () => {
    await assert.rejects(
      deploy('described', 'charges test card 4111 1111 1111 1111'),
      refusal(/Description .* card number/, '4111'),
    );
    await assert.rejects(
      deploy('described', 'replays CVV2: 987'),
      refusal(/Description .* card verification code/, '987'),
    );
    await deploy('described', 'charges the test card of the sandbox acquirer');
    await assert.rejects(
      harness.functions.update(accountId, 'described', { description: 'now 5555-5555-5555-4444' }),
      refusal(/Description .* card number/, '5555'),
    );
    const [current] = await harness.functions.list(accountId);
    assert.equal(current?.description, 'charges the test card of the sandbox acquirer');
  });

  it('refuses a queue mapping whose filter holds a card number, and keeps none of it', async () => {
    await deploy('filtered', '');
    await harness.createQueue('filtered', { VisibilityTimeout: '60' });
    const filter = JSON.stringify({ body: { card: ['4111111111111111'] } });
    await assert.rejects(
      harness.mappings.map(accountId, 'filtered', { queue: 'filtered', filterPatterns: [filter] }),
      refusal(/Filter 1 .* card number/, '4111'),
    );
    assert.deepEqual(await harness.mappings.list(accountId, 'filtered'), []);
    const { mapping } = await harness.mappings.map(accountId, 'filtered', {
      queue: 'filtered',
      filterPatterns: [JSON.stringify({ body: { card: [{ prefix: 'tok_' }] } })],
    });
    assert.equal(mapping.filters.length, 1);
  });

  it('refuses a card number in an environment variable name and a card verification code in a value', async () => {
    const deployWith = (environment: string[]) =>
      harness.functions.deploy(accountId, {
        name: 'configured',
        code: readCode(harness.code({ 'index.mjs': source })),
        handler: 'index.handler',
        roleArn,
        environment,
      });
    // A name that says "secret" is flagged, and flagged names are shown by get and named in the audit trail.
    await assert.rejects(
      deployWith(['SECRET_4111111111111111=x']),
      refusal(/environment variable name .* card number/, '4111'),
    );
    await assert.rejects(
      deployWith(['CARD_5555555555554444=x']),
      refusal(/environment variable name .* card number/, '5555'),
    );
    await assert.rejects(deployWith(['REPLAY=cvv: 987']), refusal(/REPLAY .* card verification code/, '987'));
    const names = (await harness.functions.list(accountId)).map((view) => view.name);
    assert.ok(!names.includes('configured'));
  });

  it('refuses a card number in a function name or in its handler', async () => {
    await assert.rejects(deploy('card-4111111111111111', ''), refusal(/function name .* card number/, '4111'));
    await assert.rejects(
      harness.functions.deploy(accountId, {
        name: 'handled',
        code: readCode(harness.code({ 'c5555555555554444.mjs': source })),
        handler: 'c5555555555554444.handler',
        roleArn,
      }),
      refusal(/handler .* card number/, '5555'),
    );
    const names = (await harness.functions.list(accountId)).map((view) => view.name);
    assert.ok(!names.some((name) => name.startsWith('card-') || name === 'handled'));
  });
});
