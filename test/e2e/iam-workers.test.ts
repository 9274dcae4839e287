import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { after, before, describe, it } from 'node:test';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteUserPolicyCommand,
  IAMClient,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { pciq } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';

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
