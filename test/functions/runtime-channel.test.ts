/**
 * A function's handler can write to the descriptor of its runtime channel whatever it likes. The process
 * that starts sandboxes for every function must survive it: what one handler writes fails that handler's
 * invocation, with the reason, and nobody else's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountId, FunctionsHarness, waitFor } from '../support/functions-harness.ts';
import { endlessChannelLine } from '../support/hostile-handlers.ts';

describe("a handler writing on the runtime's channel", () => {
  let harness: FunctionsHarness;
  before(async () => {
    harness = await FunctionsHarness.open();
  });
  after(() => harness.close());

  it('fails only its own invocation, whose batch returns to the queue, while other functions run on', async () => {
    await harness.deploy(
      'steady',
      `export const handler = async (event) => {
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        console.log(event.Records[0].body);
      };`,
      { timeoutSec: 10 },
    );
    // Node's IPC channel is descriptor 3 of a process it starts; the permission model does not guard descriptors.
    await harness.deploy(
      'scribbler',
      `import { writeSync } from 'node:fs';
      export const handler = async (event) => {
        if (event.Records[0].body === 'garbage') writeSync(3, 'not a message\\n');
        else {
          ${endlessChannelLine}
        }
        await new Promise(() => {});
      };`,
      { timeoutSec: 5 },
    );
    const steady = await harness.createQueue('steady', { VisibilityTimeout: '30' });
    const dlq = await harness.createQueue('scribbler-dlq');
    const scribbler = await harness.createQueue('scribbler', {
      VisibilityTimeout: '5',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: harness.queueArn('scribbler-dlq'), maxReceiveCount: 1 }),
    });
    await harness.mappings.map(accountId, 'steady', { queue: 'steady' });
    await harness.mappings.map(accountId, 'scribbler', { queue: 'scribbler', batchSize: 1 });

    await harness.send(steady, ['steady work']);
    await waitFor('the steady batch in flight', async () => (await harness.counts(steady)).inFlight === 1);
    // Its process starts and its handler waits: the scribbler writes meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await harness.send(scribbler, ['garbage', 'endless']);

    await waitFor('the steady batch to be processed', async () => (await harness.logs('steady')).length > 0, {
      timeoutMs: 15_000,
    });
    const [steadyLog] = await harness.logs('steady');
    assert.equal(steadyLog!.outcome, 'success', steadyLog!.text ?? '');
    assert.deepEqual(await harness.printed('steady'), ['steady work']);
    await waitFor('the steady batch deleted', async () => {
      const counts = await harness.counts(steady);
      return counts.visible === 0 && counts.inFlight === 0;
    });

    // Each failed batch came back after its visibility timeout, and past maxReceiveCount went to the
    // dead-letter queue: none is lost.
    await waitFor(
      'both scribbled batches in the dead-letter queue',
      async () => (await harness.counts(dlq)).visible === 2,
      {
        timeoutMs: 30_000,
      },
    );
    assert.deepEqual(await harness.counts(scribbler), { visible: 0, inFlight: 0 });
    const texts = (await harness.logs('scribbler')).map((entry) => {
      assert.equal(entry.outcome, 'error');
      return entry.text ?? '';
    });
    assert.equal(texts.length, 2);
    assert.ok(
      texts.some((text) =>
        text.includes(
          "Runtime exited with error: the function wrote something other than a message on the runtime's channel",
        ),
      ),
      texts.join('\n'),
    );
    assert.ok(
      texts.some((text) =>
        text.includes(
          "Runtime exited with error: the function sent a message larger than Lambda's 6 MB response payload",
        ),
      ),
      texts.join('\n'),
    );
    const invocations = (await harness.auditRecords('lambda:Invoke')).filter((record) =>
      record.resource?.includes(':function:scribbler:'),
    );
    assert.deepEqual(
      invocations.map((record) => [record.outcome, record.error]),
      [
        ['failure', 'Runtime.ExitError'],
        ['failure', 'Runtime.ExitError'],
      ],
    );
  });
});
