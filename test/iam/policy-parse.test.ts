import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPciqError } from '../../src/core/index.ts';
import { type PolicyKind, parsePolicy, policyQuotas, policySize } from '../../src/iam/policy/index.ts';

function rejects(document: unknown, kind: PolicyKind, message: RegExp): void {
  assert.throws(
    () => parsePolicy(document as object, kind),
    (error) => isPciqError(error) && error.code === 'MalformedPolicyDocument' && message.test(error.message),
  );
}

const statement = { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' };

describe('parsing policy documents', () => {
  it('accepts a single statement object or an array, and reads Version', () => {
    const one = parsePolicy({ Version: '2012-10-17', Statement: statement }, 'identity', 'p');
    assert.equal(one.version, '2012-10-17');
    assert.equal(one.statements.length, 1);
    assert.deepEqual(one.statements[0]!.action, ['sqs:SendMessage']);
    assert.equal(one.statements[0]!.label, 'Statement[0]');
    const many = parsePolicy(JSON.stringify({ Statement: [statement, { ...statement, Sid: 'Two' }] }), 'identity');
    assert.equal(many.version, '2008-10-17', 'AWS assumes 2008-10-17 when Version is left out');
    assert.equal(many.statements[1]!.label, 'Two');
    assert.equal(many.id, 'identity');
  });

  it('refuses what is not JSON, without echoing the document', () => {
    rejects('{"Statement": [', 'identity', /^Syntax errors in policy: the document is not valid JSON/);
    rejects('[1]', 'identity', /must be a JSON object/);
  });

  // Messages below use AWS IAM's own wording, prefixed by the statement they concern.
  const cases: [string, unknown, PolicyKind, RegExp][] = [
    ['an unknown version', { Version: '2020-01-01', Statement: statement }, 'identity', /valid version string/],
    ['no Statement', { Version: '2012-10-17' }, 'identity', /Missing required field Statement/],
    ['an empty Statement list', { Statement: [] }, 'identity', /no statements/],
    ['an unknown top-level field', { Statement: statement, Extra: 1 }, 'identity', /unknown field Extra/],
    [
      'an unknown statement field',
      { Statement: { ...statement, Actions: 'x' } },
      'identity',
      /Statement\[0\]: .*unknown field Actions/,
    ],
    [
      'a missing Effect',
      { Statement: { Action: 'sqs:*', Resource: '*' } },
      'identity',
      /Missing required field Effect/,
    ],
    ['a wrongly cased Effect', { Statement: { ...statement, Effect: 'allow' } }, 'identity', /Invalid effect: allow/],
    ['no actions', { Statement: { Effect: 'Allow', Resource: '*' } }, 'identity', /must contain actions/],
    [
      'Action with NotAction',
      { Statement: { ...statement, NotAction: 'sqs:*' } },
      'identity',
      /both Action and NotAction/,
    ],
    [
      'an action without a vendor',
      { Statement: { ...statement, Action: 'SendMessage' } },
      'identity',
      /prefaced by a vendor/,
    ],
    ['an empty action list', { Statement: { ...statement, Action: [] } }, 'identity', /Action must be a non-empty/],
    ['no resources', { Statement: { Effect: 'Allow', Action: 'sqs:*' } }, 'identity', /must contain resources/],
    [
      'a resource that is no ARN',
      { Statement: { ...statement, Resource: 'orders' } },
      'identity',
      /Resource orders must be in ARN format or "\*"/,
    ],
    [
      'Resource with NotResource',
      { Statement: { ...statement, NotResource: '*' } },
      'identity',
      /both Resource and NotResource/,
    ],
    [
      'a principal in an identity policy',
      { Statement: { ...statement, Principal: '*' } },
      'identity',
      /should not specify a principal/,
    ],
    [
      'a principal in a boundary',
      { Statement: { ...statement, Principal: '*' } },
      'boundary',
      /should not specify a principal/,
    ],
    [
      'a principal in a session policy',
      { Statement: { ...statement, NotPrincipal: '*' } },
      'session',
      /should not specify a principal/,
    ],
    ['no principal in a resource policy', { Statement: statement }, 'resource', /Missing required field Principal/],
    [
      'both Principal and NotPrincipal',
      { Statement: { ...statement, Principal: '*', NotPrincipal: '*' } },
      'resource',
      /both Principal and NotPrincipal/,
    ],
    [
      'a partial wildcard principal',
      { Statement: { ...statement, Principal: { AWS: 'arn:aws:iam::123456789012:user/*' } } },
      'resource',
      /Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user\/\*"/,
    ],
    [
      'a principal that is no ARN',
      { Statement: { ...statement, Principal: { AWS: 'alice' } } },
      'resource',
      /Invalid principal/,
    ],
    [
      'an unknown principal type',
      { Statement: { ...statement, Principal: { User: 'x' } } },
      'resource',
      /unknown principal type "User"/,
    ],
    [
      'a Resource in a trust policy',
      { Statement: { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: '123456789012' }, Resource: '*' } },
      'trust',
      /Has prohibited field Resource/,
    ],
    [
      'a non-STS action in a trust policy',
      { Statement: { Effect: 'Allow', Action: 'sqs:SendMessage', Principal: { AWS: '123456789012' } } },
      'trust',
      /may only specify STS AssumeRole actions/,
    ],
    [
      'NotPrincipal in a trust policy',
      { Statement: { Effect: 'Allow', Action: 'sts:AssumeRole', NotPrincipal: { AWS: '123456789012' } } },
      'trust',
      /prohibited field NotPrincipal/,
    ],
    [
      'a non-alphanumeric Sid in IAM',
      { Statement: { ...statement, Sid: 'send-orders' } },
      'identity',
      /\(Sid send-orders\): Statement IDs \(SID\) must be alpha-numeric/,
    ],
    [
      'duplicate Sids',
      {
        Statement: [
          { ...statement, Sid: 'A' },
          { ...statement, Sid: 'A' },
        ],
      },
      'identity',
      /must be unique: A/,
    ],
    [
      'an unknown condition operator',
      { Statement: { ...statement, Condition: { StringEq: { 'aws:username': 'a' } } } },
      'identity',
      /Invalid Condition type : StringEq/,
    ],
    [
      'NullIfExists',
      { Statement: { ...statement, Condition: { NullIfExists: { 'aws:username': 'true' } } } },
      'identity',
      /Invalid Condition type : NullIfExists/,
    ],
    [
      'a condition key without vendor',
      { Statement: { ...statement, Condition: { StringEquals: { username: 'a' } } } },
      'identity',
      /prefaced by a vendor/,
    ],
    [
      'a non-numeric Numeric value',
      { Statement: { ...statement, Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': 'soon' } } } },
      'identity',
      /"soon" is not a number/,
    ],
    [
      'a bad date',
      { Statement: { ...statement, Condition: { DateGreaterThan: { 'aws:CurrentTime': 'tomorrow' } } } },
      'identity',
      /not an ISO 8601 date/,
    ],
    [
      'a bad Bool',
      { Statement: { ...statement, Condition: { Bool: { 'aws:SecureTransport': 'yes' } } } },
      'identity',
      /"true" or "false"/,
    ],
    [
      'a bad CIDR',
      { Statement: { ...statement, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } } } },
      'identity',
      /IPv4 or IPv6 address or CIDR/,
    ],
    [
      'a condition with no values',
      { Statement: { ...statement, Condition: { StringEquals: { 'aws:username': [] } } } },
      'identity',
      /has no values/,
    ],
    [
      'a character outside U+0020..U+00FF',
      { Statement: { ...statement, Sid: 'A\u0100' } },
      'identity',
      /can contain only/,
    ],
  ];
  for (const [what, document, kind, message] of cases) {
    it(`refuses ${what}`, () => rejects(document, kind, message));
  }

  it('says which statement is wrong', () => {
    rejects(
      { Statement: [statement, statement, { ...statement, Sid: 'Third', Effect: 'Maybe' }] },
      'identity',
      /^Statement\[2\] \(Sid Third\): Invalid effect/,
    );
  });

  it('accepts resource-policy Sids that IAM would refuse, and principals in every form', () => {
    const parsed = parsePolicy(
      {
        Version: '2012-10-17',
        Id: 'queue-policy',
        Statement: [
          {
            Sid: 'send-from-producer',
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Resource: '*',
            Principal: { AWS: ['123456789012', 'arn:aws:iam::123456789012:role/producer'] },
          },
          {
            Sid: 'events',
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Resource: '*',
            Principal: { Service: 'events.amazonaws.com' },
          },
          {
            Sid: 'anyone',
            Effect: 'Deny',
            Action: 'sqs:*',
            Resource: '*',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': false } },
          },
        ],
      },
      'resource',
    );
    assert.deepEqual(parsed.statements[0]!.principal!.aws, [
      'arn:aws:iam::123456789012:root',
      'arn:aws:iam::123456789012:role/producer',
    ]);
    assert.deepEqual(parsed.statements[1]!.principal!.service, ['events.amazonaws.com']);
    assert.equal(parsed.statements[2]!.principal!.any, true);
    assert.deepEqual(parsed.statements[2]!.conditions, [
      { operator: 'Bool', key: 'aws:SecureTransport', values: ['false'] },
    ]);
  });

  it('accepts a trust policy with STS actions and conditions', () => {
    const trust = parsePolicy(
      {
        Version: '2012-10-17',
        Statement: {
          Effect: 'Allow',
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Principal: { AWS: 'arn:aws:iam::123456789012:user/alice' },
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
        },
      },
      'trust',
    );
    assert.equal(trust.statements[0]!.resource, undefined);
  });
});

// reference_iam-quotas: IAM counts characters without white space; SQS counts bytes (quotas-policies).
describe('policy size quotas', () => {
  function documentOfSize(approximate: number): string {
    const filler = 'a'.repeat(Math.max(0, approximate - 120));
    return JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'S',
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Resource: `arn:aws:sqs:us-east-1:123456789012:${filler}`,
        },
      ],
    });
  }

  it('counts non-white-space characters for IAM and bytes for queue policies', () => {
    assert.equal(policySize(' { "a" :\n\t1 } ', 'managed'), 7);
    assert.equal(policySize(' { "é" } ', 'queue'), 10);
  });

  it('refuses a managed policy over 6,144 characters, but not white space that takes it over', () => {
    const fits = documentOfSize(6100);
    assert.ok(policySize(fits, 'managed') <= policyQuotas.managed.limit);
    const padded = fits.replaceAll(',', ',   \n   ');
    assert.ok(padded.length > 6144);
    parsePolicy(padded, 'identity');
    assert.throws(
      () => parsePolicy(documentOfSize(6200), 'identity'),
      (error) =>
        isPciqError(error) &&
        error.code === 'LimitExceeded' &&
        /Cannot exceed quota for PolicySize: 6144/.test(error.message),
    );
  });

  it('applies the quota the caller names: a role inline policy may hold 10,240', () => {
    const large = documentOfSize(9000);
    assert.throws(() => parsePolicy(large, 'identity'), /6144/);
    parsePolicy(large, 'identity', 'inline', { quota: 'role-inline' });
    assert.throws(() => parsePolicy(large, 'identity', 'inline', { quota: 'user-inline' }), /2048/);
  });

  it('counts every character of a session policy, white space included, as STS limits its Policy parameter', () => {
    const padded = JSON.stringify(JSON.parse(documentOfSize(1900)), null, 40);
    assert.ok(policySize(padded, 'managed') <= 2048 && padded.length > 2048);
    parsePolicy(padded, 'identity', 'inline', { quota: 'user-inline' });
    assert.throws(() => parsePolicy(padded, 'session'), /Cannot exceed quota for PolicySize: 2048/);
  });

  it('limits trust and session policies to 2,048 and queue policies to 20 statements', () => {
    assert.throws(() => parsePolicy(documentOfSize(2100), 'session'), /2048/);
    const statements = Array.from({ length: 21 }, (_, i) => ({
      Sid: `S${i}`,
      Effect: 'Allow',
      Action: 'sqs:*',
      Resource: '*',
      Principal: '*',
    }));
    rejects({ Statement: statements }, 'resource', /at most 20 statements/);
  });
});
