import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  activeMute,
  defaultPolicies,
  evaluateFilters,
  PolicyError,
  parseFilter,
  parsePolicyDocument,
} from '../../src/compliance/index.ts';
import { analysePolicy } from '../../src/compliance/policy-statements.ts';

const now = Date.UTC(2026, 5, 1);
const dayMs = 86_400_000;

describe('value filters', () => {
  const queue = {
    isSystem: false,
    kmsKey: { isCustomerKey: false, state: 'Enabled' },
    retentionSec: 1_209_600,
    tags: { team: 'payments' },
    aliases: ['alias/a', 'alias/b'],
    createdAtMs: now - 120 * dayMs,
  };

  it('matches dotted keys with every operator', () => {
    const cases: Array<[unknown, boolean]> = [
      [{ key: 'kmsKey.isCustomerKey', op: 'eq', value: false }, true],
      [{ key: 'kmsKey.state', op: 'ne', value: 'Enabled' }, false],
      [{ key: 'retentionSec', op: 'gt', value: 345_600 }, true],
      [{ key: 'retentionSec', op: 'le', value: 345_600 }, false],
      [{ key: 'kmsKey.state', op: 'in', value: ['Disabled', 'PendingDeletion'] }, false],
      [{ key: 'kmsKey.state', op: 'not-in', value: ['Disabled'] }, true],
      [{ key: 'aliases', op: 'contains', value: 'alias/b' }, true],
      [{ key: 'tags.team', op: 'regex', value: '^pay' }, true],
      [{ key: 'tags.owner', op: 'absent' }, true],
      [{ key: 'tags', op: 'not-empty' }, true],
      [{ key: 'createdAtMs', valueType: 'age', op: 'gt', value: 90 }, true],
      [{ key: 'aliases', valueType: 'size', op: 'eq', value: 2 }, true],
    ];
    for (const [raw, expected] of cases) {
      const filter = parseFilter(raw, 'test');
      assert.equal(evaluateFilters([filter], queue, now).isMatch, expected, JSON.stringify(raw));
    }
  });

  it('combines with and, or and not, and reports what it compared', () => {
    const filter = parseFilter(
      {
        and: [
          { key: 'isSystem', op: 'eq', value: false },
          {
            or: [
              { key: 'retentionSec', op: 'lt', value: 60 },
              { key: 'kmsKey.isCustomerKey', op: 'eq', value: false },
            ],
          },
          { not: [{ key: 'tags.team', op: 'eq', value: 'alerts' }] },
        ],
      },
      'test',
    );
    const result = evaluateFilters([filter], queue, now);
    assert.equal(result.isMatch, true);
    assert.deepEqual(
      result.evidence.map((c) => [c.key, c.actual]),
      [
        ['isSystem', false],
        ['kmsKey.isCustomerKey', false],
        ['tags.team', 'payments'],
      ],
    );
  });

  it('refuses filters that are not well formed, naming the place', () => {
    assert.throws(() => parseFilter({ key: 'a', op: 'like', value: 1 }, 'p.filters[0]'), /p\.filters\[0\]: op must be/);
    assert.throws(() => parseFilter({ key: 'a', op: 'in', value: 'x' }, 'here'), /needs a list/);
    assert.throws(() => parseFilter({ or: [] }, 'here'), /non-empty list/);
    assert.throws(() => parseFilter({ type: 'event', key: 'a' }, 'here'), /only value filters/);
  });
});

describe('policy documents', () => {
  it('ships a default pack in which every policy names PCI DSS requirements and a remediation', () => {
    const policies = defaultPolicies();
    assert.ok(policies.length >= 20);
    for (const policy of policies) {
      assert.ok(policy.requirements.length > 0, policy.name);
      assert.ok(policy.remediation.length > 20, policy.name);
      assert.ok(policy.description.length > 20, policy.name);
    }
  });

  it('refuses a document with unknown fields or a bad severity, naming file and policy', () => {
    const bad = (policy: Record<string, unknown>) =>
      parsePolicyDocument(JSON.stringify({ policies: [{ name: 'p1', resource: 'queue', ...policy }] }), 'mine.json');
    assert.throws(
      () => bad({ severty: 'high' }),
      (error: Error) =>
        error instanceof PolicyError && /mine\.json: policy p1: unknown fields severty/.test(error.message),
    );
    assert.throws(() => bad({ severity: 'urgent' }), /severity must be one of/);
    assert.throws(() => bad({ requirements: ['three'] }), /PCI DSS requirement ids/);
    assert.throws(() => bad({ mode: { type: 'periodic', intervalSec: 5 } }), /intervalSec/);
    assert.throws(() => parsePolicyDocument('{', 'x.json'), /x\.json is not valid JSON/);
  });
});

describe('resource policies', () => {
  it('finds statements open to everyone or to every action, and leaves conditioned ones alone', () => {
    const facts = analysePolicy(
      JSON.stringify({
        Statement: [
          { Sid: 'Public', Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage' },
          {
            Sid: 'FromVpc',
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 'sqs:SendMessage',
            Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } },
          },
          { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:user/a' }, Action: '*' },
          { Sid: 'DenyAll', Effect: 'Deny', Principal: '*', Action: '*' },
        ],
      }),
    );
    assert.equal(facts.isOpenToAll, true);
    assert.equal(facts.allowsAllActions, true);
    assert.deepEqual(facts.wildcardStatements, ['Public', 'Admin']);
  });
});

describe('the mutelist', () => {
  const mute = {
    rule: 'queue-without-dead-letter-queue',
    resource: 'arn:aws:sqs:us-east-1:123456789012:tmp-*',
    reason: 'scratch queues',
    owner: 'ops',
    expiresAtMs: now + dayMs,
    createdAtMs: now,
    createdBy: 'ops',
  };

  it('applies by rule and resource pattern until it expires', () => {
    assert.ok(activeMute([mute], mute.rule, 'arn:aws:sqs:us-east-1:123456789012:tmp-1', now));
    assert.equal(activeMute([mute], mute.rule, 'arn:aws:sqs:us-east-1:123456789012:orders', now), undefined);
    assert.equal(
      activeMute([mute], 'queue-policy-open-to-all', 'arn:aws:sqs:us-east-1:123456789012:tmp-1', now),
      undefined,
    );
    assert.equal(activeMute([mute], mute.rule, 'arn:aws:sqs:us-east-1:123456789012:tmp-1', now + 2 * dayMs), undefined);
  });
});
