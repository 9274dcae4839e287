/**
 * What a batch runs as: the code, environment and role of the function as it is now, never those of an
 * earlier function of the same name, on real sandboxed processes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountId, FunctionsHarness, waitFor } from '../support/functions-harness.ts';

describe('function identity', () => {
  let harness: FunctionsHarness;
  before(async () => {
    harness = await FunctionsHarness.open();
  });
  after(() => harness.close());

  it('runs a function deleted and deployed again under the same name with its new code and environment', async () => {
    const printer = 'export const handler = async () => { console.log(process.env.GENERATION); };';
    await harness.deploy('reborn', printer, { environment: ['GENERATION=first'] });
    const queue = await harness.createQueue('reborn');
    await harness.mappings.map(accountId, 'reborn', { queue: 'reborn' });
    await harness.send(queue, ['one']);
    await waitFor('the first function to run', async () => (await harness.printed('reborn')).includes('first'));
    // Within the runner's reload interval: it sees the new function where it saw the old one.
    await harness.functions.delete(accountId, 'reborn');
    await harness.deploy('reborn', printer, { environment: ['GENERATION=second'] });
    const { mapping } = await harness.mappings.map(accountId, 'reborn', { queue: 'reborn' });
    await waitFor('the runner to poll for the new function only', () => {
      const active = [...harness.runner.activeMappings.keys()];
      return active.length === 1 && active[0] === mapping.uuid;
    });
    await harness.send(queue, ['two']);
    // Logs outlive the function they were written by (they are kept 30 days).
    const printed = await waitFor('the second function to run', async () => {
      const lines = await harness.printed('reborn');
      return lines.length > 1 && lines;
    });
    assert.deepEqual(printed, ['first', 'second']);
  });
});
