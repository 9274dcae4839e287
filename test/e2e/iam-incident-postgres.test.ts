/**
 * Principal quarantine on two `pciq serve` nodes sharing a PostgreSQL database: the quarantine, made by the
 * CLI (a third process), applies to the principal's next request on either node, and release lifts it on both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { pciqAsync } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { createTestSchema, skipNotice, type TestSchema, testPostgres } from '../support/postgres.ts';
import { clientConfig, type TestCredentials } from '../support/sqs-client.ts';

const postgres = await testPostgres();
if ('skip' in postgres) {
  skipNotice('principal quarantine on nodes sharing PostgreSQL', postgres.skip);
} else {
  describe('principal quarantine on nodes sharing PostgreSQL', () => {
    let schema: TestSchema;
    let data: ReturnType<typeof initDataDir>;
    const servers: PciqServer[] = [];
    const clients: Array<{ destroy(): void }> = [];
    const storeArgs = () => [...data.storeArgs, '--data-dir', data.dataDir, '--key-file', data.keyFile];

    before(async () => {
      schema = await createTestSchema(postgres.url);
      data = initDataDir({ store: schema.url });
      for (const name of ['a', 'b']) {
        servers.push(
          new PciqServer({
            dataDir: data.dataDir,
            keyFile: data.keyFile,
            extra: [...data.storeArgs, '--workers', '1', '--node', name],
          }),
        );
      }
    });
    after(async () => {
      for (const client of clients) client.destroy();
      for (const server of servers) await server.stop();
      data.remove();
      await schema.drop();
    });

    it('denies the next request on every node, and release lifts it on every node', async () => {
      const endpoints = await Promise.all(servers.map((server) => server.endpoint));
      const iam = new IAMClient(clientConfig(endpoints[0]!, data.bootstrap));
      clients.push(iam);
      const admin = new SQSClient(clientConfig(endpoints[0]!, data.bootstrap));
      clients.push(admin);
      const url = (await admin.send(new CreateQueueCommand({ QueueName: 'journal' }))).QueueUrl!;
      await iam.send(new CreateUserCommand({ UserName: 'writer' }));
      await iam.send(
        new PutUserPolicyCommand({
          UserName: 'writer',
          PolicyName: 'write',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }],
          }),
        }),
      );
      const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'writer' }));
      const writer: TestCredentials = {
        accessKeyId: AccessKey!.AccessKeyId!,
        secretAccessKey: AccessKey!.SecretAccessKey!,
      };
      const nodes = endpoints.map((endpoint) => {
        const client = new SQSClient(clientConfig(endpoint, data.bootstrap, writer));
        clients.push(client);
        return client;
      });
      // Each node's path to the queue: a queue URL names the endpoint it came from.
      const send = (sqs: SQSClient) => sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'line' }));
      for (const node of nodes) await send(node);

      const quarantined = await pciqAsync([
        'incident',
        'quarantine',
        'principal',
        `arn:aws:iam::${data.bootstrap.accountId}:user/writer`,
        '--reason',
        'key leaked',
        ...storeArgs(),
      ]);
      assert.equal(quarantined.status, 0, quarantined.stderr);
      const id = /^(INC-\S+)/.exec(quarantined.stdout)![1]!;
      for (const node of nodes) await assert.rejects(send(node), { name: 'AccessDenied' });

      const released = await pciqAsync(['incident', 'release', id, ...storeArgs()]);
      assert.equal(released.status, 0, released.stderr);
      for (const node of nodes) await send(node);
    });
  });
}
