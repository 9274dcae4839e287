import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuditConfigError, type AuditRecord, parseAuditConfig } from '../../src/audit/index.ts';
import { emptyReviewState, evaluate } from '../../src/audit/review/evaluator.ts';
import { defaultRules, parseRules, type ReviewRule } from '../../src/audit/review/rules.ts';

const start = Date.UTC(2026, 0, 5, 10);
let seq = 0;

function record(overrides: Partial<AuditRecord> & { atMs?: number } = {}): AuditRecord {
  const { atMs, ...rest } = overrides;
  return {
    v: 1,
    seq: seq++,
    prev: '0'.repeat(64),
    time: new Date(atMs ?? start).toISOString(),
    clock: 'host',
    kind: 'request',
    type: 'sqs:SendMessage',
    category: 'data',
    outcome: 'success',
    error: null,
    requestId: null,
    actor: { principal: 'arn:aws:iam::123456789012:user/app', accessKeyId: 'AKIAEXAMPLE', accountId: '123456789012' },
    origin: { ip: '198.51.100.7', userAgent: 'ua', tls: 'TLSv1.3', clientCertificate: null, node: 'n' },
    resource: null,
    data: null,
    details: null,
    ...rest,
  };
}

function failedSignature(ip: string, atMs: number, principal: string | null = null): AuditRecord {
  return record({
    atMs,
    outcome: 'failure',
    error: 'SignatureDoesNotMatch',
    actor: { principal, accessKeyId: 'AKIAEXAMPLE', accountId: null },
    origin: { ip, userAgent: 'ua', tls: 'TLSv1.3', clientCertificate: null, node: 'n' },
  });
}

function run(rules: readonly ReviewRule[], records: AuditRecord[]) {
  const state = emptyReviewState();
  return records.flatMap((item) => evaluate(rules, state, item));
}

describe('review rules', () => {
  const bruteForce = defaultRules.filter((rule) => rule.id.startsWith('brute-force'));

  it('raises a brute-force alert at the tenth failed signature from one address within five minutes, once', () => {
    const failures = Array.from({ length: 11 }, (_, i) => failedSignature('203.0.113.9', start + i * 1_000));
    const alerts = run(bruteForce, failures);
    assert.equal(alerts.length, 1);
    const [alert] = alerts;
    assert.equal(alert?.ruleId, 'brute-force-origin');
    assert.equal(alert?.severity, 'high');
    assert.equal(alert?.recordSeq, failures[9]!.seq);
    assert.deepEqual(alert?.detail.group, { field: 'origin.ip', value: '203.0.113.9' });
    assert.equal(alert?.detail.count, 10);
    assert.equal(alert?.detail.firstSeq, failures[0]!.seq);
  });

  it('stays quiet for failures spread wider than the window, or spread over addresses', () => {
    const slow = Array.from({ length: 20 }, (_, i) => failedSignature('203.0.113.9', start + i * 60_000));
    assert.deepEqual(run(bruteForce, slow), []);
    const spread = Array.from({ length: 20 }, (_, i) => failedSignature(`203.0.113.${i}`, start + i));
    assert.deepEqual(run(bruteForce, spread), []);
  });

  it('raises again after the cool-down when the attack goes on', () => {
    const burst = (from: number) => Array.from({ length: 10 }, (_, i) => failedSignature('203.0.113.9', from + i));
    const alerts = run(bruteForce, [...burst(start), ...burst(start + 60_000), ...burst(start + 400_000)]);
    assert.equal(alerts.length, 2);
  });

  it('counts failures against one principal from many addresses', () => {
    const principal = 'arn:aws:iam::123456789012:user/victim';
    const failures = Array.from({ length: 10 }, (_, i) => failedSignature(`192.0.2.${i}`, start + i, principal));
    const alerts = run(bruteForce, failures);
    assert.deepEqual(
      alerts.map((alert) => [alert.ruleId, alert.detail.group?.value]),
      [['brute-force-principal', principal]],
    );
  });

  it('counts a summary of refused connections as the connections it stands for', () => {
    const refused = (atMs: number, error: string, occurrences?: number) =>
      record({
        atMs,
        type: 'pciq:TlsHandshake',
        category: 'system',
        outcome: 'failure',
        error,
        actor: { principal: null, accessKeyId: null, accountId: null },
        origin: { ip: '203.0.113.9', userAgent: null, tls: null, clientCertificate: null, node: 'n' },
        details: occurrences === undefined ? { tlsError: 'ERR_SSL_X' } : { errorCodes: 'ERR_SSL_X', occurrences },
      });
    // A flood as the server records it: its first refusals one by one, then one summary of the rest.
    const flood = (error: string) => [
      ...Array.from({ length: 10 }, (_, i) => refused(start + i, error)),
      refused(start + 60_000, error, 190),
    ];
    const [scanning] = parseRules([
      {
        id: 'handshake-flood',
        severity: 'medium',
        kind: 'threshold',
        match: { type: ['pciq:TlsHandshake'], outcome: 'failure' },
        groupBy: 'origin.ip',
        threshold: 100,
        windowSec: 300,
      },
    ]);
    const alerts = run([scanning!], flood('TlsHandshakeFailed'));
    assert.deepEqual(
      alerts.map((alert) => [alert.ruleId, alert.detail.count, alert.detail.group?.value]),
      [['handshake-flood', 100, '203.0.113.9']],
    );
    // By default, a refused client certificate is a failed authentication, seen from a flood's first records
    // on; and any flood of refused connections raises once its records (summaries counted) reach 100.
    assert.deepEqual(
      run(defaultRules, flood('ClientCertificateRefused')).map((alert) => alert.ruleId),
      ['brute-force-origin', 'connection-flood-origin'],
    );
    assert.deepEqual(
      run(defaultRules, flood('TlsHandshakeFailed')).map((alert) => [alert.ruleId, alert.detail.count]),
      [['connection-flood-origin', 100]],
    );
    const fewRefused = run(defaultRules, [
      ...Array.from({ length: 99 }, (_, i) => refused(start + i, 'MalformedRequest')),
    ]);
    assert.deepEqual(fewRefused, [], '99 refused connections are not yet a flood');
  });

  it('raises on failed sign-ins from one address spread over many user names, known or not', () => {
    const failedLogin = (i: number) =>
      record({
        atMs: start + i * 10_000,
        kind: 'event',
        type: 'iam:Login',
        category: 'iam',
        outcome: 'failure',
        error: 'AccessDenied',
        // An unknown user's attempt names nobody; a known one's names a different user each time.
        actor: { principal: i % 2 ? null : `arn:aws:iam::123456789012:user/u${i}`, accessKeyId: null, accountId: null },
        origin: { ip: '203.0.113.77', userAgent: 'ua', tls: 'TLSv1.3', clientCertificate: null, node: 'n' },
      });
    const alerts = run(
      defaultRules,
      Array.from({ length: 10 }, (_, i) => failedLogin(i)),
    );
    assert.deepEqual(
      alerts.map((alert) => [alert.ruleId, alert.detail.group?.value]),
      [['failed-logins-origin', '203.0.113.77']],
    );
  });

  it('raises on every privilege change, key disable or deletion, failed verification and stop of logging', () => {
    const records = [
      record({ kind: 'event', type: 'iam:PutPolicy', category: 'iam', resource: 'arn:aws:iam::123456789012:policy/p' }),
      record({ kind: 'event', type: 'iam:PutPolicy', category: 'iam', outcome: 'failure' }),
      record({ kind: 'event', type: 'kms:KeyDeletionScheduled', category: 'key' }),
      record({ kind: 'event', type: 'kms:KeyEnabled', category: 'key' }),
      record({ kind: 'event', type: 'audit:VerifyTrail', category: 'audit', outcome: 'failure' }),
      record({ kind: 'event', type: 'audit:VerifyTrail', category: 'audit' }),
      record({ kind: 'event', type: 'pciq:AuditLogInterrupted', category: 'system' }),
      // An IAM API call leaves its request record and IAM's event: one alert, from the event.
      record({ kind: 'request', type: 'iam:PutUserPolicy', category: 'iam' }),
      record({ kind: 'request', type: 'sqs:AddPermission', category: 'management' }),
    ];
    assert.deepEqual(
      run(defaultRules, records).map((alert) => alert.ruleId),
      [
        'privilege-change',
        'key-disabled-or-deleted',
        'audit-verification-failed',
        'audit-logging-stopped',
        'queue-permission-change',
      ],
    );
  });

  it('raises on every change IAM reports to principals, their groups, tags, passwords and lockouts', () => {
    const changes = [
      'iam:AddUserToGroup',
      'iam:RemoveUserFromGroup',
      'iam:TagUser',
      'iam:UntagUser',
      'iam:TagRole',
      'iam:UntagRole',
      'iam:UpdateLoginProfile',
      'iam:ChangePassword',
      'iam:UnlockLogin',
      'iam:PutPermissionsBoundary',
      'iam:DeletePermissionsBoundary',
      'iam:CreateVirtualMfaDevice',
      'iam:DeactivateMfaDevice',
    ];
    const alerts = run(
      defaultRules,
      changes.map((type) => record({ kind: 'event', type, category: 'iam' })),
    );
    assert.deepEqual(
      alerts.filter((alert) => alert.ruleId === 'privilege-change').map((alert) => alert.detail.type),
      changes,
    );
  });

  it("raises on a detokenization spike far above the principal's usual volume", () => {
    const spike = defaultRules.filter((rule) => rule.id === 'detokenization-spike');
    const detokenize = (atMs: number) => record({ kind: 'event', type: 'vault:Detokenize', category: 'token', atMs });
    const usual = Array.from({ length: 60 }, (_, i) => detokenize(start + i * 60_000)); // 5 per 5-minute window
    const burst = Array.from({ length: 60 }, (_, i) => detokenize(start + 3_600_000 + i * 1_000));
    const alerts = run(spike, [...usual, ...burst]);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]?.detail.count, 50);
  });

  it("counts a role's sessions as the role: a spike spread over fresh session names still raises", () => {
    const spike = defaultRules.filter((rule) => rule.id === 'detokenization-spike');
    // Anyone allowed to assume the role names sessions at will: one per call dodges any per-session count.
    const detokenize = (atMs: number, session: number) =>
      record({
        kind: 'event',
        type: 'vault:Detokenize',
        category: 'token',
        atMs,
        actor: {
          principal: `arn:aws:sts::123456789012:assumed-role/payouts/s${session}`,
          accessKeyId: `ASIA${session}`,
          accountId: '123456789012',
        },
      });
    const usual = Array.from({ length: 60 }, (_, i) => detokenize(start + i * 60_000, i));
    const burst = Array.from({ length: 60 }, (_, i) => detokenize(start + 3_600_000 + i * 1_000, 1_000 + i));
    const alerts = run(spike, [...usual, ...burst]);
    assert.equal(alerts.length, 1);
    assert.match(alerts[0]!.summary, /arn:aws:iam::123456789012:role\/payouts/);
  });

  it('raises when a principal works at an hour it never does, once it has a history', () => {
    const hours = defaultRules.filter((rule) => rule.id === 'unusual-hours');
    const day = 24 * 3_600_000;
    const office = Array.from({ length: 300 }, (_, i) =>
      record({ atMs: start + Math.floor(i / 20) * day + (i % 8) * 3_600_000 }),
    );
    const night = record({ atMs: start + 16 * day + 17 * 3_600_000 }); // 10:00 + 17 h = 03:00 UTC
    const alerts = run(hours, [...office, night]);
    assert.equal(alerts.length, 1);
    assert.match(alerts[0]!.summary, /03:00 UTC/);
    assert.deepEqual(run(hours, [...office.slice(0, 50), night]), [], 'no alert before it has learnt');
  });

  it('never reviews the records of its own alerts', () => {
    const each: ReviewRule[] = [{ id: 'all', description: 'all', severity: 'low', kind: 'each', match: {} }];
    assert.deepEqual(run(each, [record({ kind: 'event', type: 'audit:AlertRaised', category: 'audit' })]), []);
  });
});

describe('rules as configuration', () => {
  it('reads the default rules back from JSON unchanged', () => {
    assert.deepEqual(parseRules(JSON.parse(JSON.stringify(defaultRules))), defaultRules);
  });

  it('names the rule and the field that is wrong', () => {
    const base = { id: 'r1', severity: 'high', kind: 'threshold', match: {}, groupBy: 'origin.ip', windowSec: 60 };
    assert.throws(
      () => parseRules([{ ...base, threshold: 0 }]),
      /rule r1: threshold must be a whole number of at least 1/,
    );
    assert.throws(() => parseRules([{ ...base, threshold: 3, groupBy: 'body' }]), /rule r1: groupBy must be one of/);
    assert.throws(() => parseRules([{ ...base, threshold: 3, severity: 'urgent' }]), /rule r1: severity/);
    assert.throws(() => parseRules([{ ...base, threshold: 3, match: { colour: ['red'] } }]), /unknown fields colour/);
    assert.throws(
      () =>
        parseRules([
          { ...base, threshold: 3 },
          { ...base, threshold: 3 },
        ]),
      /rule r1 is defined twice/,
    );
    assert.throws(() => parseRules([{ ...base, id: 'Bad Id', threshold: 3 }]), /rule 1: id must be/);
    assert.throws(() => parseRules({}), /rules must be a list/);
  });

  it('refuses a field the rule does not take, naming it: a misspelt one would leave the rule off its setting', () => {
    const base = { id: 'r1', severity: 'high', kind: 'threshold', match: {}, groupBy: 'origin.ip', windowSec: 60 };
    assert.throws(
      () => parseRules([{ ...base, threshold: 3, cooldownsec: 600 }]),
      /rule r1: unknown fields cooldownsec; a rule of kind threshold takes .*cooldownSec/,
    );
    // A field of another kind of rule: this rule would not do what its author meant.
    assert.throws(
      () => parseRules([{ id: 'r2', severity: 'low', kind: 'each', match: {}, threshold: 5 }]),
      /rule r2: unknown fields threshold; a rule of kind each takes/,
    );
  });
});

describe('audit configuration', () => {
  it('refuses settings it does not know, at every level, naming them', () => {
    for (const [config, pattern] of [
      [{ checkpointIntervalSecs: 30 }, /the audit configuration has unknown settings checkpointIntervalSecs/],
      [{ retention: { retainDay: 730 } }, /retention has unknown settings retainDay; known: retainDays, hotDays/],
      [{ alerts: { webhok: { url: 'https://siem.example' } } }, /alerts has unknown settings webhok/],
      [
        { alerts: { webhook: { url: 'https://siem.example', secretenv: 'S' } } },
        /alerts.webhook has unknown settings secretenv/,
      ],
      [{ retention: 730 }, /retention must be a JSON object/],
    ] as const) {
      assert.throws(
        () => parseAuditConfig(config),
        (error: Error) => {
          assert.ok(error instanceof AuditConfigError);
          assert.match(error.message, pattern);
          return true;
        },
      );
    }
  });
});
