/**
 * Three `pciq serve` nodes on one PostgreSQL database, clients spread over them: exactly-once delivery,
 * FIFO order per group, long polls woken from another node, and a node killed with SIGKILL under load.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { after, before, describe, it } from 'node:test';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { pciq } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { createTestSchema, skipNotice, type TestSchema, testPostgres } from '../support/postgres.ts';

interface Node {
  name: string;
  server: PciqServer;
  sqs: SQSClient;
}

const postgres = await testPostgres();
if ('skip' in postgres) {
  skipNotice('three pciq nodes on one PostgreSQL database', postgres.skip);
} else {
  describe('three pciq nodes on one PostgreSQL database', () => {
    let schema: TestSchema;
    let data: ReturnType<typeof initDataDir>;
    const nodes: Node[] = [];

    async function startNode(name: string): Promise<Node> {
      const server = new PciqServer({
        dataDir: data.dataDir,
        keyFile: data.keyFile,
        extra: [...data.storeArgs, '--workers', '1', '--node', name],
      });
      const endpoint = await server.endpoint;
      const sqs = new SQSClient({
        endpoint,
        region: data.bootstrap.region,
        credentials: data.bootstrap,
        maxAttempts: 1,
        requestHandler: new NodeHttpHandler({
          httpsAgent: new Agent({ ca: readFileSync(data.bootstrap.caFile), keepAlive: true, maxSockets: 16 }),
        }),
      });
      return { name, server, sqs };
    }

    before(async () => {
      schema = await createTestSchema(postgres.url);
      data = initDataDir({ store: schema.url });
      nodes.push(...(await Promise.all(['node-a', 'node-b', 'node-c'].map(startNode))));
    });

    after(async () => {
      for (const node of nodes) {
        node.sqs.destroy();
        await node.server.stop();
      }
      data.remove();
      await schema.drop();
    });

    async function queueUrl(name: string, attributes: Record<string, string> = {}): Promise<string> {
      return (await nodes[0]!.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
    }

    /**
     * Each loop receives and deletes on its node until `isDone` says so. Returns the bodies each loop received,
     * and adds every body to `arrivals` the moment its receive answers (the order across all nodes).
     */
    async function consume(
      on: readonly Node[],
      url: string,
      loopsPerNode: number,
      isDone: () => boolean,
      deadlineMs = 90_000,
      arrivals: string[] = [],
    ): Promise<string[][]> {
      const started = Date.now();
      const loops = on.flatMap((node) =>
        Array.from({ length: loopsPerNode }, async () => {
          const bodies: string[] = [];
          while (!isDone() && Date.now() - started < deadlineMs) {
            const { Messages = [] } = await node.sqs.send(
              new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
            );
            if (Messages.length === 0) continue;
            bodies.push(...Messages.map((m) => m.Body!));
            arrivals.push(...Messages.map((m) => m.Body!));
            await node.sqs.send(
              new DeleteMessageBatchCommand({
                QueueUrl: url,
                Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
              }),
            );
          }
          return bodies;
        }),
      );
      return Promise.all(loops);
    }

    it('delivers 10 000 messages sent through all nodes exactly once', async () => {
      const url = await queueUrl('spread');
      const total = 10_000;
      let next = 0;
      await Promise.all(
        nodes.flatMap((node) =>
          Array.from({ length: 4 }, async () => {
            while (next < total) {
              const first = next;
              next += 10;
              const sent = await node.sqs.send(
                new SendMessageBatchCommand({
                  QueueUrl: url,
                  Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: `m-${first + i}` })),
                }),
              );
              assert.equal(sent.Successful?.length, 10);
            }
          }),
        ),
      );
      const seen = new Set<string>();
      let duplicates = 0;
      const received = await consume(nodes, url, 3, () => seen.size >= total);
      for (const body of received.flat()) {
        if (seen.has(body)) duplicates++;
        seen.add(body);
      }
      assert.equal(duplicates, 0, 'no message delivered twice');
      assert.equal(seen.size, total, 'every message delivered');
      assert.ok(received.filter((bodies) => bodies.length > 0).length >= 6, 'consumers on every node took part');
    });

    it('keeps FIFO order per group and exactly-once across nodes', async () => {
      const url = await queueUrl('spread.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
      const groups = 20;
      const perGroup = 500;
      // One producer per group (order is defined per sender), groups spread over the nodes, batches of 10.
      await Promise.all(
        Array.from({ length: groups }, async (_, group) => {
          const node = nodes[group % nodes.length]!;
          for (let first = 0; first < perGroup; first += 10) {
            const sent = await node.sqs.send(
              new SendMessageBatchCommand({
                QueueUrl: url,
                Entries: Array.from({ length: 10 }, (_, i) => ({
                  Id: String(i),
                  MessageBody: `g${group}:${first + i}`,
                  MessageGroupId: `group-${group}`,
                })),
              }),
            );
            assert.equal(sent.Successful?.length, 10);
          }
        }),
      );
      // A duplicate send within the deduplication interval, through another node, is not delivered again.
      await nodes[1]!.sqs.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: 'g0:0', MessageGroupId: 'group-0' }),
      );
      const lastByGroup = new Map<number, number>();
      const problems: string[] = [];
      const all: string[] = [];
      // Group exclusivity (a group's next messages are not handed out while earlier ones are in flight) makes
      // the order of arrival across all nodes the order of sending, group by group.
      await consume(nodes, url, 2, () => all.length >= groups * perGroup, 90_000, all);
      for (const body of all) {
        const [group, index] = body.slice(1).split(':').map(Number) as [number, number];
        const last = lastByGroup.get(group) ?? -1;
        if (index !== last + 1) problems.push(`group ${group}: ${index} after ${last}`);
        lastByGroup.set(group, index);
      }
      assert.deepEqual(problems.slice(0, 5), [], 'each group in order, none skipped or repeated');
      assert.equal(all.length, groups * perGroup);
    });

    it('wakes a long poll on one node within 100 ms of a send on another', async () => {
      const url = await queueUrl('wake');
      const latencies: number[] = [];
      for (let round = 0; round < 5; round++) {
        const poll = nodes[0]!.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }));
        await new Promise((resolve) => setTimeout(resolve, 300));
        await nodes[1 + (round % 2)]!.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `wake-${round}` }));
        const sentAt = performance.now();
        const { Messages = [] } = await poll;
        latencies.push(performance.now() - sentAt);
        assert.equal(Messages[0]?.Body, `wake-${round}`);
        await nodes[0]!.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: [{ Id: '0', ReceiptHandle: Messages[0]!.ReceiptHandle! }],
          }),
        );
      }
      latencies.sort((a, b) => a - b);
      const median = latencies[2]!;
      assert.ok(median < 100, `long polls woke ${latencies.map((ms) => ms.toFixed(0)).join(', ')} ms after the send`);
    });

    it('answers a long poll on one node at once when another node deletes its queue', async () => {
      const url = await queueUrl('deleted-while-polled');
      const startedAt = performance.now();
      const poll = nodes[1]!.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 })).then(
        () => undefined,
        (error: Error) => error,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      await nodes[0]!.sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
      const refused = await poll;
      const elapsedMs = performance.now() - startedAt;
      assert.equal(refused?.name, 'QueueDoesNotExist');
      assert.ok(elapsedMs < 3_000, `the poll answered ${elapsedMs.toFixed(0)} ms after it began, not at its wait time`);
    });

    it('loses no acknowledged message when a node is killed under load; its in-flight messages come back', async () => {
      const url = await queueUrl('crash', { VisibilityTimeout: '2' });
      const acknowledged = new Set<string>();
      const send = async (node: Node, prefix: string, count: number) => {
        for (let first = 0; first < count; first += 10) {
          try {
            const sent = await node.sqs.send(
              new SendMessageBatchCommand({
                QueueUrl: url,
                Entries: Array.from({ length: 10 }, (_, i) => ({
                  Id: String(i),
                  MessageBody: `${prefix}-${first + i}`,
                })),
              }),
            );
            for (const entry of sent.Successful ?? []) acknowledged.add(`${prefix}-${first + Number(entry.Id)}`);
          } catch {
            return; // the node is gone: what it did not acknowledge is not owed
          }
        }
      };
      await Promise.all(nodes.map((node) => send(node, `before-${node.name}`, 300)));
      const victim = nodes[2]!;
      const taken = await victim.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
      assert.ok((taken.Messages ?? []).length > 0, 'the victim holds messages in flight');
      const load = Promise.all(nodes.map((node) => send(node, `during-${node.name}`, 600)));
      await new Promise((resolve) => setTimeout(resolve, 400));
      victim.server.process.kill('SIGKILL');
      await victim.server.exited;
      await load;
      const survivors = nodes.slice(0, 2);
      const seen = new Set<string>();
      const received = await consume(
        survivors,
        url,
        2,
        () => [...acknowledged].every((body) => seen.has(body)),
        60_000,
      );
      for (const body of received.flat()) seen.add(body);
      const missing = [...acknowledged].filter((body) => !seen.has(body));
      assert.deepEqual(missing.slice(0, 5), [], `${missing.length} acknowledged messages lost`);
      for (const message of taken.Messages ?? []) assert.ok(seen.has(message.Body!), 'in-flight message reappeared');
      // The killed node's records are in the one trail, which still verifies.
      for (const node of survivors) await node.server.stop();
      const verify = pciq([
        'audit',
        'verify',
        '--data-dir',
        data.dataDir,
        '--key-file',
        data.keyFile,
        ...data.storeArgs,
      ]);
      assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    });
  });
}
