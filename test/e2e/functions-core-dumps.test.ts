/**
 * A sandbox that crashes (an abort, a heap out of memory) must leave no core file: it would hold in clear
 * what the process held, its role session's credentials and the batch it ran. The server here runs with core
 * dumps allowed, as a systemd service is by default; its sandboxes must not be.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateQueueCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createFunctionRole } from '../support/function-role.ts';
import { pciq, pciqJson } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { sqsClient } from '../support/sqs-client.ts';
import { waitFor } from '../support/wait-for.ts';

/** The soft and hard core file size limits of a process, as Linux shows them. */
function coreLimits(pid: number | 'self'): { soft: string; hard: string } {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((text) => text.startsWith('Max core file size'));
  const [soft, hard] = line!.replace('Max core file size', '').trim().split(/\s+/);
  return { soft: soft!, hard: hard! };
}

const isLinux = process.platform === 'linux';
/** Without room to allow core dumps, the server could not be started with them allowed. */
const canAllowCores = isLinux && coreLimits('self').hard !== '0';

describe('sandbox core dumps', {
  skip: !canAllowCores && 'needs Linux and a hard core file size limit above 0',
}, () => {
  let data: ReturnType<typeof initDataDir>;
  let server: PciqServer;
  let sqs: SQSClient;
  const dataArgs = () => ['--data-dir', data.dataDir, '--key-file', data.keyFile];

  before(async () => {
    data = initDataDir();
    createFunctionRole('worker', dataArgs());
    server = new PciqServer({
      dataDir: data.dataDir,
      keyFile: data.keyFile,
      wrapper: ['/bin/sh', '-c', `ulimit -S -c ${coreLimits('self').hard} && exec "$0" "$@"`],
    });
    sqs = sqsClient(await server.endpoint, data.bootstrap);
  });

  after(async () => {
    sqs?.destroy();
    await server?.stop();
    data?.remove();
  });

  it('are off for every sandbox, though the server may dump core', async () => {
    assert.notEqual(coreLimits(server.process.pid!).soft, '0', 'the server itself runs with core dumps allowed');
    const code = join(data.dataDir, '..', 'code');
    mkdirSync(code);
    writeFileSync(join(code, 'index.mjs'), "export const handler = async () => { console.log('pid', process.pid); };");
    const role = `arn:aws:iam::${data.bootstrap.accountId}:role/worker`;
    const deployed = pciq([
      'functions',
      'deploy',
      'pid',
      '--code',
      code,
      '--handler',
      'index.handler',
      '--role',
      role,
      ...dataArgs(),
    ]);
    assert.equal(deployed.status, 0, deployed.stderr);
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'pid', Attributes: { VisibilityTimeout: '30' } }),
    );
    assert.equal(pciq(['functions', 'map', 'pid', '--queue', 'pid', ...dataArgs()]).status, 0);
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'go' }));
    const pid = await waitFor(
      'the handler to print its pid',
      () => {
        const logs = pciqJson<Array<{ text: string }>>(['functions', 'logs', 'pid', '--json', ...dataArgs()]);
        const printed = logs.map((entry) => /\tINFO\tpid (\d+)$/m.exec(entry.text)?.[1]).find(Boolean);
        return printed === undefined ? undefined : Number(printed);
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    // The process stays warm for the next invocation, for up to a minute.
    assert.deepEqual(coreLimits(pid), { soft: '0', hard: '0' });
  });
});
