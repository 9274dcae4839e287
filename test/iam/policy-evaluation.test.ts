import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compilePolicySet,
  type Decision,
  evaluate,
  type Policy,
  parsePolicy,
  principalMatches,
  type RequestContext,
} from '../../src/iam/policy/index.ts';
import {
  account,
  alice,
  allow,
  bob,
  deny,
  otherAccount,
  otherQueue,
  policy,
  producerRoleArn,
  producerSession,
  queue,
  request,
  root,
} from './policy-fixtures.ts';

interface Setup {
  identity?: Policy[];
  boundary?: Policy;
  session?: Policy[];
  resource?: Policy;
}

function decide(setup: Setup, req: RequestContext, explain = false): Decision {
  const set = compilePolicySet({
    identity: setup.identity ?? [],
    ...(setup.boundary ? { boundary: setup.boundary } : {}),
    ...(setup.session ? { session: setup.session } : {}),
  });
  return evaluate(set, req, setup.resource, { explain });
}

function queuePolicy(...statements: Record<string, unknown>[]): Policy {
  return policy('resource', ...statements);
}

const send = request('sqs:SendMessage');
const sendAsSession = request('sqs:SendMessage', queue, {}, producerSession);

// reference_policies_evaluation-logic_policy-eval-denyallow: "By default, all requests are implicitly
// denied with the exception of the AWS account root user" and "An explicit deny overrides an explicit allow."
describe('default deny and explicit deny', () => {
  it('denies implicitly when no policy applies', () => {
    assert.deepEqual(decide({}, send), { decision: 'ImplicitDeny', reason: 'no-allow', matched: [] });
    assert.equal(
      decide({ identity: [policy('identity', allow('sqs:ReceiveMessage'))] }, send).decision,
      'ImplicitDeny',
    );
  });

  it('allows on an identity Allow and names the statement', () => {
    const p = policy('identity', { Sid: 'Produce', ...allow('sqs:SendMessage', queue) });
    assert.deepEqual(decide({ identity: [p] }, send), {
      decision: 'Allow',
      reason: 'identity-policy',
      matched: [{ policyId: p.id, statement: 'Produce', index: 0, effect: 'Allow', layer: 'identity' }],
    });
  });

  it('the acceptance case: a producer allowed only SendMessage on one queue', () => {
    const producer = { identity: [policy('identity', allow('sqs:SendMessage', queue))] };
    assert.equal(decide(producer, sendAsSession).decision, 'Allow');
    assert.equal(decide(producer, request('sqs:ReceiveMessage', queue, {}, producerSession)).decision, 'ImplicitDeny');
    assert.equal(
      decide(producer, request('sqs:SendMessage', otherQueue, {}, producerSession)).decision,
      'ImplicitDeny',
    );
    assert.equal(
      decide(producer, request('sqs:DeleteQueue', otherQueue, {}, producerSession)).decision,
      'ImplicitDeny',
    );
  });

  // Explicit deny wins wherever it is written: identity, another identity policy, boundary, session, resource.
  const allowAll = policy('identity', allow('*'));
  const denySend = deny('sqs:SendMessage', queue);
  const places: [string, Setup][] = [
    ['the same identity policy', { identity: [policy('identity', allow('*'), { Sid: 'NoSend', ...denySend })] }],
    ['another identity policy', { identity: [allowAll, policy('identity', { Sid: 'NoSend', ...denySend })] }],
    [
      'the permissions boundary',
      { identity: [allowAll], boundary: policy('boundary', allow('*'), { Sid: 'NoSend', ...denySend }) },
    ],
    [
      'a session policy',
      { identity: [allowAll], session: [policy('session', allow('*'), { Sid: 'NoSend', ...denySend })] },
    ],
    [
      'the resource policy',
      { identity: [allowAll], resource: queuePolicy({ Sid: 'NoSend', ...denySend, Principal: '*' }) },
    ],
    [
      'a resource policy naming the account',
      { identity: [allowAll], resource: queuePolicy({ Sid: 'NoSend', ...denySend, Principal: { AWS: account } }) },
    ],
    [
      'a resource policy that also allows',
      {
        resource: queuePolicy(
          { ...allow('sqs:*', queue), Principal: { AWS: alice.arn } },
          { Sid: 'NoSend', ...denySend, Principal: { AWS: alice.arn } },
        ),
      },
    ],
  ];
  for (const [where, setup] of places) {
    it(`an explicit Deny in ${where} beats every Allow`, () => {
      const decision = decide(setup, send);
      assert.equal(decision.decision, 'ExplicitDeny');
      assert.equal(decision.reason, 'explicit-deny');
      assert.deepEqual(
        decision.matched.map((m) => [m.statement, m.effect]),
        [['NoSend', 'Deny']],
      );
    });
  }

  it('reports every Deny that matched', () => {
    const setup = {
      identity: [
        policy(
          'identity',
          { Sid: 'A', ...deny('sqs:*') },
          { Sid: 'B', ...deny('sqs:Send*') },
          { Sid: 'C', ...deny('kms:*') },
        ),
      ],
    };
    assert.deepEqual(
      decide(setup, send).matched.map((m) => m.statement),
      ['A', 'B'],
    );
  });

  it('a Deny whose condition does not hold does not deny', () => {
    const noPlainText = deny('sqs:*', '*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    const setup = { identity: [policy('identity', allow('sqs:*'), noPlainText)] };
    assert.equal(decide(setup, request('sqs:SendMessage', queue, { 'aws:SecureTransport': true })).decision, 'Allow');
    assert.equal(
      decide(setup, request('sqs:SendMessage', queue, { 'aws:SecureTransport': false })).decision,
      'ExplicitDeny',
    );
  });

  it('the root is allowed everything a Deny does not forbid', () => {
    assert.deepEqual(decide({}, request('kms:ScheduleKeyDeletion', '*', {}, root)), {
      decision: 'Allow',
      reason: 'root',
      matched: [],
    });
    const guarded = queuePolicy({ ...deny('sqs:DeleteQueue'), Principal: '*' });
    assert.equal(decide({ resource: guarded }, request('sqs:DeleteQueue', queue, {}, root)).decision, 'ExplicitDeny');
  });
});

// reference_policies_evaluation-logic ("Evaluating identity-based policies with resource-based policies")
// and _policy-eval-basics: within one account an Allow in either suffices.
describe('resource policies in the same account', () => {
  it('a resource policy naming the user allows without any identity policy', () => {
    const resource = queuePolicy({
      Sid: 'AliceSends',
      ...allow('sqs:SendMessage', queue),
      Principal: { AWS: alice.arn },
    });
    const decision = decide({ resource }, send);
    assert.equal(decision.decision, 'Allow');
    assert.equal(decision.reason, 'resource-policy');
    assert.deepEqual(decision.matched[0], {
      policyId: resource.id,
      statement: 'AliceSends',
      index: 0,
      effect: 'Allow',
      layer: 'resource',
    });
    assert.equal(decide({ resource }, request('sqs:SendMessage', queue, {}, bob)).decision, 'ImplicitDeny');
  });

  it('a resource policy naming the role allows its sessions', () => {
    const resource = queuePolicy({ ...allow('sqs:SendMessage', queue), Principal: { AWS: producerRoleArn } });
    assert.equal(decide({ resource }, sendAsSession).decision, 'Allow');
    // Without the role's path in the request, the role is recognised by account and name.
    const { roleArn: _, ...withoutPath } = producerSession;
    assert.equal(decide({ resource }, request('sqs:SendMessage', queue, {}, withoutPath)).decision, 'Allow');
  });

  it('a resource policy naming the session itself allows it', () => {
    const resource = queuePolicy({ ...allow('sqs:SendMessage', queue), Principal: { AWS: producerSession.arn } });
    assert.equal(decide({ resource }, sendAsSession).decision, 'Allow');
  });

  it('a resource policy naming only the account delegates to identity policies', () => {
    const resource = queuePolicy({ ...allow('sqs:*', queue), Principal: { AWS: account } });
    assert.equal(decide({ resource }, send).decision, 'ImplicitDeny');
    assert.equal(
      decide({ resource, identity: [policy('identity', allow('sqs:SendMessage'))] }, send).decision,
      'Allow',
    );
  });

  it('Principal "*" allows anyone, within the conditions it sets', () => {
    const resource = queuePolicy({
      ...allow('sqs:SendMessage', queue),
      Principal: '*',
      Condition: { StringEquals: { 'aws:PrincipalAccount': account } },
    });
    assert.equal(decide({ resource }, send).decision, 'Allow');
    const stranger = { ...bob, arn: `arn:aws:iam::${otherAccount}:user/eve`, accountId: otherAccount };
    assert.equal(decide({ resource }, request('sqs:SendMessage', queue, {}, stranger)).decision, 'ImplicitDeny');
  });

  it('a resource policy for another action or principal does not allow', () => {
    const resource = queuePolicy(
      { ...allow('sqs:ReceiveMessage', queue), Principal: { AWS: alice.arn } },
      { ...allow('sqs:SendMessage', queue), Principal: { AWS: bob.arn } },
    );
    assert.equal(decide({ resource }, send).decision, 'ImplicitDeny');
  });

  it('a service principal is allowed by a statement naming the service', () => {
    const events = {
      arn: 'events.amazonaws.com',
      accountId: '',
      kind: 'service' as const,
      userId: 'events.amazonaws.com',
      tags: {},
    };
    const resource = queuePolicy({
      ...allow('sqs:SendMessage', queue),
      Principal: { Service: 'events.amazonaws.com' },
      Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:events:us-east-1:${account}:rule/*` } },
    });
    const fromRule = request(
      'sqs:SendMessage',
      queue,
      { 'aws:SourceArn': `arn:aws:events:us-east-1:${account}:rule/orders` },
      events,
    );
    assert.equal(decide({ resource }, fromRule).decision, 'Allow');
    assert.equal(decide({ resource }, request('sqs:SendMessage', queue, {}, events)).decision, 'ImplicitDeny');
  });

  // reference_policies_elements_notprincipal: the listed principals are exempt only if every identity of
  // the request (session, role, account) is listed.
  it('NotPrincipal with Deny exempts only the principals it lists fully', () => {
    const guard = (listed: string[]) =>
      queuePolicy(
        { ...allow('sqs:*', queue), Principal: '*' },
        { ...deny('sqs:*', queue), NotPrincipal: { AWS: listed } },
      );
    assert.equal(decide({ resource: guard([alice.arn, account]) }, send).decision, 'Allow');
    assert.equal(decide({ resource: guard([alice.arn]) }, send).decision, 'ExplicitDeny');
    assert.equal(decide({ resource: guard([bob.arn, account]) }, send).decision, 'ExplicitDeny');
    assert.equal(
      decide({ resource: guard([producerSession.arn, producerRoleArn, account]) }, sendAsSession).decision,
      'Allow',
    );
    assert.equal(decide({ resource: guard([producerSession.arn, account]) }, sendAsSession).decision, 'ExplicitDeny');
    // The root is exempt when its account is listed.
    assert.equal(decide({ resource: guard([account]) }, request('sqs:SendMessage', queue, {}, root)).decision, 'Allow');
    assert.equal(
      decide({ resource: guard([alice.arn]) }, request('sqs:SendMessage', queue, {}, root)).decision,
      'ExplicitDeny',
    );
  });

  // access_policies_boundaries: "The NotPrincipal element with a Deny effect will always deny any IAM
  // principal that has a permissions boundary policy attached, regardless of the values specified".
  it('NotPrincipal with Deny denies a principal with a permissions boundary even when it lists it', () => {
    const guard = queuePolicy(
      { ...allow('sqs:*', queue), Principal: '*' },
      { ...deny('sqs:*', queue), NotPrincipal: { AWS: [alice.arn, account] } },
    );
    assert.equal(decide({ resource: guard }, send).decision, 'Allow');
    const boundary = policy('boundary', allow('*'));
    const decision = decide({ resource: guard, boundary, identity: [policy('identity', allow('sqs:*'))] }, send);
    assert.deepEqual([decision.decision, decision.matched[0]?.layer], ['ExplicitDeny', 'resource']);
  });
});

// access_policies_boundaries: "An entity's permissions boundary allows it to perform only the actions that
// are allowed by both its identity-based policies and its permissions boundaries"; resource-based policies
// naming the user or role session are not limited by the boundary, those naming the role are.
describe('permissions boundaries', () => {
  const identity = [policy('identity', allow(['sqs:*', 'kms:*']))];
  const boundary = policy('boundary', { Sid: 'OnlySqs', ...allow('sqs:*') });

  it('the effective permissions are the intersection of identity policies and boundary', () => {
    const sendDecision = decide({ identity, boundary }, send);
    assert.equal(sendDecision.decision, 'Allow');
    assert.deepEqual(
      sendDecision.matched.map((m) => m.layer),
      ['identity', 'boundary'],
    );
    assert.deepEqual(decide({ identity, boundary }, request('kms:Decrypt')), {
      decision: 'ImplicitDeny',
      reason: 'boundary-does-not-allow',
      matched: [],
    });
  });

  it('a boundary grants nothing by itself', () => {
    assert.equal(decide({ boundary: policy('boundary', allow('*')) }, send).decision, 'ImplicitDeny');
  });

  it('a boundary condition applies to the identity allow', () => {
    const mfaBoundary = policy(
      'boundary',
      allow('*', '*', { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }),
    );
    assert.equal(decide({ identity, boundary: mfaBoundary }, send).decision, 'ImplicitDeny');
    assert.equal(
      decide(
        { identity, boundary: mfaBoundary },
        request('sqs:SendMessage', queue, { 'aws:MultiFactorAuthPresent': true }),
      ).decision,
      'Allow',
    );
  });

  it('a resource policy naming the user is not limited by the boundary', () => {
    const resource = queuePolicy({ ...allow('kms:Decrypt', queue), Principal: { AWS: alice.arn } });
    assert.equal(decide({ boundary, resource }, request('kms:Decrypt', queue)).decision, 'Allow');
  });

  it('a resource policy naming the role, or everyone, is limited by the boundary', () => {
    const byRole = queuePolicy({ ...allow('kms:Decrypt', queue), Principal: { AWS: producerRoleArn } });
    const decryptAsSession = request('kms:Decrypt', queue, {}, producerSession);
    assert.equal(decide({ resource: byRole }, decryptAsSession).decision, 'Allow');
    assert.equal(decide({ boundary, resource: byRole }, decryptAsSession).decision, 'ImplicitDeny');
    const bySession = queuePolicy({ ...allow('kms:Decrypt', queue), Principal: { AWS: producerSession.arn } });
    assert.equal(decide({ boundary, resource: bySession }, decryptAsSession).decision, 'Allow');
    const byAnyone = queuePolicy({ ...allow('kms:Decrypt', queue), Principal: '*' });
    assert.equal(decide({ boundary, resource: byAnyone }, request('kms:Decrypt', queue)).decision, 'ImplicitDeny');
  });
});

// access_policies_session: "The resulting session's permissions are the intersection of the entity's
// identity-based policies and the session policies"; several session policies together form one.
describe('session policies', () => {
  const identity = [policy('identity', allow('sqs:*'))];

  it('narrow the identity policies', () => {
    const session = [policy('session', { Sid: 'SendOnly', ...allow('sqs:SendMessage') })];
    const decision = decide({ identity, session }, sendAsSession);
    assert.equal(decision.decision, 'Allow');
    assert.deepEqual(
      decision.matched.map((m) => `${m.layer}:${m.statement}`),
      ['identity:Statement[0]', 'session:SendOnly'],
    );
    assert.deepEqual(decide({ identity, session }, request('sqs:ReceiveMessage', queue, {}, producerSession)), {
      decision: 'ImplicitDeny',
      reason: 'session-policy-does-not-allow',
      matched: [],
    });
  });

  it('grant nothing beyond the identity policies', () => {
    const session = [policy('session', allow('*'))];
    assert.equal(
      decide({ identity, session }, request('kms:Decrypt', '*', {}, producerSession)).decision,
      'ImplicitDeny',
    );
  });

  it('several session policies allow what any of them allows', () => {
    const session = [policy('session', allow('sqs:SendMessage')), policy('session', allow('sqs:ReceiveMessage'))];
    assert.equal(
      decide({ identity, session }, request('sqs:ReceiveMessage', queue, {}, producerSession)).decision,
      'Allow',
    );
  });

  it('the boundary and the session policy must both allow', () => {
    const boundary = policy('boundary', allow('sqs:Receive*'));
    const session = [policy('session', allow('sqs:Send*'))];
    assert.equal(decide({ identity, boundary, session }, sendAsSession).reason, 'boundary-does-not-allow');
    assert.equal(
      decide({ identity, boundary: policy('boundary', allow('*')), session }, sendAsSession).decision,
      'Allow',
    );
  });

  it('a resource policy naming the session is not limited by the session policy; one naming the role is', () => {
    const session = [policy('session', allow('sqs:ReceiveMessage'))];
    const bySession = queuePolicy({ ...allow('sqs:SendMessage', queue), Principal: { AWS: producerSession.arn } });
    assert.equal(decide({ session, resource: bySession }, sendAsSession).decision, 'Allow');
    const byRole = queuePolicy({ ...allow('sqs:SendMessage', queue), Principal: { AWS: producerRoleArn } });
    assert.equal(decide({ session, resource: byRole }, sendAsSession).reason, 'session-policy-does-not-allow');
  });
});

// reference_policies_evaluation-logic-cross-account: a request for a resource of another account is allowed
// only if the principal's identity policies allow it and the resource's policy allows it too; neither
// side alone suffices, and the caller's own account's root is no exception.
describe('cross-account requests', () => {
  const eve = {
    ...bob,
    arn: `arn:aws:iam::${otherAccount}:user/eve`,
    accountId: otherAccount,
    userId: 'AIDAEVE',
    username: 'eve',
  };
  const sendAsEve = request('sqs:SendMessage', queue, {}, eve);
  const mayAnySqs = policy('identity', allow('sqs:*'));
  const namingEve = queuePolicy({ ...allow('sqs:SendMessage', queue), Principal: { AWS: eve.arn } });
  const namingEvesAccount = queuePolicy({ ...allow('sqs:SendMessage', queue), Principal: { AWS: otherAccount } });

  it('a resource policy naming the principal of another account does not grant alone', () => {
    assert.equal(decide({ resource: namingEve }, sendAsEve).decision, 'ImplicitDeny');
    assert.equal(decide({ resource: namingEve, identity: [mayAnySqs] }, sendAsEve).decision, 'Allow');
  });

  it('an identity policy does not reach into another account without its resource policy', () => {
    const refused = decide({ identity: [mayAnySqs] }, sendAsEve);
    assert.deepEqual([refused.decision, refused.reason], ['ImplicitDeny', 'resource-policy-does-not-allow']);
    const otherQueueOfBob = queuePolicy({ ...allow('sqs:SendMessage', queue), Principal: { AWS: bob.arn } });
    assert.equal(decide({ identity: [mayAnySqs], resource: otherQueueOfBob }, sendAsEve).decision, 'ImplicitDeny');
  });

  it('naming the other account delegates to its identity policies, which its boundary still limits', () => {
    assert.equal(decide({ identity: [mayAnySqs], resource: namingEvesAccount }, sendAsEve).decision, 'Allow');
    const boundary = policy('boundary', allow('kms:*'));
    assert.equal(
      decide({ identity: [mayAnySqs], boundary, resource: namingEvesAccount }, sendAsEve).reason,
      'boundary-does-not-allow',
    );
    const otherRoot = { ...root, arn: `arn:aws:iam::${otherAccount}:root`, accountId: otherAccount };
    assert.equal(decide({}, request('sqs:SendMessage', queue, {}, otherRoot)).decision, 'ImplicitDeny');
    assert.equal(
      decide({ resource: namingEvesAccount }, request('sqs:SendMessage', queue, {}, otherRoot)).decision,
      'Allow',
    );
  });
});

// id_roles_create_for-user: a trust policy is the role's resource policy for sts:AssumeRole; within one
// account it may name the user directly, or name the account and leave it to the user's identity policies.
describe('trust policies and AssumeRole', () => {
  const roleArn = `arn:aws:iam::${account}:role/auditor`;
  const assume = (principal = alice, keys = {}) => request('sts:AssumeRole', roleArn, keys, principal);
  const trustUser = parsePolicy(
    {
      Version: '2012-10-17',
      Statement: {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { AWS: alice.arn },
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
    },
    'trust',
    'trust:auditor',
  );
  const trustAccount = parsePolicy(
    { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: account } } },
    'trust',
  );

  it('a trust policy naming the user with an MFA condition', () => {
    assert.equal(
      decide({ resource: trustUser }, assume(alice, { 'aws:MultiFactorAuthPresent': true })).decision,
      'Allow',
    );
    assert.equal(decide({ resource: trustUser }, assume(alice)).decision, 'ImplicitDeny');
    assert.equal(
      decide({ resource: trustUser }, assume(bob, { 'aws:MultiFactorAuthPresent': true })).decision,
      'ImplicitDeny',
    );
  });

  it('a trust policy naming the account needs the identity policy to allow sts:AssumeRole', () => {
    assert.equal(decide({ resource: trustAccount }, assume()).decision, 'ImplicitDeny');
    const mayAssume = policy('identity', allow('sts:AssumeRole', roleArn));
    assert.equal(decide({ resource: trustAccount, identity: [mayAssume] }, assume()).decision, 'Allow');
  });

  it('a trust policy must itself allow: its conditions and actions hold even when it names the account', () => {
    const mayAssume = policy('identity', allow('sts:AssumeRole', roleArn));
    const mfaAccount = parsePolicy(
      {
        Version: '2012-10-17',
        Statement: {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { AWS: account },
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
        },
      },
      'trust',
    );
    const withoutMfa = decide({ resource: mfaAccount, identity: [mayAssume] }, assume());
    assert.deepEqual([withoutMfa.decision, withoutMfa.reason], ['ImplicitDeny', 'trust-policy-does-not-allow']);
    assert.equal(
      decide({ resource: mfaAccount, identity: [mayAssume] }, assume(alice, { 'aws:MultiFactorAuthPresent': true }))
        .decision,
      'Allow',
    );
    const tagOnly = parsePolicy(
      { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'sts:TagSession', Principal: { AWS: account } } },
      'trust',
    );
    assert.equal(decide({ resource: tagOnly, identity: [mayAssume] }, assume()).decision, 'ImplicitDeny');
  });

  it('principalMatches tells whom a trust policy designates', () => {
    assert.equal(principalMatches(trustUser, alice.arn), true);
    assert.equal(principalMatches(trustUser, bob.arn), false);
    assert.equal(principalMatches(trustAccount, bob), true);
    assert.equal(principalMatches(trustAccount, `arn:aws:iam::${otherAccount}:user/eve`), false);
    const roleTrust = parsePolicy(
      {
        Statement: {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { AWS: producerRoleArn, Service: 'lambda.amazonaws.com' },
        },
      },
      'trust',
    );
    assert.equal(principalMatches(roleTrust, producerSession), true);
    assert.equal(principalMatches(roleTrust, producerRoleArn), true);
    assert.equal(principalMatches(roleTrust, 'lambda.amazonaws.com'), true);
    assert.equal(principalMatches(roleTrust, 'events.amazonaws.com'), false);
    const denyOnly = parsePolicy({ Statement: { Effect: 'Deny', Action: 'sts:AssumeRole', Principal: '*' } }, 'trust');
    assert.equal(principalMatches(denyOnly, alice.arn), false);
  });
});

describe('reporting which statements decided', () => {
  const identity = [
    policy('identity', { Sid: 'Wide', ...allow('sqs:*') }),
    policy('identity', { Sid: 'Narrow', ...allow('sqs:SendMessage', queue) }),
  ];

  it('names the first granting statement, or all of them with explain', () => {
    assert.deepEqual(
      decide({ identity }, send).matched.map((m) => m.statement),
      ['Wide'],
    );
    assert.deepEqual(
      decide({ identity }, send, true).matched.map((m) => [m.policyId, m.statement]),
      [
        [identity[0]!.id, 'Wide'],
        [identity[1]!.id, 'Narrow'],
      ],
    );
  });

  it('with explain, lists identity and resource grants together', () => {
    const resource = queuePolicy({
      Sid: 'ForAlice',
      ...allow('sqs:SendMessage', queue),
      Principal: { AWS: producerRoleArn },
    });
    const decision = decide({ identity, resource }, sendAsSession, true);
    assert.equal(decision.reason, 'identity-policy');
    assert.deepEqual(
      decision.matched.map((m) => `${m.layer}:${m.statement}`),
      ['identity:Wide', 'identity:Narrow', 'resource:ForAlice'],
    );
  });

  it('refuses to use a policy as a kind it was not parsed as', () => {
    assert.throws(
      () => compilePolicySet({ identity: [policy('resource', { ...allow('*'), Principal: '*' })] }),
      /resource policy/,
    );
    const set = compilePolicySet({ identity: [] });
    assert.throws(() => evaluate(set, send, policy('identity', allow('*'))), /not a resource or trust policy/);
  });

  it('decides alike however many resources a set has seen (its per-resource plans are bounded)', () => {
    const set = compilePolicySet({
      identity: [policy('identity', allow('sqs:*', 'arn:aws:sqs:*:*:q-1*'), deny('sqs:*', 'arn:aws:sqs:*:*:q-17*'))],
    });
    for (let i = 0; i < 6000; i++) {
      const name = `q-${i}`;
      const expected = name.startsWith('q-17') ? 'ExplicitDeny' : name.startsWith('q-1') ? 'Allow' : 'ImplicitDeny';
      const decision = evaluate(set, request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:${name}`));
      assert.equal(decision.decision, expected, name);
    }
    assert.equal(evaluate(set, request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:q-1`)).decision, 'Allow');
  });

  it('a compiled set is reused across requests and principals', () => {
    const set = compilePolicySet({
      identity: [policy('identity', allow('sqs:*', `arn:aws:sqs:*:*:\${aws:username}-*`), deny('sqs:DeleteQueue'))],
    });
    for (const [who, name, action, expected] of [
      [alice, 'alice-in', 'sqs:SendMessage', 'Allow'],
      [bob, 'bob-in', 'sqs:SendMessage', 'Allow'],
      [bob, 'alice-in', 'sqs:SendMessage', 'ImplicitDeny'],
      [alice, 'alice-in', 'sqs:DeleteQueue', 'ExplicitDeny'],
      [alice, 'alice-in', 'sqs:SendMessage', 'Allow'],
    ] as const) {
      const decision = evaluate(set, request(action, `arn:aws:sqs:us-east-1:${account}:${name}`, {}, who));
      assert.equal(decision.decision, expected, `${who.username} ${action} ${name}`);
    }
  });
});
