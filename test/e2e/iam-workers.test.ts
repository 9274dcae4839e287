import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { after, before, describe, it } from 'node:test';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeleteUserPolicyCommand,
  EnableMFADeviceCommand,
  IAMClient,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { CreateQueueCommand, GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { pciq } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { createTestSchema, skipNotice, type TestSchema, testPostgres } from '../support/postgres.ts';
import { clientConfig, sqsClient } from '../support/sqs-client.ts';
import { authenticator, awayFromStepBoundary } from '../support/totp.ts';

// Probed before any test runs: the tests' synchronous child processes (pciq init) would stall the probe past
// its timeout and skip the PostgreSQL tests.
const postgres = await testPostgres();

describe('IAM changes across serving processes (--workers) and local commands', () => {
  let data: ReturnType<typeof initDataDir>;
  let server: PciqServer;
  let endpoint: string;
  const clients: Array<{ destroy(): void }> = [];

  /** No keep-alive: every request opens a connection, which the primary hands to the next worker. */
  function config(credentials: { accessKeyId: string; secretAccessKey: string }) {
    return {
      endpoint,
      region: data.bootstrap.region,
      credentials,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        httpsAgent: new Agent({ ca: readFileSync(data.bootstrap.caFile), keepAlive: false }),
      }),
    };
  }

  before(async () => {
    data = initDataDir();
    server = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile, extra: ['--workers', '2'] });
    endpoint = await server.endpoint;
  });
  after(async () => {
    for (const client of clients) client.destroy();
    assert.equal(await server.stop(), 0);
    data.remove();
  });

  it('applies a policy removed or a key deactivated by one process to the next request in every process', async () => {
    const iam = new IAMClient(config(data.bootstrap));
    const admin = new SQSClient(config(data.bootstrap));
    clients.push(iam, admin);
    const { QueueUrl } = await admin.send(new CreateQueueCommand({ QueueName: 'watched' }));
    await iam.send(new CreateUserCommand({ UserName: 'watcher' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'watcher',
        PolicyName: 'look',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sqs:GetQueueAttributes', Resource: '*' }],
        }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'watcher' }));
    const watcher = new SQSClient(
      config({ accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! }),
    );
    clients.push(watcher);
    const look = () => watcher.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    for (let i = 0; i < 6; i++) await look();

    await iam.send(new DeleteUserPolicyCommand({ UserName: 'watcher', PolicyName: 'look' }));
    for (let i = 0; i < 6; i++) await assert.rejects(look(), { name: 'AccessDenied' });

    // A change made by `pciq iam` on the data directory, outside the server, applies just as well.
    const put = pciq([
      'iam',
      'put-policy',
      '--user',
      'watcher',
      'look',
      '--document',
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:Get*', Resource: '*' }] }),
      '--data-dir',
      data.dataDir,
      '--key-file',
      data.keyFile,
    ]);
    assert.equal(put.status, 0, put.stderr);
    for (let i = 0; i < 6; i++) await look();

    await iam.send(
      new UpdateAccessKeyCommand({ UserName: 'watcher', AccessKeyId: AccessKey!.AccessKeyId!, Status: 'Inactive' }),
    );
    for (let i = 0; i < 6; i++) await assert.rejects(look(), { name: 'InvalidClientTokenId' });
  });
});

if ('skip' in postgres) {
  skipNotice('IAM across two pciq nodes on one PostgreSQL database', postgres.skip);
} else {
  describe('IAM across two pciq nodes on one PostgreSQL database', () => {
    let schema: TestSchema;
    let data: ReturnType<typeof initDataDir>;
    const servers: PciqServer[] = [];
    const endpoints: string[] = [];
    const clients: Array<{ destroy(): void }> = [];

    before(async () => {
      schema = await createTestSchema(postgres.url);
      data = initDataDir({ store: schema.url });
      for (const name of ['node-a', 'node-b']) {
        const server = new PciqServer({
          dataDir: data.dataDir,
          keyFile: data.keyFile,
          extra: [...data.storeArgs, '--workers', '1', '--node', name],
        });
        servers.push(server);
        endpoints.push(await server.endpoint);
      }
    });
    after(async () => {
      for (const client of clients) client.destroy();
      for (const server of servers) await server.stop();
      data.remove();
      await schema.drop();
    });

    it('applies a change made on one node to the next request on the other, and accepts a code once across nodes', async () => {
      const [a, b] = endpoints as [string, string];
      const iamA = new IAMClient(clientConfig(a, data.bootstrap));
      clients.push(iamA);
      await iamA.send(new CreateUserCommand({ UserName: 'roamer' }));
      await iamA.send(
        new PutUserPolicyCommand({
          UserName: 'roamer',
          PolicyName: 'look',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'sqs:ListQueues', Resource: '*' }],
          }),
        }),
      );
      const { AccessKey } = await iamA.send(new CreateAccessKeyCommand({ UserName: 'roamer' }));
      const roamer = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
      const onB = sqsClient(b, data.bootstrap, roamer);
      clients.push(onB);
      await onB.send(new ListQueuesCommand({}));
      await iamA.send(new DeleteUserPolicyCommand({ UserName: 'roamer', PolicyName: 'look' }));
      await assert.rejects(onB.send(new ListQueuesCommand({})), { name: 'AccessDenied' });

      const device = await iamA.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'roamer' }));
      const code = authenticator(Buffer.from(device.VirtualMFADevice!.Base32StringSeed!).toString('ascii'));
      await awayFromStepBoundary();
      await iamA.send(
        new EnableMFADeviceCommand({
          UserName: 'roamer',
          SerialNumber: device.VirtualMFADevice!.SerialNumber!,
          AuthenticationCode1: code(-2),
          AuthenticationCode2: code(-1),
        }),
      );
      await awayFromStepBoundary();
      const now = code();
      const attempts = await Promise.allSettled(
        endpoints.map((endpoint) => {
          const sts = new STSClient(clientConfig(endpoint, data.bootstrap, roamer));
          clients.push(sts);
          return sts.send(
            new GetSessionTokenCommand({ SerialNumber: device.VirtualMFADevice!.SerialNumber!, TokenCode: now }),
          );
        }),
      );
      assert.deepEqual(attempts.map((attempt) => attempt.status).sort(), ['fulfilled', 'rejected']);
      const refused = attempts.find((attempt) => attempt.status === 'rejected') as PromiseRejectedResult;
      assert.equal((refused.reason as Error).name, 'AccessDenied');
    });
  });
}
