import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ContextValue } from '../../src/iam/policy/index.ts';
import { parsePolicy, requestTimeKeys } from '../../src/iam/policy/index.ts';
import { conditionAllows, producerRoleArn, producerSession } from './policy-fixtures.ts';

type Case = [condition: Record<string, unknown>, keys: Record<string, ContextValue>, expected: boolean];

function table(cases: Case[]): void {
  for (const [condition, keys, expected] of cases) {
    it(`${JSON.stringify(condition)} with ${JSON.stringify(keys)} is ${expected}`, () => {
      assert.equal(conditionAllows(condition, keys), expected);
    });
  }
}

// reference_policies_elements_condition_operators, "String condition operators": case-sensitive except
// IgnoreCase; Like takes `*` and `?`; several values are ORed; a negated operator holds when none match.
describe('string operators', () => {
  table([
    [{ StringEquals: { 'aws:RequestTag/env': 'prod' } }, { 'aws:RequestTag/env': 'prod' }, true],
    [{ StringEquals: { 'aws:RequestTag/env': 'prod' } }, { 'aws:RequestTag/env': 'Prod' }, false],
    [{ StringEquals: { 'aws:RequestTag/env': ['dev', 'prod'] } }, { 'aws:RequestTag/env': 'prod' }, true],
    [{ StringEquals: { 'aws:RequestTag/env': 'pro*' } }, { 'aws:RequestTag/env': 'prod' }, false],
    [{ StringNotEquals: { 'aws:RequestTag/env': ['dev', 'test'] } }, { 'aws:RequestTag/env': 'prod' }, true],
    [{ StringNotEquals: { 'aws:RequestTag/env': ['dev', 'test'] } }, { 'aws:RequestTag/env': 'test' }, false],
    [{ StringEqualsIgnoreCase: { 'aws:RequestTag/env': 'PROD' } }, { 'aws:RequestTag/env': 'prod' }, true],
    [{ StringNotEqualsIgnoreCase: { 'aws:RequestTag/env': 'PROD' } }, { 'aws:RequestTag/env': 'prod' }, false],
    [{ StringLike: { 'aws:RequestTag/env': 'pr*' } }, { 'aws:RequestTag/env': 'prod' }, true],
    [{ StringLike: { 'aws:RequestTag/env': 'pr?d' } }, { 'aws:RequestTag/env': 'prod' }, true],
    [{ StringLike: { 'aws:RequestTag/env': 'pr?d' } }, { 'aws:RequestTag/env': 'prood' }, false],
    [{ StringLike: { 'aws:RequestTag/path': 'a.b' } }, { 'aws:RequestTag/path': 'axb' }, false],
    [{ StringNotLike: { 'aws:RequestTag/env': 'dev*' } }, { 'aws:RequestTag/env': 'prod' }, true],
    [{ StringNotLike: { 'aws:RequestTag/env': 'dev*' } }, { 'aws:RequestTag/env': 'dev-1' }, false],
    // Condition key names are case-insensitive.
    [{ StringEquals: { 'AWS:requesttag/ENV': 'prod' } }, { 'aws:RequestTag/env': 'prod' }, true],
  ]);
});

// "Numeric condition operators" and "Date condition operators" (ISO 8601 or epoch seconds).
describe('numeric and date operators', () => {
  const now = Date.UTC(2026, 4, 1, 12);
  table([
    [{ NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } }, { 'aws:MultiFactorAuthAge': 120 }, true],
    [{ NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } }, { 'aws:MultiFactorAuthAge': '3600' }, false],
    [{ NumericLessThanEquals: { 'aws:MultiFactorAuthAge': 3600 } }, { 'aws:MultiFactorAuthAge': '3600' }, true],
    [{ NumericGreaterThan: { 'sqs:DelaySeconds': '10' } }, { 'sqs:DelaySeconds': 11 }, true],
    [{ NumericGreaterThanEquals: { 'sqs:DelaySeconds': '10' } }, { 'sqs:DelaySeconds': 9 }, false],
    [{ NumericEquals: { 'sqs:DelaySeconds': ['0', '5'] } }, { 'sqs:DelaySeconds': 5 }, true],
    [{ NumericNotEquals: { 'sqs:DelaySeconds': '0' } }, { 'sqs:DelaySeconds': 5 }, true],
    [{ NumericEquals: { 'sqs:DelaySeconds': '5' } }, { 'sqs:DelaySeconds': 'five' }, false],
    [{ DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } }, requestTimeKeys(now), true],
    [{ DateLessThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } }, requestTimeKeys(now), false],
    [{ DateLessThanEquals: { 'aws:CurrentTime': '2026-05-01T12:00:00Z' } }, requestTimeKeys(now), true],
    [{ DateGreaterThanEquals: { 'aws:EpochTime': String(now / 1000 + 1) } }, requestTimeKeys(now), false],
    [{ DateEquals: { 'aws:EpochTime': '2026-05-01T12:00:00Z' } }, requestTimeKeys(now), true],
    [{ DateNotEquals: { 'aws:CurrentTime': '2026-05-01T12:00:00Z' } }, requestTimeKeys(now), false],
    [{ DateGreaterThan: { 'aws:CurrentTime': String(Date.UTC(2026, 0, 1) / 1000) } }, requestTimeKeys(now), true],
  ]);
});

// Dates are compared as AWS compares them whatever the server's time zone: a time written without a zone
// is UTC (aws:CurrentTime is), and text that is neither ISO 8601 nor epoch seconds is not a date.
describe('dates without a time zone', () => {
  const now = Date.UTC(2026, 4, 1, 12);
  const zone = process.env['TZ'];
  before(() => {
    process.env['TZ'] = 'America/New_York';
  });
  after(() => {
    if (zone === undefined) delete process.env['TZ'];
    else process.env['TZ'] = zone;
  });
  table([
    [{ DateGreaterThan: { 'aws:CurrentTime': '2026-05-01T11:00:00' } }, requestTimeKeys(now), true],
    [{ DateGreaterThan: { 'aws:CurrentTime': '2026-05-01T11:30' } }, requestTimeKeys(now), true],
    [{ DateLessThan: { 'aws:CurrentTime': '2026-05-01T13:00:00' } }, requestTimeKeys(now), true],
    [{ DateLessThan: { 'aws:CurrentTime': '2026-05-01T14:00:00+02:00' } }, requestTimeKeys(now), false],
    [{ DateEquals: { 'aws:CurrentTime': '2026-05-01T12:00:00' } }, requestTimeKeys(now), true],
    [{ DateGreaterThanEquals: { 'aws:CurrentTime': '2026-05-01' } }, requestTimeKeys(now), true],
  ]);

  it('refuses dates in other formats, which would be read in local time', () => {
    for (const value of ['May 1, 2026', '2026-05-01 11:00:00', '05/01/2026']) {
      assert.throws(
        () =>
          parsePolicy(
            {
              Statement: {
                Effect: 'Allow',
                Action: '*',
                Resource: '*',
                Condition: { DateLessThan: { 'aws:CurrentTime': value } },
              },
            },
            'identity',
          ),
        /is not an ISO 8601 date or epoch time/,
      );
    }
  });
});

// "Boolean condition operators", "Binary condition operators".
describe('Bool and Binary', () => {
  table([
    [{ Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': true }, true],
    [{ Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': false }, false],
    [{ Bool: { 'aws:MultiFactorAuthPresent': true } }, { 'aws:MultiFactorAuthPresent': 'true' }, true],
    [{ Bool: { 'aws:MultiFactorAuthPresent': 'false' } }, { 'aws:MultiFactorAuthPresent': 'TRUE' }, false],
    [{ BinaryEquals: { 'pciq:Digest': 'QmluYXJ5VmFsdWU=' } }, { 'pciq:Digest': 'QmluYXJ5VmFsdWU=' }, true],
  ]);
});

// "IP address condition operators": RFC 4632 CIDR for IPv4 and IPv6.
describe('IpAddress and NotIpAddress', () => {
  table([
    [{ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '203.0.113.9' }, true],
    [{ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '203.0.114.9' }, false],
    [{ IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '203.0.113.7'] } }, { 'aws:SourceIp': '203.0.113.7' }, true],
    [{ IpAddress: { 'aws:SourceIp': '203.0.113.7' } }, { 'aws:SourceIp': '203.0.113.8' }, false],
    [{ IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }, { 'aws:SourceIp': '198.51.100.1' }, true],
    [{ IpAddress: { 'aws:SourceIp': '2001:db8::/32' } }, { 'aws:SourceIp': '2001:db8:85a3::8a2e:370:7334' }, true],
    [{ IpAddress: { 'aws:SourceIp': '2001:db8::/32' } }, { 'aws:SourceIp': '2001:db9::1' }, false],
    [{ IpAddress: { 'aws:SourceIp': '::1' } }, { 'aws:SourceIp': '::1' }, true],
    [{ IpAddress: { 'aws:SourceIp': '2001:db8:0:0::/64' } }, { 'aws:SourceIp': '2001:db8::ffff:1' }, true],
    // An IPv4 client on a dual-stack socket is reported as ::ffff:a.b.c.d.
    [{ IpAddress: { 'aws:SourceIp': '10.1.0.0/16' } }, { 'aws:SourceIp': '::ffff:10.1.2.3' }, true],
    // IPv4 ranges never match IPv6 addresses and the reverse.
    [{ IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }, { 'aws:SourceIp': '2001:db8::1' }, false],
    [{ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': '192.0.2.1' }, true],
    [{ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': '10.9.9.9' }, false],
    [{ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': 'not-an-ip' }, false],
  ]);
});

// "Amazon Resource Name (ARN) condition operators".
describe('ARN operators', () => {
  table([
    [
      { ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:123456789012:topic' } },
      { 'aws:SourceArn': 'arn:aws:sns:us-east-1:123456789012:topic' },
      true,
    ],
    [
      { ArnLike: { 'aws:SourceArn': 'arn:aws:sns:*:123456789012:*' } },
      { 'aws:SourceArn': 'arn:aws:sns:eu-west-1:123456789012:alerts' },
      true,
    ],
    [
      { ArnLike: { 'aws:SourceArn': 'arn:aws:sns:*:123456789012:*' } },
      { 'aws:SourceArn': 'arn:aws:sns:eu-west-1:999999999999:alerts' },
      false,
    ],
    [
      { ArnNotLike: { 'aws:SourceArn': 'arn:aws:sns:*:123456789012:*' } },
      { 'aws:SourceArn': 'arn:aws:sns:eu-west-1:999999999999:alerts' },
      true,
    ],
    [
      { ArnNotEquals: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:123456789012:topic' } },
      { 'aws:SourceArn': 'arn:aws:sns:us-east-1:123456789012:topic' },
      false,
    ],
  ]);

  it('ArnLike on aws:PrincipalArn sees a session as its role', () => {
    const condition = { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/service/*' } };
    assert.equal(conditionAllows(condition, {}, producerSession), true);
    assert.equal(conditionAllows({ ArnEquals: { 'aws:PrincipalArn': producerRoleArn } }, {}, producerSession), true);
    assert.equal(conditionAllows(condition, {}), false);
  });
});

// "Condition keys that are not present": false, except for negated operators, ...IfExists and Null.
describe('missing keys, IfExists and Null', () => {
  table([
    [{ StringEquals: { 'aws:RequestTag/env': 'prod' } }, {}, false],
    [{ StringNotEquals: { 'aws:RequestTag/env': 'prod' } }, {}, true],
    [{ StringNotLike: { 'aws:RequestTag/env': 'p*' } }, {}, true],
    [{ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, {}, true],
    [{ ArnNotLike: { 'aws:SourceArn': 'arn:aws:sns:*' } }, {}, true],
    [{ NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } }, {}, false],
    [{ Bool: { 'aws:MultiFactorAuthPresent': 'true' } }, {}, false],
    [{ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, {}, false],
    [{ StringEqualsIfExists: { 'aws:RequestTag/env': 'prod' } }, {}, true],
    [{ StringEqualsIfExists: { 'aws:RequestTag/env': 'prod' } }, { 'aws:RequestTag/env': 'dev' }, false],
    [{ NumericLessThanIfExists: { 'aws:MultiFactorAuthAge': '3600' } }, {}, true],
    [{ NumericLessThanIfExists: { 'aws:MultiFactorAuthAge': '3600' } }, { 'aws:MultiFactorAuthAge': 7200 }, false],
    [{ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } }, {}, true],
    [{ Null: { 'aws:MultiFactorAuthAge': 'true' } }, {}, true],
    [{ Null: { 'aws:MultiFactorAuthAge': 'true' } }, { 'aws:MultiFactorAuthAge': 10 }, false],
    [{ Null: { 'aws:MultiFactorAuthAge': 'false' } }, { 'aws:MultiFactorAuthAge': 10 }, true],
    [{ Null: { 'aws:TagKeys': 'true' } }, { 'aws:TagKeys': [] }, true],
  ]);

  it('aws:username is missing for a role session, so Null is true and StringEquals false', () => {
    assert.equal(conditionAllows({ Null: { 'aws:username': 'true' } }, {}, producerSession), true);
    // Even if the caller fills in a name: AWS sets aws:username for IAM users only.
    assert.equal(
      conditionAllows({ Null: { 'aws:username': 'true' } }, {}, { ...producerSession, username: 'producer' }),
      true,
    );
    assert.equal(conditionAllows({ StringLike: { 'aws:username': '*' } }, {}, producerSession), false);
  });

  it('principal keys come from the principal and cannot be supplied as request keys', () => {
    assert.equal(
      conditionAllows({ StringEquals: { 'aws:username': 'mallory' } }, { 'aws:username': 'mallory' }),
      false,
    );
    assert.equal(conditionAllows({ StringEquals: { 'aws:PrincipalTag/team': 'payments' } }, {}), true);
    assert.equal(
      conditionAllows({ StringEquals: { 'aws:PrincipalAccount': '123456789012', 'aws:PrincipalType': 'User' } }, {}),
      true,
    );
  });
});

// reference_policies_condition-single-vs-multi-valued-context-keys: ForAllValues holds when every request
// value matches some policy value (and when the key is missing or empty); ForAnyValue when one does.
describe('ForAllValues and ForAnyValue', () => {
  table([
    [{ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'owner'] } }, { 'aws:TagKeys': ['env'] }, true],
    [{ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'owner'] } }, { 'aws:TagKeys': ['env', 'owner'] }, true],
    [{ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'owner'] } }, { 'aws:TagKeys': ['env', 'cost'] }, false],
    [{ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } }, {}, true],
    [{ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } }, { 'aws:TagKeys': [] }, true],
    [{ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env', 'owner'] } }, { 'aws:TagKeys': ['cost', 'owner'] }, true],
    [{ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env', 'owner'] } }, { 'aws:TagKeys': ['cost'] }, false],
    [{ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env'] } }, {}, false],
    [{ 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': ['env'] } }, {}, true],
    [{ 'ForAnyValue:StringLike': { 'aws:TagKeys': 'key1*' } }, { 'aws:TagKeys': ['a', 'key1:legal'] }, true],
    // The AWS example "ForAllValues:StringNotLike aws:TagKeys key1*" (condition_examples-multi-valued).
    [{ 'ForAllValues:StringNotLike': { 'aws:TagKeys': 'key1*' } }, { 'aws:TagKeys': ['key1:legal'] }, false],
    [
      { 'ForAllValues:StringNotLike': { 'aws:TagKeys': 'key1*' } },
      { 'aws:TagKeys': ['key1:hr', 'key1:personnel'] },
      false,
    ],
    [{ 'ForAllValues:StringNotLike': { 'aws:TagKeys': 'key1*' } }, { 'aws:TagKeys': ['key2:audit'] }, true],
    [{ 'ForAllValues:StringNotLike': { 'aws:TagKeys': 'key1*' } }, {}, true],
    [{ 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['env'] } }, { 'aws:TagKeys': ['env', 'cost'] }, true],
    [{ 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['env'] } }, { 'aws:TagKeys': ['env'] }, false],
    // A plain operator on a multivalued key: any value matching is a match; negated as a whole.
    [{ StringEquals: { 'aws:TagKeys': 'env' } }, { 'aws:TagKeys': ['cost', 'env'] }, true],
    [{ StringNotEquals: { 'aws:TagKeys': 'env' } }, { 'aws:TagKeys': ['cost', 'env'] }, false],
  ]);
});

// "Creating a condition with multiple keys or values": operators and keys ANDed, values ORed.
describe('several conditions', () => {
  const condition = {
    Bool: { 'aws:SecureTransport': 'true' },
    IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.0.2.0/24'] },
    StringEquals: { 'aws:RequestTag/env': 'prod', 'aws:RequestTag/owner': 'alice' },
  };
  const all = {
    'aws:SecureTransport': true,
    'aws:SourceIp': '192.0.2.5',
    'aws:RequestTag/env': 'prod',
    'aws:RequestTag/owner': 'alice',
  };
  table([
    [condition, all, true],
    [condition, { ...all, 'aws:SecureTransport': false }, false],
    [condition, { ...all, 'aws:SourceIp': '198.51.100.1' }, false],
    [condition, { ...all, 'aws:RequestTag/owner': 'bob' }, false],
    [condition, { ...all, 'aws:RequestTag/env': undefined }, false],
  ]);
});
