/**
 * A new user's first steps, literally: `pciq serve` initializes the data directory and prints how to point
 * AWS clients at it; the `export` lines it prints (and nothing else from the environment) must be enough for
 * each client the README names. The AWS CLI is given `--endpoint-url`, as the README says it needs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PciqServer } from '../support/pciq-process.ts';
import { makeTempDir } from '../support/temp-dir.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The variables of the printed `export NAME=value …` lines, with the secret put where the text says. */
function exportedVariables(printed: string): Record<string, string> {
  const secret = /secret access key\s+(\S+)/.exec(printed)?.[1];
  assert.ok(secret, 'the secret access key is printed');
  const variables: Record<string, string> = {};
  for (const line of printed.split('\n')) {
    const exported = /^\s*export (.+)$/.exec(line)?.[1];
    if (!exported) continue;
    for (const [, name, value] of exported.replace('<the secret above>', secret).matchAll(/(\w+)=(\S+)/g))
      variables[name!] = value!;
  }
  return variables;
}

describe('the client setup pciq prints at its first start', () => {
  const dir = makeTempDir('pciq-printed-');
  let server: PciqServer;
  let env: NodeJS.ProcessEnv;
  let endpoint: string;

  before(async () => {
    server = new PciqServer({
      dataDir: join(dir.path, 'data'),
      keyFile: join(dir.path, 'keys', 'master.key'),
      extra: ['--port', String(await freePort())],
    });
    endpoint = await server.endpoint;
    const exported = exportedVariables(server.stdout);
    assert.equal(exported['AWS_ENDPOINT_URL'], endpoint);
    // A clean shell: no profile, no region or credentials of the machine's own.
    env = {
      PATH: process.env['PATH'],
      HOME: dir.path,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_PAGER: '',
      ...exported,
    };
  });

  after(async () => {
    await server.stop();
    dir.remove();
  });

  it('is all boto3 needs', (t) => {
    const result = spawnSync(
      'python3',
      ['-c', "import boto3; print(boto3.client('sqs').create_queue(QueueName='printed-boto3')['QueueUrl'])"],
      { env, encoding: 'utf8' },
    );
    if (result.error || /No module named 'boto3'/.test(result.stderr)) return t.skip('python3 has no boto3');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /\/printed-boto3\n$/);
  });

  for (const aws of ['aws', '/usr/bin/aws']) {
    it(`is all the AWS CLI (${aws}) needs besides --endpoint-url`, (t) => {
      const result = spawnSync(
        aws,
        ['sqs', 'create-queue', '--queue-name', 'printed-cli', '--endpoint-url', endpoint],
        {
          env,
          encoding: 'utf8',
        },
      );
      if (result.error) return t.skip(`${aws} is not installed`);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /\/printed-cli"/);
    });
  }

  it('is all the AWS SDK for JavaScript v3 needs', () => {
    const script = `
      import { SQSClient, CreateQueueCommand } from '@aws-sdk/client-sqs';
      const { QueueUrl } = await new SQSClient({}).send(new CreateQueueCommand({ QueueName: 'printed-sdk' }));
      console.log(QueueUrl);`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env,
      cwd: join(import.meta.dirname, '..', '..'),
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /\/printed-sdk\n$/);
  });
});
