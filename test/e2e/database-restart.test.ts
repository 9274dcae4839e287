/**
 * A `pciq serve` node on PostgreSQL whose database goes away and comes back (a restart, a failover): requests
 * fail meanwhile with an error SDKs retry, the node recovers on its own once the database is back, and
 * every acknowledged message is still there. A cluster of its own, since the shared test server must stay up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { skipNotice } from '../support/postgres.ts';
import { sqsClient } from '../support/sqs-client.ts';
import { startTlsPostgres } from '../support/tls-postgres.ts';
import { waitFor } from '../support/wait-for.ts';

const cluster = await startTlsPostgres();
if ('skip' in cluster) {
  skipNotice('a node whose database restarts', cluster.skip);
} else {
  describe('a node whose database restarts', () => {
    let data: ReturnType<typeof initDataDir>;
    let server: PciqServer;
    let sqs: SQSClient;

    before(async () => {
      data = initDataDir({ store: cluster.url('127.0.0.1', 'sslmode=disable&pool_size=2') });
      server = new PciqServer({
        dataDir: data.dataDir,
        keyFile: data.keyFile,
        extra: [...data.storeArgs, '--workers', '1', '--node', 'restarting'],
      });
      sqs = sqsClient(await server.endpoint, data.bootstrap);
    });

    after(async () => {
      sqs?.destroy();
      await server?.stop();
      data?.remove();
      cluster.stop();
    });

    it('fails requests while the database is down, recovers when it is back, and loses nothing acknowledged', async () => {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'through-restart' }));
      const send = (body: string) => sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
      for (let i = 0; i < 5; i++) await send(`before-${i}`);

      cluster.shutDown();
      // A request meanwhile is answered at once rather than held until the database is back.
      type Answer = Error & { $metadata?: { httpStatusCode?: number } };
      let timer: NodeJS.Timeout | undefined;
      const refused = await Promise.race<Answer | undefined>([
        send('while-down').then(
          () => undefined,
          (error: Answer) => error,
        ),
        new Promise<Answer>((resolve) => {
          timer = setTimeout(() => resolve(new Error('no answer within 5 s while the database is down')), 5_000);
        }),
      ]).finally(() => clearTimeout(timer));
      assert.equal(refused?.name, 'InternalFailure', `an error every AWS SDK retries: ${refused?.message}`);
      assert.equal(refused?.$metadata?.httpStatusCode, 500);
      cluster.startUp();

      // Every connection of the node broke with the restart: each kind must come back by itself.
      await waitFor(
        'the node to serve again',
        () =>
          send('after').then(
            () => true,
            () => false,
          ),
        {
          timeoutMs: 10_000,
          intervalMs: 200,
        },
      );
      const bodies: string[] = [];
      await waitFor('every acknowledged message', async () => {
        const received = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        const messages = received.Messages ?? [];
        bodies.push(...messages.map((message) => message.Body!));
        if (messages.length > 0) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl,
              Entries: messages.map((message, index) => ({ Id: `${index}`, ReceiptHandle: message.ReceiptHandle! })),
            }),
          );
        }
        return bodies.length >= 6;
      });
      assert.deepEqual(bodies.sort(), ['after', 'before-0', 'before-1', 'before-2', 'before-3', 'before-4']);
    });
  });
}
