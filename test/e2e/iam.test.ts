/**
 * Access control end to end (issue acceptance): the real AWS CLI v1 and the AWS SDK v3's IAM, STS and SQS
 * clients against a real `pciq serve`, credentials obtained from pciq itself behaving as their policies say.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteRoleCommand,
  DeleteUserCommand,
  DeleteUserPermissionsBoundaryCommand,
  EnableMFADeviceCommand,
  GetRoleCommand,
  GetUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ListQueuesCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
  TagQueueCommand,
} from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { hasAwsCli, runAwsCli } from '../support/aws-cli.ts';
import { createUserWithPolicy } from '../support/iam-users.ts';
import { pciqJsonAsync } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer, pciqBin } from '../support/pciq-process.ts';
import { signInRequest } from '../support/sign-in.ts';
import { clientConfig, sqsClient, type TestCredentials } from '../support/sqs-client.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { authenticator, awayFromStepBoundary } from '../support/totp.ts';

type Credentials = TestCredentials;

function isAccessDenied(pattern?: RegExp) {
  return (error: unknown) => {
    const failure = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    return (
      (failure.name === 'AccessDenied' || failure.name === 'AccessDeniedException') &&
      failure.$metadata?.httpStatusCode === 403 &&
      (!pattern || pattern.test(failure.message ?? ''))
    );
  };
}

describe('access control against pciq serve, with the AWS CLI and the AWS SDK v3', () => {
  let data: ReturnType<typeof initDataDir>;
  let server: PciqServer;
  let endpoint: string;
  let iam: IAMClient;
  let adminSqs: SQSClient;
  const files = makeTempDir('pciq-iam-e2e-');
  const clients: Array<{ destroy(): void }> = [];

  before(async () => {
    data = initDataDir();
    server = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile });
    endpoint = await server.endpoint;
    iam = new IAMClient(clientConfig(endpoint, data.bootstrap, data.bootstrap));
    adminSqs = sqsClient(endpoint, data.bootstrap);
    clients.push(iam, adminSqs);
  });

  after(async () => {
    for (const client of clients) client.destroy();
    assert.equal(await server.stop(), 0);
    data.remove();
    files.remove();
  });

  const queueUrl = (name: string) => `${endpoint}/${data.bootstrap.accountId}/${name}`;
  const queueArn = (name: string) => `arn:aws:sqs:${data.bootstrap.region}:${data.bootstrap.accountId}:${name}`;

  function aws(args: string[], credentials: Credentials = data.bootstrap) {
    return runAwsCli(endpoint, data.bootstrap, args, credentials);
  }

  async function awsOk(args: string[], credentials?: Credentials) {
    const result = await aws(args, credentials);
    assert.equal(result.status, 0, `aws ${args.join(' ')}: ${result.stderr}`);
    return result.json();
  }

  it('runs the AWS CLI flow: user, policy, access key, virtual MFA device, session token with a code', async (t) => {
    if (!hasAwsCli()) {
      t.skip('the AWS CLI (aws) is not installed');
      return;
    }
    await adminSqs.send(new CreateQueueCommand({ QueueName: 'cli-orders' }));
    await adminSqs.send(new SendMessageCommand({ QueueUrl: queueUrl('cli-orders'), MessageBody: 'order 1' }));
    await awsOk(['iam', 'create-user', '--user-name', 'clerk']);
    const document = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Send', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn('cli-orders') },
        {
          Sid: 'ReceiveWithMfa',
          Effect: 'Allow',
          Action: 'sqs:ReceiveMessage',
          Resource: queueArn('cli-orders'),
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
        },
      ],
    };
    await awsOk([
      'iam',
      'put-user-policy',
      '--user-name',
      'clerk',
      '--policy-name',
      'orders',
      '--policy-document',
      JSON.stringify(document),
    ]);
    assert.deepEqual(
      (await awsOk(['iam', 'get-user-policy', '--user-name', 'clerk', '--policy-name', 'orders'])).PolicyDocument,
      document,
    );
    const { AccessKey } = await awsOk(['iam', 'create-access-key', '--user-name', 'clerk']);
    const clerk = { accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey };
    assert.match(clerk.accessKeyId, /^AKIA[A-Z2-7]{16}$/);

    const seedFile = join(files.path, 'clerk-seed.txt');
    const { VirtualMFADevice } = await awsOk([
      'iam',
      'create-virtual-mfa-device',
      '--virtual-mfa-device-name',
      'clerk',
      '--outfile',
      seedFile,
      '--bootstrap-method',
      'Base32StringSeed',
    ]);
    const code = authenticator(readFileSync(seedFile, 'ascii').trim());
    await awayFromStepBoundary();
    await awsOk([
      'iam',
      'enable-mfa-device',
      '--user-name',
      'clerk',
      '--serial-number',
      VirtualMFADevice.SerialNumber,
      '--authentication-code1',
      code(-2),
      '--authentication-code2',
      code(-1),
    ]);
    assert.equal(
      (await awsOk(['iam', 'list-mfa-devices', '--user-name', 'clerk'])).MFADevices[0].SerialNumber,
      VirtualMFADevice.SerialNumber,
    );

    // The long-term key may send, not receive: it carries no MFA.
    await awsOk(['sqs', 'send-message', '--queue-url', queueUrl('cli-orders'), '--message-body', 'order 2'], clerk);
    const refused = await aws(['sqs', 'receive-message', '--queue-url', queueUrl('cli-orders')], clerk);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /AccessDenied.*not authorized to perform: sqs:ReceiveMessage/);

    await awayFromStepBoundary();
    const now = code();
    const { Credentials } = await awsOk(
      [
        'sts',
        'get-session-token',
        '--serial-number',
        VirtualMFADevice.SerialNumber,
        '--token-code',
        now,
        '--duration-seconds',
        '900',
      ],
      clerk,
    );
    assert.match(Credentials.AccessKeyId, /^ASIA/);
    const session = {
      accessKeyId: Credentials.AccessKeyId,
      secretAccessKey: Credentials.SecretAccessKey,
      sessionToken: Credentials.SessionToken,
    };
    const received = await awsOk(
      ['sqs', 'receive-message', '--queue-url', queueUrl('cli-orders'), '--max-number-of-messages', '10'],
      session,
    );
    assert.ok(received.Messages.length >= 1);
    assert.equal(
      (await awsOk(['sts', 'get-caller-identity'], session)).Arn,
      `arn:aws:iam::${data.bootstrap.accountId}:user/clerk`,
    );

    // A code is good once (PCI DSS 8.5.1).
    const replayed = await aws(
      ['sts', 'get-session-token', '--serial-number', VirtualMFADevice.SerialNumber, '--token-code', now],
      clerk,
    );
    assert.notEqual(replayed.status, 0);
    assert.match(replayed.stderr, /AccessDenied.*already used/);
    // Session credentials cannot make more sessions.
    assert.match((await aws(['sts', 'get-session-token'], session)).stderr, /AccessDenied/);
  });

  it('lets a producer role send to one queue only, and lets a deny beat the allow (SDK v3 STS, IAM, SQS)', async () => {
    for (const name of ['sdk-orders', 'sdk-refunds']) await adminSqs.send(new CreateQueueCommand({ QueueName: name }));
    const account = data.bootstrap.accountId;
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: 'producer',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    assert.equal(Role?.Arn, `arn:aws:iam::${account}:role/producer`);
    const trust = (await iam.send(new GetRoleCommand({ RoleName: 'producer' }))).Role?.AssumeRolePolicyDocument;
    assert.equal(JSON.parse(decodeURIComponent(trust!)).Statement[0].Action, 'sts:AssumeRole');
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'producer',
        PolicyName: 'send-orders',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn('sdk-orders') }],
        }),
      }),
    );
    await iam.send(new CreateUserCommand({ UserName: 'deployer' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'deployer',
        PolicyName: 'assume-producer',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: Role!.Arn }],
        }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'deployer' }));
    const sts = new STSClient(
      clientConfig(endpoint, data.bootstrap, {
        accessKeyId: AccessKey!.AccessKeyId!,
        secretAccessKey: AccessKey!.SecretAccessKey!,
      }),
    );
    clients.push(sts);
    const assumed = await sts.send(
      new AssumeRoleCommand({ RoleArn: Role!.Arn, RoleSessionName: 'batch-7', DurationSeconds: 900 }),
    );
    assert.equal(assumed.AssumedRoleUser?.Arn, `arn:aws:sts::${account}:assumed-role/producer/batch-7`);
    const credentials = {
      accessKeyId: assumed.Credentials!.AccessKeyId!,
      secretAccessKey: assumed.Credentials!.SecretAccessKey!,
      sessionToken: assumed.Credentials!.SessionToken!,
    };
    const asProducer = new STSClient(clientConfig(endpoint, data.bootstrap, credentials));
    const producer = sqsClient(endpoint, data.bootstrap, credentials);
    clients.push(asProducer, producer);
    assert.equal((await asProducer.send(new GetCallerIdentityCommand({}))).Arn, assumed.AssumedRoleUser?.Arn);

    await producer.send(new SendMessageCommand({ QueueUrl: queueUrl('sdk-orders'), MessageBody: 'from the role' }));
    await assert.rejects(
      producer.send(new ReceiveMessageCommand({ QueueUrl: queueUrl('sdk-orders') })),
      isAccessDenied(/assumed-role\/producer\/batch-7 is not authorized to perform: sqs:ReceiveMessage/),
    );
    await assert.rejects(
      producer.send(new SendMessageCommand({ QueueUrl: queueUrl('sdk-refunds'), MessageBody: 'not here' })),
      isAccessDenied(),
    );
    // KMS clients know the refusal as AccessDeniedException.
    const kms = new KMSClient(clientConfig(endpoint, data.bootstrap, credentials));
    clients.push(kms);
    await assert.rejects(kms.send(new ListKeysCommand({})), (error: unknown) => {
      const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      return failure.name === 'AccessDeniedException' && failure.$metadata?.httpStatusCode === 403;
    });
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'producer',
        PolicyName: 'freeze',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'sqs:*', Resource: queueArn('sdk-orders') }],
        }),
      }),
    );
    await assert.rejects(
      producer.send(new SendMessageCommand({ QueueUrl: queueUrl('sdk-orders'), MessageBody: 'frozen' })),
      isAccessDenied(/with an explicit deny in an identity-based policy/),
    );
    const stranger = new STSClient(
      clientConfig(endpoint, data.bootstrap, { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) }),
    );
    clients.push(stranger);
    await assert.rejects(stranger.send(new GetCallerIdentityCommand({})), { name: 'InvalidClientTokenId' });
  });

  it("holds a third party to its role's sts:ExternalId condition, and refuses a malformed ExternalId as STS does", async () => {
    const account = data.bootstrap.accountId;
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: 'vendor-access',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${account}:root` },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'sts:ExternalId': 'vendor-4821' } },
            },
          ],
        }),
      }),
    );
    const vendor = await createUserWithPolicy(iam, 'vendor', 'assume-vendor-access', [
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: Role!.Arn },
    ]);
    const sts = new STSClient(clientConfig(endpoint, data.bootstrap, vendor));
    clients.push(sts);
    const assume = (externalId?: string) =>
      sts.send(
        new AssumeRoleCommand({
          RoleArn: Role!.Arn,
          RoleSessionName: 'audit',
          ...(externalId !== undefined ? { ExternalId: externalId } : {}),
        }),
      );
    await assert.rejects(assume(), isAccessDenied());
    await assert.rejects(assume('vendor-9999'), isAccessDenied());
    const assumed = await assume('vendor-4821');
    assert.equal(assumed.AssumedRoleUser?.Arn, `arn:aws:sts::${account}:assumed-role/vendor-access/audit`);
    await assert.rejects(assume('v'), {
      name: 'ValidationError',
      message: /externalId.*length greater than or equal to 2/,
    });
    await assert.rejects(assume('vendor 4821'), { name: 'ValidationError', message: /externalId.*regular expression/ });
  });

  it('holds a trust policy to sts:RoleSessionName and sts:SourceIdentity, and keeps a source identity across role chaining', async () => {
    const account = data.bootstrap.accountId;
    const trustWhen = (condition: Record<string, string>) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${account}:root` },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: condition },
          },
        ],
      });
    const roleArn = (name: string) => `arn:aws:iam::${account}:role/${name}`;
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'night-audit',
        AssumeRolePolicyDocument: trustWhen({ 'sts:RoleSessionName': 'nightly' }),
      }),
    );
    for (const name of ['attributed', 'next-hop']) {
      await iam.send(
        new CreateRoleCommand({
          RoleName: name,
          AssumeRolePolicyDocument: trustWhen({ 'sts:SourceIdentity': 'alice@example.com' }),
        }),
      );
    }
    const listWhenAlice = {
      Effect: 'Allow',
      Action: 'sqs:ListQueues',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceIdentity': 'alice@example.com' } },
    };
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'attributed',
        PolicyName: 'hop',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn('next-hop') }],
        }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'next-hop',
        PolicyName: 'list',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [listWhenAlice] }),
      }),
    );
    const auditor = await createUserWithPolicy(iam, 'night-auditor', 'assume', [
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ['night-audit', 'attributed'].map(roleArn) },
    ]);
    const sts = new STSClient(clientConfig(endpoint, data.bootstrap, auditor));
    clients.push(sts);
    const assume = (client: STSClient, role: string, extra: { RoleSessionName?: string; SourceIdentity?: string }) =>
      client.send(new AssumeRoleCommand({ RoleArn: roleArn(role), RoleSessionName: 'audit', ...extra }));

    await assert.rejects(assume(sts, 'night-audit', {}), isAccessDenied());
    const nightly = await assume(sts, 'night-audit', { RoleSessionName: 'nightly' });
    assert.equal(nightly.AssumedRoleUser?.Arn, `arn:aws:sts::${account}:assumed-role/night-audit/nightly`);

    await assert.rejects(assume(sts, 'attributed', {}), isAccessDenied());
    await assert.rejects(assume(sts, 'attributed', { SourceIdentity: 'mallory' }), isAccessDenied());
    for (const [value, constraint] of [
      ['a', /length greater than or equal to 2/],
      ['a'.repeat(65), /length less than or equal to 64/],
      ['aws:alice', /regular expression/],
      ['alice smith', /regular expression/],
    ] as const) {
      await assert.rejects(assume(sts, 'attributed', { SourceIdentity: value }), {
        name: 'ValidationError',
        message: new RegExp(`sourceIdentity.*${constraint.source}`),
      });
    }
    const attributed = await assume(sts, 'attributed', { SourceIdentity: 'alice@example.com' });
    assert.equal(attributed.SourceIdentity, 'alice@example.com');

    const chained = new STSClient(
      clientConfig(endpoint, data.bootstrap, {
        accessKeyId: attributed.Credentials!.AccessKeyId!,
        secretAccessKey: attributed.Credentials!.SecretAccessKey!,
        sessionToken: attributed.Credentials!.SessionToken!,
      }),
    );
    clients.push(chained);
    await assert.rejects(
      assume(chained, 'next-hop', { SourceIdentity: 'mallory' }),
      isAccessDenied(/not authorized to perform: sts:SetSourceIdentity/),
    );
    const hop = await assume(chained, 'next-hop', {});
    assert.equal(hop.SourceIdentity, 'alice@example.com', 'a chained session keeps the source identity it came with');
    assert.equal(
      (await assume(chained, 'next-hop', { SourceIdentity: 'alice@example.com' })).SourceIdentity,
      'alice@example.com',
    );
    const hopSqs = sqsClient(endpoint, data.bootstrap, {
      accessKeyId: hop.Credentials!.AccessKeyId!,
      secretAccessKey: hop.Credentials!.SecretAccessKey!,
      sessionToken: hop.Credentials!.SessionToken!,
    });
    clients.push(hopSqs);
    await hopSqs.send(new ListQueuesCommand({}));
  });

  it("reports a message's SenderId as its sender's unique id (GetCallerIdentity's UserId), never an access key id", async () => {
    await adminSqs.send(new CreateQueueCommand({ QueueName: 'sender-ids' }));
    const account = data.bootstrap.accountId;
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: 'courier',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    const send = { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn('sender-ids') };
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'courier',
        PolicyName: 'send',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [send] }),
      }),
    );
    const userKey = await createUserWithPolicy(iam, 'dispatcher', 'send-and-assume', [
      send,
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: Role!.Arn },
    ]);
    const userSts = new STSClient(clientConfig(endpoint, data.bootstrap, userKey));
    clients.push(userSts);
    const assumed = await userSts.send(new AssumeRoleCommand({ RoleArn: Role!.Arn, RoleSessionName: 'route-9' }));
    const roleKey = {
      accessKeyId: assumed.Credentials!.AccessKeyId!,
      secretAccessKey: assumed.Credentials!.SecretAccessKey!,
      sessionToken: assumed.Credentials!.SessionToken!,
    };
    const senders = [
      { body: 'from the user', credentials: userKey },
      { body: 'from the role session', credentials: roleKey },
    ];
    const expected = new Map<string, string>();
    for (const { body, credentials } of senders) {
      const sts = new STSClient(clientConfig(endpoint, data.bootstrap, credentials));
      const sqs = sqsClient(endpoint, data.bootstrap, credentials);
      clients.push(sts, sqs);
      expected.set(body, (await sts.send(new GetCallerIdentityCommand({}))).UserId!);
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl('sender-ids'), MessageBody: body }));
    }
    const { User } = await iam.send(new GetUserCommand({ UserName: 'dispatcher' }));
    assert.equal(expected.get('from the user'), User!.UserId);
    assert.match(User!.UserId!, /^AIDA/);
    assert.equal(expected.get('from the role session'), assumed.AssumedRoleUser!.AssumedRoleId);
    assert.equal(expected.get('from the role session'), `${Role!.RoleId}:route-9`);

    for (const request of [
      { MessageSystemAttributeNames: ['SenderId' as const] },
      { AttributeNames: ['All' as const] },
    ]) {
      const received: Message[] = [];
      while (received.length < senders.length) {
        const { Messages = [] } = await adminSqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl('sender-ids'),
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 0,
            WaitTimeSeconds: 1,
            ...request,
          }),
        );
        received.push(...Messages.filter((message) => !received.some((seen) => seen.MessageId === message.MessageId)));
      }
      for (const message of received) assert.equal(message.Attributes?.SenderId, expected.get(message.Body!));
      const answered = JSON.stringify(received);
      for (const keyId of [userKey.accessKeyId, roleKey.accessKeyId, data.bootstrap.accessKeyId]) {
        assert.ok(!answered.includes(keyId), `the received messages name the access key ${keyId}`);
      }
    }
  });

  it('ends the sessions of a deleted role or user: one created later under the same name does not revive them', async () => {
    const account = data.bootstrap.accountId;
    const trustAccount = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }],
    });
    const listQueues = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sqs:ListQueues', Resource: '*' }],
    };
    const asCaller = (credentials: Credentials) => {
      const sts = new STSClient(clientConfig(endpoint, data.bootstrap, credentials));
      const sqs = sqsClient(endpoint, data.bootstrap, credentials);
      clients.push(sts, sqs);
      return { sts, sqs };
    };
    const adminSts = new STSClient(clientConfig(endpoint, data.bootstrap, data.bootstrap));
    clients.push(adminSts);

    await iam.send(new CreateRoleCommand({ RoleName: 'night-shift', AssumeRolePolicyDocument: trustAccount }));
    const { Credentials: roleSession } = await adminSts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/night-shift`, RoleSessionName: 'ops' }),
    );
    const oldShift = asCaller({
      accessKeyId: roleSession!.AccessKeyId!,
      secretAccessKey: roleSession!.SecretAccessKey!,
      sessionToken: roleSession!.SessionToken!,
    });
    await oldShift.sts.send(new GetCallerIdentityCommand({}));
    await iam.send(new DeleteRoleCommand({ RoleName: 'night-shift' }));
    await iam.send(new CreateRoleCommand({ RoleName: 'night-shift', AssumeRolePolicyDocument: trustAccount }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'night-shift',
        PolicyName: 'list',
        PolicyDocument: JSON.stringify(listQueues),
      }),
    );
    await assert.rejects(oldShift.sqs.send(new ListQueuesCommand({})), { name: 'InvalidClientTokenId' });
    await assert.rejects(oldShift.sts.send(new GetCallerIdentityCommand({})), { name: 'InvalidClientTokenId' });

    await iam.send(new CreateUserCommand({ UserName: 'leaver' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'leaver' }));
    const { Credentials: userSession } = await asCaller({
      accessKeyId: AccessKey!.AccessKeyId!,
      secretAccessKey: AccessKey!.SecretAccessKey!,
    }).sts.send(new GetSessionTokenCommand({}));
    const leaver = asCaller({
      accessKeyId: userSession!.AccessKeyId!,
      secretAccessKey: userSession!.SecretAccessKey!,
      sessionToken: userSession!.SessionToken!,
    });
    await leaver.sts.send(new GetCallerIdentityCommand({}));
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'leaver', AccessKeyId: AccessKey!.AccessKeyId! }));
    await iam.send(new DeleteUserCommand({ UserName: 'leaver' }));
    await iam.send(new CreateUserCommand({ UserName: 'leaver' }));
    await iam.send(
      new PutUserPolicyCommand({ UserName: 'leaver', PolicyName: 'list', PolicyDocument: JSON.stringify(listQueues) }),
    );
    await assert.rejects(leaver.sqs.send(new ListQueuesCommand({})), { name: 'InvalidClientTokenId' });
  });

  it("grants through a queue's resource policy, and a queue policy's deny beats the admin's allow", async () => {
    await adminSqs.send(new CreateQueueCommand({ QueueName: 'shared-inbox' }));
    await iam.send(new CreateUserCommand({ UserName: 'partner' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'partner' }));
    const partner = sqsClient(endpoint, data.bootstrap, {
      accessKeyId: AccessKey!.AccessKeyId!,
      secretAccessKey: AccessKey!.SecretAccessKey!,
    });
    clients.push(partner);
    await assert.rejects(
      partner.send(new SendMessageCommand({ QueueUrl: queueUrl('shared-inbox'), MessageBody: 'x' })),
      isAccessDenied(),
    );
    await adminSqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queueUrl('shared-inbox'),
        Attributes: {
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'PartnerSends',
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${data.bootstrap.accountId}:user/partner` },
                Action: 'sqs:SendMessage',
                Resource: queueArn('shared-inbox'),
              },
              { Sid: 'NobodyPurges', Effect: 'Deny', Principal: '*', Action: 'sqs:PurgeQueue', Resource: '*' },
            ],
          }),
        },
      }),
    );
    // Serving processes read a queue's attributes, its policy included, at most a second old (SQS: up to 60 s).
    await eventually(() =>
      partner.send(new SendMessageCommand({ QueueUrl: queueUrl('shared-inbox'), MessageBody: 'x' })),
    );
    await eventually(() =>
      assert.rejects(
        adminSqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl('shared-inbox') })),
        isAccessDenied(/explicit deny in a resource-based policy/),
      ),
    );
    // `pciq iam simulate` answers as the requests were decided: with the queue's own policy.
    const simulate = async (principal: string, action: string) =>
      (
        await pciqJsonAsync<Array<{ decision: string; matched: Array<{ statement: string; layer: string }> }>>([
          'iam',
          'simulate',
          '--principal',
          `arn:aws:iam::${data.bootstrap.accountId}:user/${principal}`,
          '--action',
          action,
          '--resource',
          queueArn('shared-inbox'),
          '--json',
          '--data-dir',
          data.dataDir,
          '--key-file',
          data.keyFile,
        ])
      )[0]!;
    const purge = await simulate('admin', 'sqs:PurgeQueue');
    assert.equal(purge.decision, 'ExplicitDeny');
    assert.ok(purge.matched.some((match) => match.statement === 'NobodyPurges' && match.layer === 'resource'));
    const send = await simulate('partner', 'sqs:SendMessage');
    assert.equal(send.decision, 'Allow');
    assert.deepEqual(
      send.matched.map((match) => [match.statement, match.layer]),
      [['PartnerSends', 'resource']],
    );
    await assert.rejects(
      adminSqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: queueUrl('shared-inbox'),
          Attributes: { Policy: '{"Statement":[{"Effect":"Maybe"}]}' },
        }),
      ),
      { name: 'InvalidAttributeValue' },
    );
  });

  it('sees the Region a request was sent to, so a policy limiting Regions denies only the others', async () => {
    const { region } = data.bootstrap;
    await iam.send(new CreateUserCommand({ UserName: 'regional' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'regional' }));
    const credentials = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
    const onlyRegions = (regions: string[]) =>
      iam.send(
        new PutUserPolicyCommand({
          UserName: 'regional',
          PolicyName: 'regions',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: ['sqs:ListQueues', 'iam:GetUser'], Resource: '*' },
              {
                Effect: 'Deny',
                Action: '*',
                Resource: '*',
                Condition: { StringNotEquals: { 'aws:RequestedRegion': regions } },
              },
            ],
          }),
        }),
      );
    const sqs = sqsClient(endpoint, data.bootstrap, credentials);
    const userIam = new IAMClient(clientConfig(endpoint, data.bootstrap, credentials));
    clients.push(sqs, userIam);
    await onlyRegions([region]);
    await sqs.send(new ListQueuesCommand({}));
    await onlyRegions(['ap-southeast-7']);
    await assert.rejects(sqs.send(new ListQueuesCommand({})), isAccessDenied(/with an explicit deny/));
    await assert.rejects(userIam.send(new GetUserCommand({})), isAccessDenied(/with an explicit deny/));
    // IAM's single endpoint is in us-east-1 for AWS, whatever Region the client and the server are in.
    await onlyRegions(['us-east-1']);
    await userIam.send(new GetUserCommand({}));
  });

  it("sees a queue's tags (aws:ResourceTag), so tag-based allows and denies hold", async () => {
    await adminSqs.send(new CreateQueueCommand({ QueueName: 'tagged-prod', tags: { env: 'prod', team: 'payments' } }));
    await adminSqs.send(new CreateQueueCommand({ QueueName: 'tagged-dev', tags: { env: 'dev', team: 'payments' } }));
    await adminSqs.send(new CreateQueueCommand({ QueueName: 'tagged-other', tags: { env: 'dev', team: 'risk' } }));
    const credentials = await createUserWithPolicy(iam, 'tag-bound', 'by-tags', [
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage', 'sqs:PurgeQueue'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/team': 'payments' } },
      },
      {
        Effect: 'Deny',
        Action: 'sqs:PurgeQueue',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/env': 'prod' } },
      },
    ]);
    const tagBound = sqsClient(endpoint, data.bootstrap, credentials);
    clients.push(tagBound);
    await tagBound.send(new SendMessageCommand({ QueueUrl: queueUrl('tagged-prod'), MessageBody: 'to prod' }));
    await tagBound.send(new PurgeQueueCommand({ QueueUrl: queueUrl('tagged-dev') }));
    await assert.rejects(
      tagBound.send(new PurgeQueueCommand({ QueueUrl: queueUrl('tagged-prod') })),
      isAccessDenied(/with an explicit deny in an identity-based policy$/),
    );
    await assert.rejects(
      tagBound.send(new SendMessageCommand({ QueueUrl: queueUrl('tagged-other'), MessageBody: 'not ours' })),
      isAccessDenied(/because no identity-based policy allows the sqs:SendMessage action$/),
    );
    // A tag changed is a decision changed (at once in the process that changed it; in the others, once their
    // copy of the queue's row is renewed, within a second).
    await adminSqs.send(new TagQueueCommand({ QueueUrl: queueUrl('tagged-other'), Tags: { team: 'payments' } }));
    await eventually(() =>
      tagBound.send(new SendMessageCommand({ QueueUrl: queueUrl('tagged-other'), MessageBody: 'ours now' })),
    );
  });

  it('authorizes the SQS batch actions as their single-message actions, allow and deny alike', async () => {
    await adminSqs.send(new CreateQueueCommand({ QueueName: 'batched' }));
    await iam.send(new CreateUserCommand({ UserName: 'batcher' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'batcher',
        PolicyName: 'send-receive',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:Delete*'],
              Resource: queueArn('batched'),
            },
            { Effect: 'Deny', Action: 'sqs:DeleteMessage', Resource: queueArn('batched') },
          ],
        }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'batcher' }));
    const batcher = sqsClient(endpoint, data.bootstrap, {
      accessKeyId: AccessKey!.AccessKeyId!,
      secretAccessKey: AccessKey!.SecretAccessKey!,
    });
    clients.push(batcher);
    const sent = await batcher.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl('batched'),
        Entries: [
          { Id: 'a', MessageBody: 'one' },
          { Id: 'b', MessageBody: 'two' },
        ],
      }),
    );
    assert.equal(sent.Successful?.length, 2);
    const { Messages } = await batcher.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl('batched'), MaxNumberOfMessages: 10 }),
    );
    await assert.rejects(
      batcher.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl('batched'),
          Entries: (Messages ?? []).map((message, i) => ({ Id: `m${i}`, ReceiptHandle: message.ReceiptHandle! })),
        }),
      ),
      isAccessDenied(/sqs:DeleteMessage on resource: .* with an explicit deny in an identity-based policy$/),
    );
  });

  it('lets a message move task write only into a queue its starter may send to', async () => {
    await adminSqs.send(new CreateQueueCommand({ QueueName: 'redrive-dlq' }));
    await adminSqs.send(
      new CreateQueueCommand({
        QueueName: 'redrive-source',
        Attributes: {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn('redrive-dlq'), maxReceiveCount: '1' }),
        },
      }),
    );
    await adminSqs.send(new CreateQueueCommand({ QueueName: 'redrive-elsewhere' }));
    await iam.send(new CreateUserCommand({ UserName: 'redriver' }));
    const grant = (actions: string[]) =>
      iam.send(
        new PutUserPolicyCommand({
          UserName: 'redriver',
          PolicyName: 'redrive',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: actions, Resource: queueArn('redrive-dlq') },
              { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn('redrive-source') },
            ],
          }),
        }),
      );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'redriver' }));
    const redriver = sqsClient(endpoint, data.bootstrap, {
      accessKeyId: AccessKey!.AccessKeyId!,
      secretAccessKey: AccessKey!.SecretAccessKey!,
    });
    clients.push(redriver);
    const start = (destination: string) =>
      redriver.send(
        new StartMessageMoveTaskCommand({ SourceArn: queueArn('redrive-dlq'), DestinationArn: queueArn(destination) }),
      );
    await grant(['sqs:StartMessageMoveTask']);
    await assert.rejects(
      start('redrive-source'),
      isAccessDenied(/perform: sqs:ReceiveMessage on resource: .*redrive-dlq/),
    );
    await grant(['sqs:StartMessageMoveTask', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']);
    await assert.rejects(
      start('redrive-elsewhere'),
      isAccessDenied(/perform: sqs:SendMessage on resource: .*redrive-elsewhere because no identity-based policy/),
    );
    const { TaskHandle } = await start('redrive-source');
    assert.ok(TaskHandle);
  });

  it('lets a message move task without a destination return messages only to sources its starter may send to', async () => {
    await adminSqs.send(new CreateQueueCommand({ QueueName: 'return-dlq' }));
    const redrive = JSON.stringify({ deadLetterTargetArn: queueArn('return-dlq'), maxReceiveCount: '1' });
    for (const name of ['return-payments', 'return-refunds'])
      await adminSqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { RedrivePolicy: redrive } }));
    const mayReturnTo = (sources: string[]) =>
      iam.send(
        new PutUserPolicyCommand({
          UserName: 'returner',
          PolicyName: 'redrive',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: [
                  'sqs:StartMessageMoveTask',
                  'sqs:ReceiveMessage',
                  'sqs:DeleteMessage',
                  'sqs:GetQueueAttributes',
                ],
                Resource: queueArn('return-dlq'),
              },
              ...sources.map((source) => ({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn(source) })),
            ],
          }),
        }),
      );
    await iam.send(new CreateUserCommand({ UserName: 'returner' }));
    await mayReturnTo(['return-payments']);
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'returner' }));
    const returner = sqsClient(endpoint, data.bootstrap, {
      accessKeyId: AccessKey!.AccessKeyId!,
      secretAccessKey: AccessKey!.SecretAccessKey!,
    });
    clients.push(returner);
    const start = () => returner.send(new StartMessageMoveTaskCommand({ SourceArn: queueArn('return-dlq') }));
    // Both queues name the DLQ: its messages may go back to either, so both sends must be allowed.
    await assert.rejects(
      start(),
      isAccessDenied(/perform: sqs:SendMessage on resource: .*return-refunds because no identity-based policy/),
    );
    await mayReturnTo(['return-payments', 'return-refunds']);
    const { TaskHandle } = await start();
    assert.ok(TaskHandle);
  });

  it('lets a delegate create users only with the permissions boundary it must set (iam:PermissionsBoundary)', async () => {
    const account = data.bootstrap.accountId;
    const { Policy: boundary } = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'staff-boundary',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }],
        }),
      }),
    );
    await iam.send(new CreateUserCommand({ UserName: 'delegate' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'delegate',
        PolicyName: 'create-bounded-users',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['iam:CreateUser', 'iam:PutUserPermissionsBoundary'],
              Resource: `arn:aws:iam::${account}:user/*`,
              Condition: { StringEquals: { 'iam:PermissionsBoundary': boundary!.Arn } },
            },
          ],
        }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'delegate' }));
    const delegate = new IAMClient(
      clientConfig(endpoint, data.bootstrap, {
        accessKeyId: AccessKey!.AccessKeyId!,
        secretAccessKey: AccessKey!.SecretAccessKey!,
      }),
    );
    clients.push(delegate);
    await assert.rejects(
      delegate.send(new CreateUserCommand({ UserName: 'unbounded' })),
      isAccessDenied(/iam:CreateUser/),
    );
    const { User } = await delegate.send(
      new CreateUserCommand({ UserName: 'bounded', PermissionsBoundary: boundary!.Arn }),
    );
    assert.equal(User?.PermissionsBoundary?.PermissionsBoundaryArn, boundary!.Arn);
  });

  it("sees the boundary of the user or role a policy action targets (iam:PermissionsBoundary), so AWS's delegation guardrails hold", async () => {
    const account = data.bootstrap.accountId;
    const { Policy: boundary } = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'team-boundary',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }],
        }),
      }),
    );
    await iam.send(new CreateUserCommand({ UserName: 'team-member', PermissionsBoundary: boundary!.Arn }));
    await iam.send(new CreateUserCommand({ UserName: 'outsider' }));
    // AWS's delegation example: manage the policies of bounded users only, and never remove their boundary.
    const credentials = await createUserWithPolicy(iam, 'team-admin', 'delegated', [
      {
        Effect: 'Allow',
        Action: ['iam:AttachUserPolicy', 'iam:PutUserPolicy', 'iam:DeleteUserPermissionsBoundary'],
        Resource: `arn:aws:iam::${account}:user/*`,
        Condition: { StringEquals: { 'iam:PermissionsBoundary': boundary!.Arn } },
      },
      {
        Effect: 'Deny',
        Action: ['iam:DeleteUserPermissionsBoundary', 'iam:DeleteRolePermissionsBoundary'],
        Resource: '*',
        Condition: { StringEquals: { 'iam:PermissionsBoundary': boundary!.Arn } },
      },
    ]);
    const teamAdmin = new IAMClient(clientConfig(endpoint, data.bootstrap, credentials));
    clients.push(teamAdmin);
    const queues = 'arn:aws:iam::aws:policy/AmazonSQSFullAccess';
    await teamAdmin.send(new AttachUserPolicyCommand({ UserName: 'team-member', PolicyArn: queues }));
    await assert.rejects(
      teamAdmin.send(new AttachUserPolicyCommand({ UserName: 'outsider', PolicyArn: queues })),
      isAccessDenied(/iam:AttachUserPolicy .* because no identity-based policy allows/),
    );
    await assert.rejects(
      teamAdmin.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'team-member' })),
      isAccessDenied(/iam:DeleteUserPermissionsBoundary .* with an explicit deny/),
    );
    const { User } = await iam.send(new GetUserCommand({ UserName: 'team-member' }));
    assert.equal(User?.PermissionsBoundary?.PermissionsBoundaryArn, boundary!.Arn, 'the boundary stays');
    // An entity that does not exist is refused as any other, not reported missing to a caller not allowed to ask.
    await assert.rejects(
      teamAdmin.send(new AttachUserPolicyCommand({ UserName: 'nobody', PolicyArn: queues })),
      isAccessDenied(/iam:AttachUserPolicy/),
    );
  });

  it('sees the tags of the user or role an IAM action targets (aws:ResourceTag, iam:ResourceTag)', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'break-glass', Tags: [{ Key: 'protected', Value: 'true' }] }));
    await iam.send(new CreateUserCommand({ UserName: 'ordinary' }));
    const credentials = await createUserWithPolicy(iam, 'helpdesk', 'keys-but-not-protected', [
      { Effect: 'Allow', Action: ['iam:CreateAccessKey', 'iam:GetUser'], Resource: '*' },
      {
        Effect: 'Deny',
        Action: 'iam:CreateAccessKey',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/protected': 'true' } },
      },
      {
        Effect: 'Deny',
        Action: 'iam:GetUser',
        Resource: '*',
        Condition: { StringEquals: { 'iam:ResourceTag/protected': 'true' } },
      },
    ]);
    const helpdesk = new IAMClient(clientConfig(endpoint, data.bootstrap, credentials));
    clients.push(helpdesk);
    await helpdesk.send(new CreateAccessKeyCommand({ UserName: 'ordinary' }));
    await helpdesk.send(new GetUserCommand({ UserName: 'ordinary' }));
    await assert.rejects(
      helpdesk.send(new CreateAccessKeyCommand({ UserName: 'break-glass' })),
      isAccessDenied(/iam:CreateAccessKey .* with an explicit deny/),
    );
    await assert.rejects(
      helpdesk.send(new GetUserCommand({ UserName: 'break-glass' })),
      isAccessDenied(/iam:GetUser .* with an explicit deny/),
    );
  });

  it('answers IAM errors with the codes the SDK maps to its exceptions', async () => {
    await assert.rejects(iam.send(new GetUserCommand({ UserName: 'ghost' })), { name: 'NoSuchEntityException' });
    await iam.send(new CreateUserCommand({ UserName: 'twice' }));
    await assert.rejects(iam.send(new CreateUserCommand({ UserName: 'TWICE' })), {
      name: 'EntityAlreadyExistsException',
    });
    await iam.send(new CreateAccessKeyCommand({ UserName: 'twice' }));
    await iam.send(new CreateAccessKeyCommand({ UserName: 'twice' }));
    await assert.rejects(iam.send(new CreateAccessKeyCommand({ UserName: 'twice' })), {
      name: 'LimitExceededException',
      message: /AccessKeysPerUser: 2/,
    });
    await assert.rejects(iam.send(new DeleteUserCommand({ UserName: 'twice' })), {
      name: 'DeleteConflictException',
      message: /must delete access keys first/,
    });
    await assert.rejects(
      iam.send(new CreatePolicyCommand({ PolicyName: 'broken', PolicyDocument: '{"Statement":[{"Effect":"Allow"}]}' })),
      { name: 'MalformedPolicyDocumentException' },
    );
    await assert.rejects(iam.send(new CreateLoginProfileCommand({ UserName: 'twice', Password: 'abcdefgh12' })), {
      name: 'PasswordPolicyViolationException',
      message: /at least 12 characters long \(PCI DSS 8\.3\.6\)/,
    });
    const { Policy } = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'read-only-queues',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Sid: 'Look', Effect: 'Allow', Action: 'sqs:Get*', Resource: '*' }],
        }),
      }),
    );
    await iam.send(new AttachUserPolicyCommand({ UserName: 'twice', PolicyArn: Policy!.Arn }));
    const simulated = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${data.bootstrap.accountId}:user/twice`,
        ActionNames: ['sqs:GetQueueAttributes', 'sqs:DeleteQueue'],
      }),
    );
    assert.deepEqual(
      simulated.EvaluationResults?.map((result) => [
        result.EvalActionName,
        result.EvalDecision,
        result.MatchedStatements?.[0]?.SourcePolicyId,
      ]),
      [
        ['sqs:GetQueueAttributes', 'allowed', Policy!.Arn],
        ['sqs:DeleteQueue', 'implicitDeny', undefined],
      ],
    );
  });

  it("refuses a policy over IAM's size quotas with LimitExceeded, as IAM does, not as a malformed document", async () => {
    const documentOf = (queues: number) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Resource: Array.from({ length: queues }, (_, i) => queueArn(`quota-${'q'.repeat(40)}-${i}`)),
          },
        ],
      });
    const isQuota = (message: RegExp) => (error: unknown) => {
      const failure = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      return (
        failure.name === 'LimitExceededException' &&
        failure.$metadata?.httpStatusCode === 409 &&
        message.test(failure.message ?? '')
      );
    };
    await assert.rejects(
      iam.send(new CreatePolicyCommand({ PolicyName: 'too-large', PolicyDocument: documentOf(120) })),
      isQuota(/Cannot exceed quota for PolicySize: 6144/),
    );
    await iam.send(new CreateUserCommand({ UserName: 'quota-user' }));
    await assert.rejects(
      iam.send(
        new PutUserPolicyCommand({ UserName: 'quota-user', PolicyName: 'too-large', PolicyDocument: documentOf(40) }),
      ),
      isQuota(/Maximum policy size of 2048 bytes exceeded for user quota-user/),
    );
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: Array.from({ length: 40 }, (_, i) => ({
        Sid: `Trust${i}`,
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${data.bootstrap.accountId}:root` },
        Action: 'sts:AssumeRole',
      })),
    });
    await assert.rejects(
      iam.send(new CreateRoleCommand({ RoleName: 'too-trusting', AssumeRolePolicyDocument: trust })),
      isQuota(/Cannot exceed quota for ACLSizePerRole: 2048/),
    );
  });

  it('locks an MFA device after 10 wrong codes sent to STS with an access key, until an administrator unlocks it', async () => {
    const keys = await createUserWithPolicy(iam, 'key-holder', 'read-queues', [
      { Effect: 'Allow', Action: 'sqs:ListQueues', Resource: '*' },
    ]);
    const { VirtualMFADevice } = await iam.send(
      new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'key-holder' }),
    );
    const serialNumber = VirtualMFADevice!.SerialNumber!;
    const code = authenticator(Buffer.from(VirtualMFADevice!.Base32StringSeed!).toString());
    await awayFromStepBoundary();
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: 'key-holder',
        SerialNumber: serialNumber,
        AuthenticationCode1: code(-2),
        AuthenticationCode2: code(-1),
      }),
    );
    const sts = new STSClient(clientConfig(endpoint, data.bootstrap, keys));
    clients.push(sts);
    const withCode = (tokenCode: string) =>
      sts.send(new GetSessionTokenCommand({ SerialNumber: serialNumber, TokenCode: tokenCode }));
    // Someone holding the key but not the device guesses: none of these is a code of the window.
    const window = new Set([code(-1), code(0), code(1)]);
    const guesses = Array.from({ length: 30 }, (_, i) => String(100_000 + i * 7_919)).filter((g) => !window.has(g));
    for (const guess of guesses.slice(0, 10)) await assert.rejects(withCode(guess), isAccessDenied(/invalid MFA/));
    await assert.rejects(withCode(code(0)), isAccessDenied(/locked after too many invalid codes.*8\.3\.4/));
    const unlocked = await pciqJsonAsync([
      'iam',
      'unlock',
      'key-holder',
      '--json',
      '--data-dir',
      data.dataDir,
      '--key-file',
      data.keyFile,
    ]);
    assert.deepEqual(unlocked, { unlocked: 'key-holder' });
    const session = await withCode(code(0));
    assert.ok(session.Credentials?.SessionToken);
  });

  it('signs a person in with password and MFA, refuses the 11th attempt after 10 wrong passwords, and audits it all', async () => {
    const password = 'a long pass phrase 2026';
    await iam.send(new CreateUserCommand({ UserName: 'operator' }));
    await iam.send(
      new CreateLoginProfileCommand({ UserName: 'operator', Password: password, PasswordResetRequired: false }),
    );
    const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'operator' }));
    const code = authenticator(Buffer.from(device.VirtualMFADevice!.Base32StringSeed!).toString('ascii'));
    assert.equal(Buffer.from(device.VirtualMFADevice!.QRCodePNG!).subarray(1, 4).toString('ascii'), 'PNG');
    await awayFromStepBoundary();
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: 'operator',
        SerialNumber: device.VirtualMFADevice!.SerialNumber!,
        AuthenticationCode1: code(-2),
        AuthenticationCode2: code(-1),
      }),
    );
    // A password set by an administrator must be changed at first use (8.3.5), whatever the request said.
    await awayFromStepBoundary();
    const first = await signIn({ UserName: 'operator', Password: password, TokenCode: code() });
    assert.equal(first.status, 403);
    assert.equal(first.json.__type, 'PasswordResetRequiredException');
    const newPassword = 'another pass phrase 2027';
    const signedIn = await signIn({
      UserName: 'operator',
      Password: password,
      TokenCode: code(1),
      NewPassword: newPassword,
    });
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.json));
    const credentials = signedIn.json.Credentials as Record<string, string>;
    assert.equal(signedIn.json.IdleTimeoutSeconds, 900);
    const sts = new STSClient(
      clientConfig(endpoint, data.bootstrap, {
        accessKeyId: credentials.AccessKeyId!,
        secretAccessKey: credentials.SecretAccessKey!,
        sessionToken: credentials.SessionToken!,
      }),
    );
    clients.push(sts);
    assert.equal(
      (await sts.send(new GetCallerIdentityCommand({}))).Arn,
      `arn:aws:iam::${data.bootstrap.accountId}:user/operator`,
    );

    for (let attempt = 1; attempt <= 10; attempt++) {
      const wrong = await signIn({ UserName: 'operator', Password: `wrong guess ${attempt}x`, TokenCode: '000000' });
      assert.equal(wrong.status, 403);
      assert.match(String(wrong.json.message), /^The user name, password or MFA code is incorrect\.$/);
    }
    const locked = await signIn({ UserName: 'operator', Password: newPassword, TokenCode: code(1) });
    assert.equal(locked.status, 403);
    const until = /locked after too many failed sign-in attempts until (\S+) \(PCI DSS 8\.3\.4\)/.exec(
      String(locked.json.message),
    );
    assert.ok(until, String(locked.json.message));
    assert.ok(Date.parse(until[1]!) - Date.now() >= 29 * 60_000, 'locked for at least 30 minutes');

    const audit = async (type: string) =>
      (
        await pciqJsonAsync<{ records: Array<Record<string, unknown>> }>([
          'audit',
          'search',
          '--event-type',
          type,
          '--json',
          '--data-dir',
          data.dataDir,
          '--key-file',
          data.keyFile,
        ])
      ).records;
    const logins = await audit('iam:Login');
    assert.equal(logins.filter((record) => record.outcome === 'failure').length, 12);
    assert.ok(logins.every((record) => (record.origin as { ip: string }).ip.includes('127.0.0.1')));
    const lockouts = await audit('iam:Lockout');
    assert.equal(lockouts.filter((record) => JSON.stringify(record).includes(':user/operator"')).length, 1);
    assert.ok((await audit('iam:AccessDenied')).length >= 5);
    const everything = JSON.stringify(await audit('iam:*'));
    for (const secret of [
      password,
      newPassword,
      credentials.SecretAccessKey!,
      credentials.SessionToken!,
      data.bootstrap.secretAccessKey,
    ]) {
      assert.ok(!everything.includes(secret), 'no secret in the audit trail');
      assert.ok(!server.stderr.includes(secret), 'no secret in the server log');
    }
  });

  it('signs a person in with pciq sign-in, changing a first-use password on the way, and prints exports', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'night-shift' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'night-shift', Password: 'set by an admin 1' }));
    const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'night-shift' }));
    const code = authenticator(Buffer.from(device.VirtualMFADevice!.Base32StringSeed!).toString('ascii'));
    await awayFromStepBoundary(8_000);
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: 'night-shift',
        SerialNumber: device.VirtualMFADevice!.SerialNumber!,
        AuthenticationCode1: code(-2),
        AuthenticationCode2: code(-1),
      }),
    );
    const result = spawnSync(
      process.execPath,
      [pciqBin, 'sign-in', '--user', 'night-shift', '--endpoint-url', endpoint, '--ca-bundle', data.bootstrap.caFile],
      { input: `set by an admin 1\n${code(0)}\nchosen by me 2027\nchosen by me 2027\n${code(1)}\n`, encoding: 'utf8' },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /must be changed before the first sign-in/);
    const exports = Object.fromEntries([...result.stdout.matchAll(/^export (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
    assert.match(exports['AWS_ACCESS_KEY_ID'] ?? '', /^ASIA/);
    assert.match(result.stdout, /ended after 15 minutes without a request/);
    assert.doesNotMatch(result.stdout + result.stderr, /set by an admin 1|chosen by me 2027/);
    const sts = new STSClient(
      clientConfig(endpoint, data.bootstrap, {
        accessKeyId: exports['AWS_ACCESS_KEY_ID']!,
        secretAccessKey: exports['AWS_SECRET_ACCESS_KEY']!,
        sessionToken: exports['AWS_SESSION_TOKEN']!,
      }),
    );
    clients.push(sts);
    assert.match((await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '', /:user\/night-shift$/);
  });

  /** Retries for up to three seconds: for what takes effect within a second everywhere. */
  async function eventually(attempt: () => Promise<unknown>): Promise<void> {
    const deadline = Date.now() + 3_000;
    for (;;) {
      try {
        await attempt();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  const signIn = (input: Record<string, unknown>) => signInRequest(endpoint, data.bootstrap.caFile, input);
});
