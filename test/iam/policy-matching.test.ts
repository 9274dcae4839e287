import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePolicySet, evaluate, parsePolicy } from '../../src/iam/policy/index.ts';
import { account, alice, allow, bob, decide, producerSession, queue, request } from './policy-fixtures.ts';

// reference_policies_elements_action: action names are case-insensitive; `*` and `?` match within them.
describe('matching actions', () => {
  const cases: [string | string[], string, boolean][] = [
    ['sqs:SendMessage', 'sqs:SendMessage', true],
    ['sqs:sendmessage', 'SQS:SendMessage', true],
    ['sqs:SendMessage', 'sqs:SendMessageBatch', false],
    ['sqs:Send*', 'sqs:SendMessageBatch', true],
    ['sqs:Send*', 'sqs:ReceiveMessage', false],
    ['sqs:*', 'sqs:DeleteQueue', true],
    ['sqs:*', 'kms:Decrypt', false],
    ['*', 'kms:Decrypt', true],
    ['sqs:?etQueueUrl', 'sqs:GetQueueUrl', true],
    ['sqs:?etQueueUrl', 'sqs:GGetQueueUrl', false],
    ['*:Get*', 'kms:GetKeyPolicy', true],
    ['s?s:Get*', 'sqs:GetQueueAttributes', true],
    [['kms:Decrypt', 'sqs:Receive*'], 'sqs:ReceiveMessage', true],
    [['kms:Decrypt', 'sqs:Receive*'], 'kms:Encrypt', false],
  ];
  for (const [pattern, action, expected] of cases) {
    it(`${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${action}`, () => {
      assert.equal(decide([allow(pattern)], request(action)), expected ? 'Allow' : 'ImplicitDeny');
    });
  }

  // reference_policies_elements_notaction: an Allow with NotAction allows everything except the listed.
  it('NotAction applies to every action but those listed', () => {
    const statements = [{ Effect: 'Allow', NotAction: ['iam:*', 'kms:Schedule*'], Resource: '*' }];
    assert.equal(decide(statements, request('sqs:SendMessage')), 'Allow');
    assert.equal(decide(statements, request('kms:Decrypt')), 'Allow');
    assert.equal(decide(statements, request('kms:ScheduleKeyDeletion')), 'ImplicitDeny');
    assert.equal(decide(statements, request('IAM:CreateUser')), 'ImplicitDeny');
  });

  it('a Deny with NotAction denies everything but the listed actions', () => {
    const statements = [allow('*'), { Effect: 'Deny', NotAction: 'sqs:ReceiveMessage', Resource: '*' }];
    assert.equal(decide(statements, request('sqs:ReceiveMessage')), 'Allow');
    assert.equal(decide(statements, request('sqs:SendMessage')), 'ExplicitDeny');
  });
});

// reference_policies_elements_resource: wildcards within ARN segments; a `*` ending a segment may expand
// beyond colons; the resource part takes `*` across `/` and `:`.
describe('matching resources', () => {
  const cases: [string, string, boolean][] = [
    ['*', queue, true],
    [queue, queue, true],
    [queue, `${queue}-dlq`, false],
    [`arn:aws:sqs:us-east-1:${account}:*`, queue, true],
    [`arn:aws:sqs:*:${account}:orders`, 'arn:aws:sqs:eu-west-1:123456789012:orders', true],
    [`arn:aws:sqs:*:${account}:orders`, 'arn:aws:sqs:eu-west-1:999999999999:orders', false],
    ['arn:aws:sqs:*:*:orders-*', `arn:aws:sqs:us-east-1:${account}:orders-eu`, true],
    ['arn:aws:sqs:*:*:orders-*', `arn:aws:sqs:us-east-1:${account}:payments`, false],
    ['arn:aws:sqs:us-east-?:*:orders', `arn:aws:sqs:us-east-1:${account}:orders`, true],
    ['arn:aws:sqs:us-east-?:*:orders', `arn:aws:sqs:us-east-10:${account}:orders`, false],
    ['arn:aws:sqs:*', queue, true],
    ['arn:aws:sqs:*', 'arn:aws:kms:us-east-1:123456789012:key/abc', false],
    [`arn:aws:kms:us-east-1:${account}:key/*`, `arn:aws:kms:us-east-1:${account}:key/1234`, true],
    [`arn:aws:kms:us-east-1:${account}:key/*`, `arn:aws:kms:us-east-1:${account}:alias/orders`, false],
    [`arn:aws:iam::${account}:user/accounting/*`, `arn:aws:iam::${account}:user/accounting/eu/carol`, true],
    // Case-sensitive, unlike actions.
    [`arn:aws:sqs:us-east-1:${account}:Orders`, queue, false],
    // Wildcards in a segment before the resource part stay within it.
    ['arn:aws:sqs:us-*:orders', queue, false],
  ];
  for (const [pattern, resource, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${resource}`, () => {
      assert.equal(
        decide([allow('sqs:SendMessage', pattern)], request('sqs:SendMessage', resource)),
        expected ? 'Allow' : 'ImplicitDeny',
      );
    });
  }

  // reference_policies_elements_notresource
  it('NotResource applies to every resource but those listed', () => {
    const statements = [{ Effect: 'Allow', Action: 'sqs:*', NotResource: `arn:aws:sqs:*:${account}:payments*` }];
    assert.equal(decide(statements, request('sqs:SendMessage', queue)), 'Allow');
    assert.equal(
      decide(statements, request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:payments-dlq`)),
      'ImplicitDeny',
    );
  });

  it('a Deny with NotResource guards everything outside the listed resources', () => {
    const statements = [allow('sqs:*'), { Effect: 'Deny', Action: 'sqs:*', NotResource: queue }];
    assert.equal(decide(statements, request('sqs:SendMessage', queue)), 'Allow');
    assert.equal(decide(statements, request('sqs:SendMessage', `${queue}-2`)), 'ExplicitDeny');
  });
});

// reference_policies_variables
describe('policy variables', () => {
  const own = `arn:aws:sqs:us-east-1:${account}:\${aws:username}-*`;

  it('the aws:username variable stands for the requesting user', () => {
    assert.equal(
      decide([allow('sqs:*', own)], request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:alice-inbox`)),
      'Allow',
    );
    assert.equal(
      decide([allow('sqs:*', own)], request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:bob-inbox`)),
      'ImplicitDeny',
    );
    assert.equal(
      decide([allow('sqs:*', own)], request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:bob-inbox`, {}, bob)),
      'Allow',
    );
  });

  it('a variable without a value matches nothing (a role session has no aws:username)', () => {
    const resource = `arn:aws:sqs:us-east-1:${account}:-inbox`;
    assert.equal(
      decide([allow('sqs:*', own)], request('sqs:SendMessage', resource, {}, producerSession)),
      'ImplicitDeny',
    );
  });

  it('a NotResource with a variable without a value matches nothing either: the statement does not apply', () => {
    const queueOf = (name: string) => `arn:aws:sqs:us-east-1:${account}:${name}`;
    const allButOwnPrivate = {
      Effect: 'Allow',
      Action: 'sqs:*',
      NotResource: `arn:aws:sqs:*:*:\${aws:username}-private`,
    };
    assert.equal(decide([allButOwnPrivate], request('sqs:SendMessage', queueOf('orders'))), 'Allow');
    assert.equal(decide([allButOwnPrivate], request('sqs:SendMessage', queueOf('alice-private'))), 'ImplicitDeny');
    assert.equal(
      decide([allButOwnPrivate], request('sqs:SendMessage', queueOf('x-private'), {}, producerSession)),
      'ImplicitDeny',
    );
    const denyOutsideOwn = { Effect: 'Deny', Action: 'sqs:*', NotResource: own };
    assert.equal(
      decide([allow('sqs:*'), denyOutsideOwn], request('sqs:SendMessage', queueOf('orders'), {}, producerSession)),
      'Allow',
    );
    assert.equal(
      decide([allow('sqs:*'), denyOutsideOwn], request('sqs:SendMessage', queueOf('orders'))),
      'ExplicitDeny',
    );
  });

  it('a default value stands in for a missing key', () => {
    const pattern = `arn:aws:sqs:us-east-1:${account}:\${aws:username, 'shared'}-*`;
    assert.equal(
      decide(
        [allow('sqs:*', pattern)],
        request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:shared-inbox`, {}, producerSession),
      ),
      'Allow',
    );
    assert.equal(
      decide([allow('sqs:*', pattern)], request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:alice-inbox`)),
      'Allow',
    );
  });

  it('aws:userid and aws:PrincipalTag/key variables (tag keys case-insensitive)', () => {
    assert.equal(
      decide(
        [allow('sqs:*', `arn:aws:sqs:*:*:\${aws:userid}`)],
        request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:AIDAALICE`),
      ),
      'Allow',
    );
    assert.equal(
      decide(
        [allow('sqs:*', `arn:aws:sqs:*:*:\${aws:PrincipalTag/Team}-*`)],
        request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:payments-in`),
      ),
      'Allow',
    );
    assert.equal(
      decide(
        [allow('sqs:*', `arn:aws:sqs:*:*:\${aws:PrincipalTag/team}-*`)],
        request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:orders-in`),
      ),
      'ImplicitDeny',
    );
  });

  it('a value is literal text: a user named with a wildcard gets no wildcard', () => {
    const starry = { ...alice, arn: `arn:aws:iam::${account}:user/a*`, username: 'a*' };
    assert.equal(
      decide(
        [allow('sqs:*', `arn:aws:sqs:*:*:\${aws:username}`)],
        request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:abc`, {}, starry),
      ),
      'ImplicitDeny',
    );
    assert.equal(
      decide(
        [allow('sqs:*', `arn:aws:sqs:*:*:\${aws:username}`)],
        request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:a*`, {}, starry),
      ),
      'Allow',
    );
  });

  it('the escapes for *, ? and $ are the literal characters', () => {
    const literal = `arn:aws:sqs:*:*:q\${*}\${?}\${$}`;
    assert.equal(
      decide([allow('sqs:*', literal)], request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:q*?$`)),
      'Allow',
    );
    assert.equal(
      decide([allow('sqs:*', literal)], request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:qab$`)),
      'ImplicitDeny',
    );
  });

  it('version 2008-10-17 has no variables: they are plain text', () => {
    const old = parsePolicy(
      { Version: '2008-10-17', Statement: allow('sqs:*', `arn:aws:sqs:*:*:\${aws:username}`) },
      'identity',
    );
    assert.equal(old.version, '2008-10-17');
    assert.equal(
      decide(
        [allow('sqs:*', `arn:aws:sqs:*:*:\${aws:username}`)],
        request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:alice`),
      ),
      'Allow',
    );
    // Through the same evaluator, with the 2008 policy: the literal does not resolve.
    const set = compilePolicySet({ identity: [old] });
    assert.equal(
      evaluate(set, request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:alice`)).decision,
      'ImplicitDeny',
    );
    assert.equal(
      evaluate(set, request('sqs:SendMessage', `arn:aws:sqs:us-east-1:${account}:\${aws:username}`)).decision,
      'Allow',
    );
  });

  it('variables in condition values of String operators', () => {
    const statement = allow('sqs:SendMessage', '*', {
      Condition: { StringEquals: { 'aws:RequestTag/owner': `\${aws:username}` } },
    });
    assert.equal(decide([statement], request('sqs:SendMessage', queue, { 'aws:RequestTag/owner': 'alice' })), 'Allow');
    assert.equal(
      decide([statement], request('sqs:SendMessage', queue, { 'aws:RequestTag/owner': 'bob' })),
      'ImplicitDeny',
    );
    const negated = allow('sqs:SendMessage', '*', {
      Condition: { StringNotEquals: { 'aws:RequestTag/owner': `\${aws:username}` } },
    });
    // No value for the variable makes the statement not apply, even with a negated operator.
    assert.equal(
      decide([negated], request('sqs:SendMessage', queue, { 'aws:RequestTag/owner': 'bob' }, producerSession)),
      'ImplicitDeny',
    );
  });
});
