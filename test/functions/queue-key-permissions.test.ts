/**
 * A function reads an encrypted queue only if its execution role may decrypt it: Lambda's role needs
 * kms:Decrypt on the queue's customer managed key, as every SQS consumer does. Judged by pciq's IAM on real
 * roles and policies, when a mapping is created or enabled and at every poll.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { functionsServicePrincipal } from '../../src/cli/function-roles.ts';
import { readCode } from '../../src/functions/index.ts';
import { KeyAdmin } from '../../src/keys/index.ts';
import { accountId, FunctionsHarness, waitFor } from '../support/functions-harness.ts';

describe('functions on queues under a KMS key', () => {
  let harness: FunctionsHarness;
  before(async () => {
    harness = await FunctionsHarness.open();
  });
  after(() => harness.close());

  const sqsOnly = { Effect: 'Allow', Action: 'sqs:*', Resource: '*' };

  /** A role Lambda may assume, allowed `statements`, and a function acting as it that prints each body. */
  async function functionWithRole(name: string, statements: unknown[]): Promise<void> {
    await harness.iam.createRole(accountId, {
      roleName: name,
      assumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: functionsServicePrincipal }, Action: 'sts:AssumeRole' }],
      }),
    });
    await allow(name, statements);
    const source = 'export const handler = async (event) => { for (const r of event.Records) console.log(r.body); };';
    await harness.functions.deploy(accountId, {
      name,
      code: readCode(harness.code({ 'index.mjs': source })),
      handler: 'index.handler',
      roleArn: `arn:aws:iam::${accountId}:role/${name}`,
    });
  }

  async function allow(roleName: string, statements: unknown[]): Promise<void> {
    await harness.iam.putInlinePolicy(accountId, {
      kind: 'role',
      entityName: roleName,
      policyName: 'access',
      policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    });
  }

  /** A queue sealed under a new customer managed key. */
  async function cmkQueue(name: string) {
    const key = await new KeyAdmin(harness.keys).createKey(accountId, { alias: `alias/${name}` });
    const queue = await harness.createQueue(name, { KmsMasterKeyId: `alias/${name}` });
    return { key, queue };
  }

  async function lastProcessingResult(functionName: string): Promise<string | undefined> {
    return (await harness.mappings.list(accountId, functionName))[0]?.lastProcessingResult;
  }

  const refusedDecrypt = (keyArn: string, queue: string) => (error: { code?: string; message?: string }) => {
    assert.equal(error.code, 'KmsAccessDenied');
    assert.equal(
      error.message,
      `The function's execution role is not allowed kms:Decrypt on ${keyArn}, the key of ${harness.queueArn(queue)}; grant it kms:Decrypt on that key.`,
    );
    return true;
  };

  it('refuses to map a queue whose customer managed key the role may not decrypt, and maps it once granted', async () => {
    await functionWithRole('no-key', [sqsOnly]);
    const { key, queue } = await cmkQueue('cards-a');
    await assert.rejects(
      () => harness.mappings.map(accountId, 'no-key', { queue: 'cards-a' }),
      refusedDecrypt(key.arn, 'cards-a'),
    );
    assert.deepEqual(await harness.mappings.list(accountId, 'no-key'), []);
    const refusal = (await harness.auditRecords('iam:AccessDenied')).at(-1);
    assert.equal(refusal?.details?.action, 'kms:Decrypt');
    assert.equal(refusal?.resource, key.arn);

    await allow('no-key', [sqsOnly, { Effect: 'Allow', Action: 'kms:Decrypt', Resource: key.arn }]);
    await harness.mappings.map(accountId, 'no-key', { queue: 'cards-a' });
    await harness.send(queue, ['granted']);
    await waitFor('the invocation', async () => (await harness.printed('no-key')).includes('granted'));
  });

  it('hands the function no message once its role loses kms:Decrypt, and records why', async () => {
    const { key, queue } = await cmkQueue('cards-b');
    const decrypt = { Effect: 'Allow', Action: 'kms:Decrypt', Resource: key.arn };
    await functionWithRole('revoked-key', [sqsOnly, decrypt]);
    const { mapping } = await harness.mappings.map(accountId, 'revoked-key', { queue: 'cards-b' });
    assert.equal(mapping.lastProcessingResult, 'No records processed');
    await harness.send(queue, ['before']);
    await waitFor('the first invocation', async () => (await harness.printed('revoked-key')).includes('before'));
    await waitFor('the result shown', async () => (await lastProcessingResult('revoked-key')) === 'OK');

    await allow('revoked-key', [sqsOnly]);
    await harness.send(queue, ['after']);
    const problem = await waitFor('the refusal in the audit trail', async () =>
      (await harness.auditRecords('lambda:PollQueue')).find(
        (record) => record.details?.queue === harness.queueArn('cards-b'),
      ),
    );
    assert.equal(problem.outcome, 'failure');
    assert.equal(problem.error, 'KmsAccessDenied');
    const counts = await harness.counts(queue);
    assert.equal(counts.visible + counts.inFlight, 1, 'the message stays in the queue');
    assert.deepEqual(await harness.printed('revoked-key'), ['before'], 'the function never saw it');
    // The mapping says why, where `pciq functions mappings` shows it, until the role may decrypt again.
    assert.equal(
      await lastProcessingResult('revoked-key'),
      `PROBLEM: The function's execution role is not allowed kms:Decrypt on ${key.arn}, the key of ${harness.queueArn('cards-b')}; grant it kms:Decrypt on that key.`,
    );
    await allow('revoked-key', [sqsOnly, decrypt]);
    await waitFor('the result shown', async () => (await lastProcessingResult('revoked-key')) === 'OK', {
      timeoutMs: 60_000,
    });
  });

  it('shows OK again once a mapping that starts with a problem shown before processes a batch', async () => {
    const { key, queue } = await cmkQueue('cards-d');
    await functionWithRole('restarted', [sqsOnly, { Effect: 'Allow', Action: 'kms:Decrypt', Resource: key.arn }]);
    const { mapping } = await harness.mappings.map(accountId, 'restarted', { queue: 'cards-d', isEnabled: false });
    // As a restarted process finds it: the problem the process before showed, stored with the mapping.
    await harness.store.write((tx) => tx.functions.recordProcessingResult(mapping.uuid, 'PROBLEM: an earlier one'));
    await harness.mappings.setEnabled(accountId, mapping.uuid, true);
    await harness.send(queue, ['after the restart']);
    await waitFor('the invocation', async () => (await harness.printed('restarted')).includes('after the restart'));
    await waitFor('the result shown', async () => (await lastProcessingResult('restarted')) === 'OK');
  });

  it('refuses to enable a mapping again while the role may not decrypt the queue', async () => {
    const { key } = await cmkQueue('cards-c');
    await functionWithRole('paused', [sqsOnly, { Effect: 'Allow', Action: 'kms:Decrypt', Resource: key.arn }]);
    const { mapping } = await harness.mappings.map(accountId, 'paused', { queue: 'cards-c', isEnabled: false });
    await allow('paused', [sqsOnly]);
    await assert.rejects(
      () => harness.mappings.setEnabled(accountId, mapping.uuid, true),
      refusedDecrypt(key.arn, 'cards-c'),
    );
    assert.equal((await harness.mappings.list(accountId, 'paused'))[0]?.state, 'Disabled');
  });

  it("weighs the queue key's tags (aws:ResourceTag) in the decision on its use", async () => {
    await functionWithRole('untagged-only', [
      sqsOnly,
      { Effect: 'Allow', Action: 'kms:*', Resource: '*' },
      {
        Effect: 'Deny',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/data': 'cardholder' } },
      },
    ]);
    const key = await new KeyAdmin(harness.keys).createKey(accountId, {
      alias: 'alias/cards-tagged',
      tags: { data: 'cardholder' },
    });
    await harness.createQueue('cards-tagged', { KmsMasterKeyId: 'alias/cards-tagged' });
    await assert.rejects(
      () => harness.mappings.map(accountId, 'untagged-only', { queue: 'cards-tagged' }),
      refusedDecrypt(key.arn, 'cards-tagged'),
    );
    await cmkQueue('cards-untagged');
    await harness.mappings.map(accountId, 'untagged-only', { queue: 'cards-untagged' });
  });

  it('maps a queue under the AWS managed key without a grant, unless an explicit Deny refuses it', async () => {
    await functionWithRole('managed', [sqsOnly]);
    await harness.createQueue('sse-default');
    await harness.mappings.map(accountId, 'managed', { queue: 'sse-default' });
    // The account's managed key exists once something was sealed under it.
    await harness.send(await harness.createQueue('sse-denied'), ['sealed under alias/aws/sqs']);
    await allow('managed', [sqsOnly, { Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' }]);
    await assert.rejects(
      () => harness.mappings.map(accountId, 'managed', { queue: 'sse-denied' }),
      (error: { code?: string }) => error.code === 'KmsAccessDenied',
    );
  });
});
