/**
 * FIFO ordering within a message group when messages too large for one invocation spill into the next batch,
 * on real sandboxed processes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountId, FunctionsHarness, waitFor } from '../support/functions-harness.ts';

describe('FIFO batches over the payload limit', () => {
  let harness: FunctionsHarness;
  before(async () => {
    harness = await FunctionsHarness.open();
  });
  after(() => harness.close());

  it('do not process the later messages of a group whose earlier ones failed', async () => {
    // The first attempt at message 0 fails the batch; every success is printed.
    await harness.deploy(
      'spilling',
      `export const handler = async (event) => {
        const first = event.Records[0];
        if (first.body.startsWith('0:') && first.attributes.ApproximateReceiveCount === '1') throw new Error('not yet');
        for (const record of event.Records) console.log(record.body.slice(0, record.body.indexOf(':')));
      };`,
      { timeoutSec: 1 },
    );
    const queue = await harness.createQueue('spilling.fifo', {
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
      VisibilityTimeout: '2',
    });
    const { mapping } = await harness.mappings.map(accountId, 'spilling', {
      queue: 'spilling.fifo',
      batchSize: 10,
      isEnabled: false,
    });
    // Ten messages of 700 KB are more than Lambda's 6 MB payload: one receive's messages make two batches.
    for (let i = 0; i < 10; i++) await harness.send(queue, [`${i}:${'x'.repeat(700_000)}`], { groupId: 'large' });
    await harness.mappings.setEnabled(accountId, mapping.uuid, true);
    const printed = await waitFor('all ten messages processed', async () => {
      const lines = await harness.printed('spilling');
      return new Set(lines).size === 10 && lines;
    });
    // In order; a message may come twice (SQS delivers at least once: a visibility timeout may run out).
    const order = printed.map(Number);
    assert.deepEqual([...new Set(order)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(
      order.every((n, i) => i === 0 || n >= order[i - 1]!),
      `processed in order: ${order.join(', ')}`,
    );
  });
});
