import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { pciqJson } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { sqsClient } from '../support/sqs-client.ts';

interface Found {
  type: string;
  data: { messageIds?: string[] } | null;
}

describe('audit durability across kill -9', () => {
  const data = initDataDir();
  const dirArgs = ['--data-dir', data.dataDir, '--key-file', data.keyFile];
  after(() => data.remove());

  it('never leaves a committed effect without its record, and records that logging was interrupted', async () => {
    const first = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile });
    const sqs = sqsClient(await first.endpoint, data.bootstrap);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'crash-audit' }));
    const acknowledged = new Set<string>();
    let killed = false;
    const producer = async () => {
      while (!killed) {
        const batch = Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `message ${i}` }));
        try {
          const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: batch }));
          for (const entry of result.Successful ?? []) acknowledged.add(entry.MessageId!);
        } catch {
          return;
        }
        if (acknowledged.size >= 500 && !killed) {
          killed = true;
          first.process.kill('SIGKILL');
        }
      }
    };
    await Promise.all([producer(), producer(), producer(), producer()]);
    await first.exited;
    sqs.destroy();

    const second = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile });
    const again = sqsClient(await second.endpoint, data.bootstrap);
    const stored = new Set<string>();
    for (;;) {
      const { Messages } = await again.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
      );
      if (!Messages) break;
      for (const message of Messages) stored.add(message.MessageId!);
    }
    again.destroy();
    assert.equal(await second.stop(), 0);

    const records: Found[] = [];
    let nextToken: string | undefined;
    do {
      const page = pciqJson<{ records: Found[]; nextToken?: string }>([
        'audit',
        'search',
        '--json',
        '--limit',
        '1000',
        ...(nextToken ? ['--next-token', nextToken] : []),
        ...dirArgs,
      ]);
      records.push(...page.records);
      nextToken = page.nextToken;
    } while (nextToken);
    const recorded = new Set(
      records
        .filter((record) => record.type === 'sqs:SendMessageBatch')
        .flatMap((record) => record.data?.messageIds ?? []),
    );
    // Every message that made it into the store, acknowledged or not, was committed with its record.
    const unrecorded = [...stored].filter((id) => !recorded.has(id));
    assert.deepEqual(unrecorded, [], `${unrecorded.length} stored messages have no record`);
    assert.ok(stored.size >= acknowledged.size);
    assert.ok(
      records.some((record) => record.type === 'pciq:AuditLogInterrupted'),
      'the interruption is recorded',
    );
    const verify = pciqJson<{ result: string; findings: Array<{ isFailure: boolean; message: string }> }>([
      'audit',
      'verify',
      '--json',
      ...dirArgs,
    ]);
    assert.equal(verify.result, 'pass', JSON.stringify(verify.findings.filter((finding) => finding.isFailure)));
  });
});
