import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CreateQueueCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { pciq } from '../support/pciq-cli.ts';
import { type Bootstrap, PciqServer } from '../support/pciq-process.ts';
import { sqsClient } from '../support/sqs-client.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/** The process and its descendants, by pid (Linux /proc). */
function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent pid is the 4th field, after the command name in parentheses (which may hold spaces).
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid);
  }
  return tree;
}

/**
 * The environments of the processes a server started, as the system shows them. (The primary's own shows what
 * it was started with, whatever it removes later: that is the operator's to protect.)
 */
function childEnvironmentsOf(server: PciqServer): string {
  return processTree(server.process.pid!)
    .slice(1)
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1');
      } catch {
        return '';
      }
    })
    .join('\n');
}

/** A round trip through the server: with several workers, only they serve the API. */
async function serves(endpoint: string, bootstrap: Bootstrap): Promise<void> {
  const sqs = sqsClient(endpoint, bootstrap);
  try {
    await sqs.send(new CreateQueueCommand({ QueueName: 'env-secrets' }));
    const { QueueUrls } = await sqs.send(new ListQueuesCommand({}));
    assert.ok(QueueUrls?.some((url) => url.endsWith('/env-secrets')));
  } finally {
    sqs.destroy();
  }
}

const canSeeEnvironments = existsSync('/proc/self/environ');

describe('root key secrets given in the environment (pciq serve with several workers)', () => {
  if (!canSeeEnvironments) {
    process.stdout.write('NOTICE: no /proc here; the checks of the processes’ environments are skipped\n');
  }

  for (const [name, setUp] of [
    [
      'the root key itself (PCIQ_MASTER_KEY, env provider)',
      (dataDir: string, keyFile: string) => {
        const secret = randomBytes(32).toString('base64');
        return {
          secret,
          env: { PCIQ_MASTER_KEY: secret },
          init: ['init', '--data-dir', dataDir, '--key-file', keyFile, '--key-provider', 'env', '--json'],
        };
      },
    ],
    [
      'the key file’s passphrase (PCIQ_KEY_PASSPHRASE)',
      (dataDir: string, keyFile: string) => {
        const secret = `passphrase ${randomBytes(12).toString('hex')}`;
        return {
          secret,
          env: { PCIQ_KEY_PASSPHRASE: secret },
          init: ['init', '--data-dir', dataDir, '--key-file', keyFile, '--json'],
        };
      },
    ],
  ] as const) {
    it(`serves from every worker with ${name}, which no worker inherits in its environment`, async () => {
      const dir = makeTempDir('pciq-env-key-');
      const dataDir = join(dir.path, 'data');
      const keyFile = join(dir.path, 'keys', 'master.key');
      const { secret, env, init } = setUp(dataDir, keyFile);
      const initialized = pciq([...init], { env: { ...process.env, ...env } });
      assert.equal(initialized.status, 0, initialized.stderr);
      const bootstrap = JSON.parse(initialized.stdout) as Bootstrap;
      const server = new PciqServer({ dataDir, keyFile, extra: ['--workers', '2'], env });
      try {
        await serves(await server.endpoint, bootstrap);
        if (canSeeEnvironments) {
          assert.ok(processTree(server.process.pid!).length >= 3, 'a primary and two workers');
          assert.ok(!childEnvironmentsOf(server).includes(secret), 'the secret is in no worker’s environment');
        }
      } finally {
        assert.equal(await server.stop(), 0, server.stderr);
        dir.remove();
      }
    });
  }

  it('initializes a data directory on first use and then opens it, with the passphrase only in the environment', async () => {
    const dir = makeTempDir('pciq-env-key-');
    const dataDir = join(dir.path, 'data');
    const keyFile = join(dir.path, 'keys', 'master.key');
    const server = new PciqServer({
      dataDir,
      keyFile,
      extra: ['--workers', '1'],
      env: { PCIQ_KEY_PASSPHRASE: 'correct horse battery staple' },
    });
    try {
      await server.endpoint;
      assert.match(readFileSync(keyFile, 'utf8'), /"protection":"scrypt"/, 'the key file is sealed by the passphrase');
    } finally {
      assert.equal(await server.stop(), 0, server.stderr);
      dir.remove();
    }
  });
});
