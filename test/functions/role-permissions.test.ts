/**
 * The pollers act as the function's role: what access control refuses the role, the mapping cannot do. The
 * role sessions are IAM's; the decisions on queue actions here come from a stand-in that records what is asked
 * and refuses what a test says, so that a refusal can be provoked without editing policies.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Caller, PciqError } from '../../src/core/index.ts';
import { readCode } from '../../src/functions/index.ts';
import { accountId, FunctionsHarness, waitFor } from '../support/functions-harness.ts';

describe('a function acts as its role', () => {
  let harness: FunctionsHarness;
  const asked: string[] = [];
  let denied = new Set<string>();

  before(async () => {
    harness = await FunctionsHarness.open({
      authorize: (caller: Caller, action: string, resource: string) => {
        asked.push(`${caller.principalArn} ${action} ${resource}`);
        if (denied.has(action)) throw new PciqError('AccessDenied', `not allowed ${action}`);
      },
    });
  });
  after(() => harness.close());

  it('asks for the actions Lambda requires, as the role session, and refuses a mapping the role cannot poll', async () => {
    await harness.deploy('worker', 'export const handler = async () => {};');
    await harness.createQueue('jobs');
    denied = new Set(['sqs:DeleteMessage']);
    await assert.rejects(
      () => harness.mappings.map(accountId, 'worker', { queue: 'jobs' }),
      /execution role is not allowed sqs:DeleteMessage on arn:aws:sqs:us-east-1:123456789012:jobs; grant it sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes/,
    );
    const session = `arn:aws:sts::${accountId}:assumed-role/worker/worker`;
    assert.deepEqual(asked.slice(0, 2), [
      `${session} sqs:ReceiveMessage ${harness.queueArn('jobs')}`,
      `${session} sqs:DeleteMessage ${harness.queueArn('jobs')}`,
    ]);
  });

  it('stops polling when the role loses sqs:ReceiveMessage, and records why', async () => {
    denied = new Set();
    const queue = await harness.createQueue('revoked');
    await harness.mappings.map(accountId, 'worker', { queue: 'revoked' });
    denied = new Set(['sqs:ReceiveMessage']);
    await harness.send(queue, ['left alone']);
    const [problem] = await waitFor('the refusal in the audit trail', async () => {
      const records = await harness.auditRecords('lambda:PollQueue');
      return records.length > 0 && records;
    });
    assert.equal(problem!.outcome, 'failure');
    assert.equal(problem!.error, 'AccessDenied');
    assert.equal(problem!.details?.queue, harness.queueArn('revoked'));
    assert.equal((await harness.counts(queue)).visible, 1, 'the message was not received');
    assert.deepEqual(await harness.logs('worker'), []);
  });

  it('refuses a role that does not exist or does not trust Lambda, through IAM', async () => {
    denied = new Set();
    await harness.createQueue('untrusted');
    const stranger = `arn:aws:iam::${accountId}:role/not-a-role`;
    const code = readCode(harness.code({ 'index.mjs': 'export const handler = async () => {};' }));
    const cannotBeAssumed = (role: string) => (error: PciqError) =>
      error.code === 'InvalidParameterValue' &&
      error.message.includes(`cannot be assumed by Lambda: ${role} must exist and trust lambda.amazonaws.com`);
    // As Lambda's CreateFunction and UpdateFunctionConfiguration: refused when deployed, not in every poll later.
    await assert.rejects(
      () =>
        harness.functions.deploy(accountId, { name: 'stranger', code, handler: 'index.handler', roleArn: stranger }),
      cannotBeAssumed(stranger),
    );
    await assert.rejects(() => harness.functions.get(accountId, 'stranger'), /Function not found/);
    await assert.rejects(
      () => harness.functions.update(accountId, 'worker', { roleArn: stranger }),
      cannotBeAssumed(stranger),
    );
    assert.equal((await harness.functions.get(accountId, 'worker')).version, 1);

    // A role that stops trusting Lambda after the deploy: the mapping is refused.
    await harness.iam.createRole(accountId, {
      roleName: 'fickle',
      assumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    const fickle = `arn:aws:iam::${accountId}:role/fickle`;
    await harness.functions.deploy(accountId, { name: 'fickle', code, handler: 'index.handler', roleArn: fickle });
    await harness.iam.updateRole(accountId, 'fickle', {
      kind: 'trust',
      document: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    await assert.rejects(
      () => harness.mappings.map(accountId, 'fickle', { queue: 'untrusted' }),
      /cannot be assumed by Lambda: arn:aws:iam::123456789012:role\/fickle must exist and trust lambda\.amazonaws\.com/,
    );
    const refusals = await harness.auditRecords('iam:AccessDenied');
    assert.equal(refusals.at(-1)?.actor.principal, 'lambda.amazonaws.com');
  });
});
