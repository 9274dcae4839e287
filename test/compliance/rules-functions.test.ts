import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuditEvents } from '../../src/audit/index.ts';
import { functionDecisions, functionRoleSessions, functionsServicePrincipal } from '../../src/cli/function-roles.ts';
import { functionArn } from '../../src/compliance/index.ts';
import { FunctionAdmin } from '../../src/functions/index.ts';
import { administratorAccessArn } from '../../src/iam/index.ts';
import { account, allow, ComplianceHarness, policy, seen } from '../support/compliance-harness.ts';

describe('the default pack on functions', () => {
  let h: ComplianceHarness;
  let functions: FunctionAdmin;
  before(async () => {
    h = await new ComplianceHarness().open();
    functions = new FunctionAdmin({
      store: h.store,
      clock: h.clock,
      sealer: h.keys,
      region: h.region,
      audit: new AuditEvents(h.trail),
      queues: h.queues,
      roleSessions: functionRoleSessions(h.iam),
      authorize: functionDecisions(h.iam),
    });
  });
  after(() => h.close());

  /** A role the functions service may assume, with `grants` as its inline policy. */
  async function role(name: string, grants: object): Promise<string> {
    const created = await h.iam.createRole(account, {
      roleName: name,
      assumeRolePolicyDocument: JSON.stringify(
        policy({ Effect: 'Allow', Principal: { Service: functionsServicePrincipal }, Action: 'sts:AssumeRole' }),
      ),
    });
    await h.iam.putInlinePolicy(account, {
      kind: 'role',
      entityName: name,
      policyName: 'grants',
      policyDocument: JSON.stringify(grants),
    });
    return created.arn;
  }

  async function deploy(name: string, roleArn: string): Promise<string> {
    await functions.deploy(account, {
      name,
      code: [{ path: 'index.mjs', content: Buffer.from('export const handler = async () => {};\n') }],
      handler: 'index.handler',
      roleArn,
    });
    return functionArn(h.region, account, name);
  }

  it("fails a function whose role allows every action of a service, passes it once the role lists the handler's actions", async () => {
    const arn = await deploy('settle', await role('settler', policy({ Sid: 'AllQueues', ...allow('sqs:*') })));
    const failed = await h.judge('function-role-over-broad', arn);
    assert.equal(failed.status, 'fail');
    assert.deepEqual(seen(failed), { hasOverBroadRole: true });
    const described = await h.scanner.providers.get('function')!.list(h.context());
    assert.deepEqual(described.find((resource) => resource.id === arn)?.data.roleOverBroadStatements, ['AllQueues']);

    await h.iam.putInlinePolicy(account, {
      kind: 'role',
      entityName: 'settler',
      policyName: 'grants',
      policyDocument: JSON.stringify(
        policy(allow(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], h.queueArn('settlements'))),
      ),
    });
    assert.equal((await h.judge('function-role-over-broad', arn)).status, 'pass');
  });

  it('fails a function whose role holds AdministratorAccess, passes it once the policy is detached', async () => {
    const roleArn = await role('reconciler', policy(allow('sqs:SendMessage', h.queueArn('ledger'))));
    const arn = await deploy('reconcile', roleArn);
    assert.equal((await h.judge('function-role-over-broad', arn)).status, 'pass');

    await h.iam.attachPolicy(account, { kind: 'role', entityName: 'reconciler', policyArn: administratorAccessArn });
    assert.equal((await h.judge('function-role-over-broad', arn)).status, 'fail');
    await h.iam.detachPolicy(account, { kind: 'role', entityName: 'reconciler', policyArn: administratorAccessArn });
    assert.equal((await h.judge('function-role-over-broad', arn)).status, 'pass');
  });
});
