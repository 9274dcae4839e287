import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isPciqError } from '../../src/core/index.ts';
import { IamService } from '../../src/iam/index.ts';
import { SqliteStore } from '../../src/storage/index.ts';
import { account, allow, deny, IamHarness, policy } from '../support/iam-harness.ts';

const queueArn = `arn:aws:sqs:us-east-1:${account}:orders`;
const otherQueueArn = `arn:aws:sqs:us-east-1:${account}:refunds`;
const origin = { sourceIp: '10.1.2.3', secureTransport: true };

function denied(message?: RegExp) {
  return (error: unknown) =>
    isPciqError(error) && error.code === 'AccessDenied' && (!message || message.test(error.message));
}

describe('authorization of every request (PCI DSS 7.2)', () => {
  let h: IamHarness;
  before(async () => {
    h = await new IamHarness().open();
  });
  after(() => h.close());

  it('allows the administrator everything and a user without policies nothing, in AWS words', async () => {
    const admin = await h.admin();
    await h.iam.authorize(admin, 'sqs:PurgeQueue', queueArn, { origin });
    await h.iam.authorize(admin, 'iam:CreateUser', `arn:aws:iam::${account}:user/x`, { origin });
    const nobody = await h.user('nobody');
    await assert.rejects(
      h.iam.authorize(nobody, 'sqs:SendMessage', queueArn, { origin }),
      denied(
        new RegExp(
          `^User: arn:aws:iam::${account}:user/nobody is not authorized to perform: sqs:SendMessage on resource: ${queueArn} because no identity-based policy allows the sqs:SendMessage action$`,
        ),
      ),
    );
    const refusals = await h.records('iam:AccessDenied');
    assert.equal(refusals.at(-1)?.actor.principal, nobody.principalArn);
    assert.equal(refusals.at(-1)?.resource, queueArn);
    assert.deepEqual(refusals.at(-1)?.details, { action: 'sqs:SendMessage', reason: 'no-allow', statement: null });
  });

  it('lets an explicit deny beat an allow, and records which statement decided', async () => {
    const producer = await h.user(
      'producer',
      policy(allow('sqs:*', '*')),
      policy({ Sid: 'NoPurge', ...deny('sqs:PurgeQueue', queueArn) }),
    );
    await h.iam.authorize(producer, 'sqs:SendMessage', queueArn, { origin });
    await assert.rejects(
      h.iam.authorize(producer, 'sqs:PurgeQueue', queueArn, { origin }),
      denied(/with an explicit deny in an identity-based policy$/),
    );
    const refusal = (await h.records('iam:AccessDenied')).at(-1)!;
    assert.equal(refusal.details?.statement, 'user/producer/p1#NoPurge');
    assert.equal(refusal.details?.reason, 'explicit-deny');
  });

  it('gives group policies to members, and takes them away with the membership at the next request', async () => {
    const member = await h.user('member');
    await h.iam.createGroup(account, { groupName: 'senders' });
    await h.iam.putInlinePolicy(account, {
      kind: 'group',
      entityName: 'senders',
      policyName: 'send',
      policyDocument: JSON.stringify(policy(allow('sqs:SendMessage', queueArn))),
    });
    await h.iam.addUserToGroup(account, { groupName: 'senders', userName: 'member' });
    await h.iam.directory.sync();
    await h.iam.authorize(member, 'sqs:SendMessage', queueArn);
    await h.iam.removeUserFromGroup(account, { groupName: 'senders', userName: 'member' });
    await h.iam.directory.sync();
    await assert.rejects(h.iam.authorize(member, 'sqs:SendMessage', queueArn), denied());
  });

  it('limits a user to what the permissions boundary allows', async () => {
    const bounded = await h.user('bounded', policy(allow('sqs:*')));
    const boundary = await h.iam.createPolicy(account, {
      policyName: 'only-send',
      policyDocument: JSON.stringify(policy(allow('sqs:SendMessage'))),
    });
    await h.iam.setPermissionsBoundary(account, { kind: 'user', entityName: 'bounded', policyArn: boundary.arn });
    await h.iam.directory.sync();
    await h.iam.authorize(bounded, 'sqs:SendMessage', queueArn);
    await assert.rejects(
      h.iam.authorize(bounded, 'sqs:DeleteQueue', queueArn),
      denied(/because no permissions boundary allows the sqs:DeleteQueue action$/),
    );
  });

  it('reads aws:SourceIp and aws:SecureTransport from where the request came from', async () => {
    const office = await h.user(
      'office',
      policy(allow('sqs:SendMessage', '*', { IpAddress: { 'aws:SourceIp': '10.1.0.0/16' } })),
      policy(deny('*', '*', { Bool: { 'aws:SecureTransport': 'false' } })),
    );
    await h.iam.authorize(office, 'sqs:SendMessage', queueArn, { origin });
    await h.iam.authorize(office, 'sqs:SendMessage', queueArn, {
      origin: { sourceIp: '::ffff:10.1.9.9', secureTransport: true },
    });
    await assert.rejects(
      h.iam.authorize(office, 'sqs:SendMessage', queueArn, {
        origin: { sourceIp: '192.0.2.1', secureTransport: true },
      }),
      denied(),
    );
    await assert.rejects(
      h.iam.authorize(office, 'sqs:SendMessage', queueArn, {
        origin: { sourceIp: '10.1.2.3', secureTransport: false },
      }),
      denied(/explicit deny/),
    );
  });

  it('reads aws:RequestedRegion and aws:UserAgent, which every AWS request carries', async () => {
    const regional = await h.user(
      'regional',
      policy(allow('sqs:SendMessage', '*', { StringLike: { 'aws:UserAgent': 'aws-cli/*' } })),
      policy(deny('*', '*', { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1'] } })),
    );
    const cli = { ...origin, userAgent: 'aws-cli/1.45.11 Python/3.11.7' };
    await h.iam.authorize(regional, 'sqs:SendMessage', queueArn, { origin: cli, requestedRegion: 'eu-west-1' });
    await assert.rejects(
      h.iam.authorize(regional, 'sqs:SendMessage', queueArn, { origin: cli, requestedRegion: 'us-east-1' }),
      denied(/explicit deny/),
    );
    await assert.rejects(
      h.iam.authorize(regional, 'sqs:SendMessage', queueArn, {
        origin: { ...origin, userAgent: 'Boto3/1.43' },
        requestedRegion: 'eu-west-1',
      }),
      denied(/because no identity-based policy allows/),
    );
  });

  it('reads aws:ResourceAccount from the resource, for data-perimeter denies', async () => {
    const perimeter = await h.user(
      'perimeter',
      policy(allow('sqs:*')),
      policy(deny('*', '*', { StringNotEquals: { 'aws:ResourceAccount': `\${aws:PrincipalAccount}` } })),
    );
    await h.iam.authorize(perimeter, 'sqs:SendMessage', queueArn, { origin });
    await assert.rejects(
      h.iam.authorize(perimeter, 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:999999999999:elsewhere', { origin }),
      denied(/explicit deny/),
    );
  });

  it('grants through a queue policy naming the user, and lets the queue policy deny', async () => {
    const reader = await h.user('reader', policy(allow('sqs:*', otherQueueArn)));
    const queuePolicy = JSON.stringify(
      policy(
        {
          Sid: 'Reader',
          Effect: 'Allow',
          Principal: { AWS: reader.principalArn },
          Action: 'sqs:ReceiveMessage',
          Resource: queueArn,
        },
        { Sid: 'NoPurge', Effect: 'Deny', Principal: '*', Action: 'sqs:PurgeQueue', Resource: '*' },
      ),
    );
    await h.iam.authorize(reader, 'sqs:ReceiveMessage', queueArn, { resourcePolicy: queuePolicy });
    await assert.rejects(
      h.iam.authorize(reader, 'sqs:SendMessage', queueArn, { resourcePolicy: queuePolicy }),
      denied(),
    );
    await assert.rejects(
      h.iam.authorize(reader, 'sqs:PurgeQueue', otherQueueArn, { resourcePolicy: queuePolicy }),
      denied(/explicit deny in a resource-based policy$/),
    );
    // A stored policy that does not parse grants and denies nothing.
    await h.iam.authorize(reader, 'sqs:PurgeQueue', otherQueueArn, { resourcePolicy: '{"Statement": 7}' });
  });

  it('sees MFA only on temporary credentials obtained with a code, and ages it with the clock', async () => {
    const mfaOnly = policy(
      allow('sqs:ReceiveMessage', '*', {
        Bool: { 'aws:MultiFactorAuthPresent': 'true' },
        NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' },
      }),
    );
    const person = await h.user('person', mfaOnly);
    const mfa = await h.enableMfa('person');
    await assert.rejects(h.iam.authorize(person, 'sqs:ReceiveMessage', queueArn), denied());
    const plain = await h.iam.getSessionToken(person, {});
    const plainCaller = await h.sessionCaller(plain, person.principalArn);
    await assert.rejects(h.iam.authorize(plainCaller, 'sqs:ReceiveMessage', queueArn), denied());
    const withMfa = await h.iam.getSessionToken(person, { serialNumber: mfa.serialNumber, tokenCode: mfa.code() });
    const mfaCaller = await h.sessionCaller(withMfa, person.principalArn);
    await h.iam.authorize(mfaCaller, 'sqs:ReceiveMessage', queueArn);
    await assert.rejects(
      h.iam.getSessionToken(person, { serialNumber: mfa.serialNumber, tokenCode: mfa.code() }),
      (error: unknown) => isPciqError(error) && error.code === 'AccessDenied' && /already used/.test(error.message),
    );
    await assert.rejects(
      h.iam.getSessionToken(mfaCaller, {}),
      denied(/Cannot call GetSessionToken with session credentials/),
    );
    h.clock.advance(3_600_000);
    await assert.rejects(h.iam.authorize(mfaCaller, 'sqs:ReceiveMessage', queueArn), denied());
    const checks = await h.records('iam:MfaCheck');
    assert.deepEqual(
      checks.map((record) => [record.outcome, record.details?.reason ?? null]),
      [
        ['success', null],
        ['failure', 'replayed'],
      ],
    );
  });

  it('lets a role be assumed only as its trust policy says, narrowed by a session policy', async () => {
    const roleArn = `arn:aws:iam::${account}:role/app/producer`;
    await h.iam.createRole(account, {
      roleName: 'producer',
      path: '/app/',
      assumeRolePolicyDocument: JSON.stringify(
        policy({ Effect: 'Allow', Principal: { AWS: account }, Action: 'sts:AssumeRole' }),
      ),
    });
    await h.iam.putInlinePolicy(account, {
      kind: 'role',
      entityName: 'producer',
      policyName: 'send',
      policyDocument: JSON.stringify(policy(allow(['sqs:SendMessage', 'sqs:GetQueueUrl'], queueArn))),
    });
    const deployer = await h.user('deployer', policy(allow('sts:AssumeRole', roleArn)));
    const stranger = await h.user('stranger');
    await assert.rejects(
      h.iam.assumeRole(stranger, { roleArn, roleSessionName: 'x1' }, {}),
      denied(/sts:AssumeRole on resource/),
    );
    await assert.rejects(
      h.iam.assumeRole(deployer, { roleArn: `arn:aws:iam::${account}:role/missing`, roleSessionName: 'x1' }, {}),
      denied(),
    );
    const session = await h.iam.assumeRole(
      deployer,
      {
        roleArn,
        roleSessionName: 'deploy-1',
        policy: JSON.stringify(policy(allow('sqs:GetQueueUrl'))),
        tags: { team: 'orders' },
      },
      {},
    );
    assert.equal(session.assumedRoleArn, `arn:aws:sts::${account}:assumed-role/producer/deploy-1`);
    assert.match(session.assumedRoleId, /^AROA[A-Z2-7]{17}:deploy-1$/);
    const caller = await h.sessionCaller(session, session.assumedRoleArn);
    const resolved = await h.iam.directory.resolve(caller);
    assert.equal(resolved?.principal.roleArn, roleArn);
    assert.equal(resolved?.principal.tags.team, 'orders');
    await h.iam.authorize(caller, 'sqs:GetQueueUrl', queueArn);
    await assert.rejects(
      h.iam.authorize(caller, 'sqs:SendMessage', queueArn),
      denied(/because no session policy allows the sqs:SendMessage action$/),
    );
    await assert.rejects(
      h.iam.assumeRole(deployer, { roleArn, roleSessionName: 'long', durationSec: 7200 }, {}),
      (error: unknown) =>
        isPciqError(error) && error.code === 'ValidationError' && /MaxSessionDuration/.test(error.message),
    );
    const issued = await h.records('iam:IssueSession');
    assert.ok(
      issued.some(
        (record) => record.details?.roleArn === roleArn && record.details?.issuedTo === deployer.principalArn,
      ),
    );
  });

  it('holds a trust policy naming the account to its MFA condition, whatever identity policies allow', async () => {
    const roleArn = `arn:aws:iam::${account}:role/breakglass`;
    await h.iam.createRole(account, {
      roleName: 'breakglass',
      assumeRolePolicyDocument: JSON.stringify(
        policy({
          Effect: 'Allow',
          Principal: { AWS: account },
          Action: 'sts:AssumeRole',
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
        }),
      ),
    });
    const operator = await h.user('operator', policy(allow('sts:AssumeRole', roleArn)));
    await assert.rejects(
      h.iam.assumeRole(operator, { roleArn, roleSessionName: 'no-mfa' }, {}),
      denied(
        new RegExp(
          `^User: ${operator.principalArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}$`,
        ),
      ),
    );
    assert.equal((await h.records('iam:AccessDenied')).at(-1)?.details?.reason, 'trust-policy-does-not-allow');
    const mfa = await h.enableMfa('operator');
    const session = await h.iam.assumeRole(
      operator,
      { roleArn, roleSessionName: 'with-mfa', serialNumber: mfa.serialNumber, tokenCode: mfa.code() },
      {},
    );
    assert.equal(session.assumedRoleArn, `arn:aws:sts::${account}:assumed-role/breakglass/with-mfa`);
  });

  it('refuses a session policy longer than 2,048 characters, white space included, as STS does', async () => {
    const roleArn = `arn:aws:iam::${account}:role/narrow-reader`;
    await h.iam.createRole(account, {
      roleName: 'narrow-reader',
      assumeRolePolicyDocument: JSON.stringify(
        policy({ Effect: 'Allow', Principal: { AWS: account }, Action: 'sts:AssumeRole' }),
      ),
    });
    const reader = await h.user('session-reader', policy(allow('sts:AssumeRole', roleArn)));
    const narrow = JSON.stringify(policy(allow('sqs:ReceiveMessage', queueArn)), null, 2);
    const padded = `${narrow}${' '.repeat(2049 - narrow.length)}`;
    await assert.rejects(
      h.iam.assumeRole(reader, { roleArn, roleSessionName: 'padded', policy: padded }, {}),
      (error: unknown) =>
        isPciqError(error) &&
        error.code === 'ValidationError' &&
        /Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048/.test(
          error.message,
        ),
    );
    await h.iam.assumeRole(reader, { roleArn, roleSessionName: 'fits', policy: padded.trimEnd() }, {});
  });

  it('ends a session at its expiry and refuses a token that is not the one issued', async () => {
    const user = await h.user('expiring');
    const session = await h.iam.getSessionToken(user, { durationSec: 900 });
    await h.iam.directory.refreshFor(session.accessKeyId);
    const credential = h.iam.directory.lookup(session.accessKeyId)!;
    await h.iam.directory.admit(credential, session.sessionToken);
    await assert.rejects(
      h.iam.directory.admit(credential, `${session.sessionToken}x`),
      (error: unknown) => isPciqError(error) && error.code === 'InvalidClientTokenId',
    );
    await assert.rejects(
      h.iam.directory.admit(credential, undefined),
      (error: unknown) => isPciqError(error) && error.code === 'InvalidClientTokenId',
    );
    h.clock.advance(900_000);
    await assert.rejects(
      h.iam.directory.admit(credential, session.sessionToken),
      (error: unknown) => isPciqError(error) && error.code === 'ExpiredToken',
    );
  });

  it('applies a change made through another connection to the very next request (other workers, pciq iam)', async () => {
    const shared = await h.user('shared', policy(allow('sqs:SendMessage')));
    const otherStore = new SqliteStore({ path: join(h.dir.path, 'pciq.db') });
    const other = new IamService({ store: otherStore, sealer: h.keys, clock: h.clock });
    try {
      await other.directory.sync();
      await other.authorize(shared, 'sqs:SendMessage', queueArn);
      await h.iam.deleteInlinePolicy(account, { kind: 'user', entityName: 'shared', policyName: 'p0' });
      await other.directory.sync();
      await assert.rejects(other.authorize(shared, 'sqs:SendMessage', queueArn), denied());
      const key = (await h.iam.listAccessKeys(account, 'shared'))[0]!;
      await h.iam.updateAccessKey(account, { userName: 'shared', accessKeyId: key.accessKeyId, status: 'Inactive' });
      await other.directory.sync();
      assert.equal(other.directory.lookup(key.accessKeyId), undefined, 'a deactivated key authenticates nothing');
    } finally {
      await otherStore.close();
    }
  });
});
