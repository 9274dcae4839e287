/**
 * The aws-kms root key provider against a real KMS implementation: moto_server (from the local Python).
 * Skipped, visibly, where moto_server is not installed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AwsKmsKeyProvider, RootKeyUnavailableError } from '../../src/crypto/index.ts';
import { PciqServer, pciqBin } from '../support/pciq-process.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const hasMoto = spawnSync('moto_server', ['--help'], { encoding: 'utf8' }).status === 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function digest(dir: string): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(dir, { recursive: true }).map(String).sort()) {
    const full = join(dir, name);
    if (statSync(full).isFile()) hash.update(name).update(readFileSync(full));
  }
  return hash.digest('hex');
}

describe('aws-kms key provider against moto_server', { skip: hasMoto ? false : 'moto_server is not installed' }, () => {
  let moto: ChildProcess;
  /** A second KMS that never saw pciq's key: stands for a key that was deleted or is out of reach. */
  let emptyMoto: ChildProcess;
  let endpoint: string;
  let emptyEndpoint: string;
  let kms: KMSClient;
  let env: Record<string, string>;

  before(async () => {
    const start = async (): Promise<[ChildProcess, string]> => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
      for (let i = 0; i < 150; i++) {
        if (
          await fetch(url).then(
            () => true,
            () => false,
          )
        )
          break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return [child, url];
    };
    [moto, endpoint] = await start();
    [emptyMoto, emptyEndpoint] = await start();
    env = {
      AWS_ENDPOINT_URL_KMS: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    Object.assign(process.env, env);
    kms = new KMSClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
  });

  after(() => {
    kms?.destroy();
    moto?.kill();
    emptyMoto?.kill();
  });

  it('generates a root key wrapped by the AWS KMS key and unwraps it again', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'pciq root' }));
    const provider = new AwsKmsKeyProvider({ keyId: KeyMetadata!.KeyId! });
    const { root, record } = await provider.create();
    assert.equal(root.length, 32);
    assert.equal(record.provider, 'aws-kms');
    assert.ok(record['wrappedRoot'] && !record['wrappedRoot'].includes(root.toString('base64')));
    assert.deepEqual(await new AwsKmsKeyProvider({}).load(record), root);
    await assert.rejects(new AwsKmsKeyProvider({ keyId: 'another-key' }).load(record), /wrapped by AWS KMS key/);
    process.env['AWS_ENDPOINT_URL_KMS'] = emptyEndpoint;
    try {
      await assert.rejects(provider.load(record), (error: Error) => {
        assert.ok(error instanceof RootKeyUnavailableError);
        assert.match(error.message, /AWS KMS refused to unwrap the root key/);
        assert.doesNotMatch(error.message, /\n/);
        return true;
      });
    } finally {
      process.env['AWS_ENDPOINT_URL_KMS'] = endpoint;
    }
  });

  it('unwraps with the alias the root was created with, which AWS KMS resolved to its key at creation', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/pciq-root', TargetKeyId: KeyMetadata!.KeyId! }));
    // pciq serve run with the same --aws-kms-key-id as pciq init was.
    const { root, record } = await new AwsKmsKeyProvider({ keyId: 'alias/pciq-root' }).create();
    assert.equal(record['keyId'], KeyMetadata!.Arn);
    assert.deepEqual(await new AwsKmsKeyProvider({ keyId: 'alias/pciq-root' }).load(record), root);
    const aliasArn = KeyMetadata!.Arn!.replace(/key\/.*$/, 'alias/pciq-root');
    assert.deepEqual(await new AwsKmsKeyProvider({ keyId: aliasArn }).load(record), root);
    // An alias that points elsewhere is refused by AWS KMS itself: the ciphertext names its key.
    const other = await kms.send(new CreateKeyCommand({}));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/elsewhere', TargetKeyId: other.KeyMetadata!.KeyId! }));
    await assert.rejects(new AwsKmsKeyProvider({ keyId: 'alias/elsewhere' }).load(record), RootKeyUnavailableError);
  });

  it('serves a data directory whose root key AWS KMS wraps, and refuses to start when KMS will not unwrap it', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const dir = makeTempDir();
    const dataDir = join(dir.path, 'data');
    const childEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env };
    const init = spawnSync(
      process.execPath,
      [
        pciqBin,
        'init',
        '--data-dir',
        dataDir,
        '--key-provider',
        'aws-kms',
        '--aws-kms-key-id',
        KeyMetadata!.KeyId!,
        '--json',
      ],
      { encoding: 'utf8', env: childEnv },
    );
    assert.equal(init.status, 0, init.stderr);
    assert.equal(JSON.parse(init.stdout).keyProvider, 'aws-kms');
    const server = new PciqServer({ dataDir, keyFile: join(dir.path, 'unused.key'), extra: [] });
    assert.match(await server.endpoint, /^https:/);
    assert.equal(await server.stop(), 0);
    const before = digest(dataDir);
    const refused = spawnSync(process.execPath, [pciqBin, 'serve', '--data-dir', dataDir, '--port', '0'], {
      encoding: 'utf8',
      env: { ...childEnv, AWS_ENDPOINT_URL_KMS: emptyEndpoint },
      timeout: 60_000,
    });
    assert.notEqual(refused.status, 0);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /AWS KMS refused to unwrap the root key/);
    assert.equal(digest(dataDir), before, 'nothing changed in the data directory');
    dir.remove();
  });
});
