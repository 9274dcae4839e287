/**
 * What a batch runs as: the code, environment and role of the function as it is now, never those of an
 * earlier function of the same name, on real sandboxed processes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PciqError } from '../../src/core/index.ts';
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

describe('a function named with one character', () => {
  let harness: FunctionsHarness;
  before(async () => {
    harness = await FunctionsHarness.open();
  });
  after(() => harness.close());

  it('is mapped and runs as a session of its role named after it, as Lambda allows names of 1 to 64 characters', async () => {
    await harness.deploy('x', "export const handler = async () => { throw new Error('seen'); };", { timeoutSec: 1 });
    const queue = await harness.createQueue('single', { VisibilityTimeout: '1' });
    await harness.mappings.map(accountId, 'x', { queue: 'single' });
    await harness.send(queue, ['one']);
    const [failure] = await waitFor('the invocation', async () => {
      const records = await harness.auditRecords('lambda:Invoke');
      return records.length > 0 && records;
    });
    assert.equal(failure!.actor.principal, `arn:aws:sts::${accountId}:assumed-role/worker/x`);
  });
});

describe('the environment a handler sees', () => {
  let harness: FunctionsHarness;
  before(async () => {
    harness = await FunctionsHarness.open();
  });
  after(() => harness.close());

  it('keeps the variables Lambda lets a function set over the runtime defaults: TZ, LANG, PATH', async () => {
    await harness.deploy(
      'zoned',
      'export const handler = async () => { console.log(process.env.TZ, new Date(0).getHours(), process.env.LANG, process.env.PATH); };',
      { environment: ['TZ=Asia/Tokyo', 'LANG=de_DE.UTF-8', 'PATH=/opt/bin:/usr/bin:/bin'] },
    );
    const queue = await harness.createQueue('zoned');
    await harness.mappings.map(accountId, 'zoned', { queue: 'zoned' });
    await harness.send(queue, ['now']);
    const [line] = await waitFor('the invocation', async () => {
      const lines = await harness.printed('zoned');
      return lines.length > 0 && lines;
    });
    assert.equal(line, 'Asia/Tokyo 9 de_DE.UTF-8 /opt/bin:/usr/bin:/bin');
  });
});

describe("a warm process's credentials", () => {
  /** Refuses the pollers' next sqs:ReceiveMessage once armed, which drops the role session they reuse. */
  let refusals = 0;
  let isRefusalArmed = false;
  let harness: FunctionsHarness;
  before(async () => {
    harness = await FunctionsHarness.open({
      authorize: (_caller, action) => {
        if (action !== 'sqs:ReceiveMessage' || !isRefusalArmed) return;
        isRefusalArmed = false;
        refusals++;
        throw new PciqError('AccessDenied', 'refused once by the test');
      },
    });
  });
  after(() => harness.close());

  it('are masked in its logs after the pollers moved on to a newer session of the role', async () => {
    await harness.deploy(
      'keeper',
      'export const handler = async () => { console.log(process.env.AWS_SECRET_ACCESS_KEY, process.env.AWS_SESSION_TOKEN); };',
      { timeoutSec: 1 },
    );
    const queue = await harness.createQueue('keeper', { VisibilityTimeout: '1' });
    await harness.mappings.map(accountId, 'keeper', { queue: 'keeper' });
    await harness.send(queue, ['one']);
    await waitFor('the first invocation', async () => (await harness.printed('keeper')).length === 1);
    isRefusalArmed = true;
    await harness.send(queue, ['two']);
    // Refused once after its receive, the batch comes back after its visibility timeout to a warm process
    // that still holds the session it was started with.
    const printed = await waitFor('the second invocation', async () => {
      const lines = await harness.printed('keeper');
      return lines.length === 2 && lines;
    });
    assert.equal(refusals, 1);
    assert.deepEqual(printed, ['[secret] [secret]', '[secret] [secret]']);
  });
});
