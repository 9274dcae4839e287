/**
 * The source address in the audit trail of a real `pciq serve` listening on `::`, where Node reports IPv4
 * clients as IPv4-mapped IPv6 addresses: an auditor searches for the address a client has (PCI DSS 10.2.2).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { pciqJsonAsync } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { sqsClient } from '../support/sqs-client.ts';

describe('the source address of an IPv4 client of a server on ::', () => {
  const data = initDataDir();
  let server: PciqServer;
  let endpoint: string;

  before(async () => {
    server = new PciqServer({ ...data, extra: ['--host', '::'] });
    endpoint = `https://127.0.0.1:${new URL(await server.endpoint).port}`;
  });

  after(async () => {
    await server?.stop();
    data.remove();
  });

  it('is recorded as the IPv4 address, and found by searching for it', async () => {
    const sqs = sqsClient(endpoint, data.bootstrap);
    await sqs.send(new ListQueuesCommand({}));
    sqs.destroy();
    const { records } = await pciqJsonAsync<{ records: Array<{ origin: { ip: string | null } }> }>([
      'audit',
      'search',
      '--event-type',
      'sqs:ListQueues',
      '--source-ip',
      '127.0.0.1',
      '--json',
      '--data-dir',
      data.dataDir,
      '--key-file',
      data.keyFile,
    ]);
    assert.equal(records.length, 1);
    assert.equal(records[0]!.origin.ip, '127.0.0.1');
  });
});
