/**
 * pciq driven by the Python world: boto3 and the AWS CLI, in both wire protocols. Debian's python3-boto3
 * 1.26 and awscli 2.9 speak Query (XML); boto3 >= 1.31 and the AWS CLI v1 speak AWS JSON 1.0. Clients that
 * are not installed are skipped with a visible notice (`.ci/run` installs Debian's).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { createTestSchema, skipNotice, type TestSchema, testPostgres } from '../support/postgres.ts';

interface PythonClient {
  label: string;
  python: string;
}

function boto3Version(python: string): string | undefined {
  const result = spawnSync(python, ['-c', 'import boto3, botocore; print(botocore.__version__)'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function awsCliVersion(aws: string): string | undefined {
  const result = spawnSync(aws, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? `${result.stdout}${result.stderr}`.trim() : undefined;
}

const debianPython = '/usr/bin/python3';
const pathPython = 'python3';
const debianAws = '/usr/bin/aws';
const pathAws = 'aws';
const flowScript = join(import.meta.dirname, 'clients', 'boto3_flow.py');

/** The same journeys on each store: the embedded SQLite file, and a PostgreSQL database. */
function describePythonClients(driver: string, makeStore?: () => Promise<TestSchema>): void {
  describe(`Python clients against pciq serve on ${driver}`, () => {
    let schema: TestSchema | undefined;
    let data: ReturnType<typeof initDataDir>;
    let server: PciqServer;
    let endpoint: string;
    let env: NodeJS.ProcessEnv;

    before(async () => {
      schema = await makeStore?.();
      data = initDataDir({ store: schema?.url });
      server = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile, extra: data.storeArgs });
      endpoint = await server.endpoint;
      env = {
        PATH: process.env['PATH'],
        HOME: process.env['HOME'],
        AWS_ACCESS_KEY_ID: data.bootstrap.accessKeyId,
        AWS_SECRET_ACCESS_KEY: data.bootstrap.secretAccessKey,
        AWS_DEFAULT_REGION: data.bootstrap.region,
        AWS_CA_BUNDLE: data.bootstrap.caFile,
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_PAGER: '',
        PCIQ_ENDPOINT: endpoint,
      };
    });

    after(async () => {
      await server.stop();
      data.remove();
      await schema?.drop();
    });

    const pythons: PythonClient[] = [
      { label: "Debian's python3-boto3 (Query protocol)", python: debianPython },
      { label: 'boto3 on PATH (JSON protocol)', python: pathPython },
    ];

    for (const [index, client] of pythons.entries()) {
      it(`runs the standard, FIFO, dead-letter, batch, visibility, delay, long-poll, tag and error flows with ${client.label}`, (t) => {
        const version = boto3Version(client.python);
        if (!version) return t.skip(`${client.python} has no boto3`);
        const output = execFileSync(client.python, [flowScript], {
          env: { ...env, PCIQ_PREFIX: `py${index}-` },
          encoding: 'utf8',
        });
        const r = JSON.parse(output);
        const expectedProtocol = client.python === debianPython ? 'query' : 'json';
        if (client.python === pathPython && r.protocol !== 'json')
          return t.skip(`boto3 ${version} on PATH speaks ${r.protocol}`);
        assert.equal(r.protocol, expectedProtocol);
        assert.equal(r.body, 'order\r\nline two ✓', 'CR LF survives the protocol');
        assert.equal(r.amount, '12.5');
        assert.deepEqual(r.blob, [0, 1, 255]);
        assert.equal(r.receiveCount, '1');
        assert.equal(r.visibleAfterDelete, '0');
        assert.match(r.queueArn, /^arn:aws:sqs:us-east-1:\d{12}:py\d-standard$/);
        assert.deepEqual(r.tags, { env: 'test' });
        assert.deepEqual(r.batchSuccessful, ['a', 'b']);
        assert.deepEqual(r.batchFailed, [['c', 'InvalidMessageContents']]);
        assert.deepEqual(r.batchReceived, ['one', 'two']);
        assert.equal(r.afterRelease.length, 1);
        assert.deepEqual(r.batchDeleted, ['d1', 'd2']);
        assert.equal(r.delayed, '1');
        assert.deepEqual(r.longPoll, ['wake']);
        assert.ok(r.longPollSeconds < 5, `long poll took ${r.longPollSeconds}s`);
        assert.deepEqual(r.fifoOrder, ['a1', 'a2', 'b1']);
        assert.deepEqual(r.fifoGroups, ['a', 'a', 'b']);
        assert.match(r.fifoDuplicateSequence, /^\d{20}$/);
        assert.deepEqual(r.deadLetters, ['poison']);
        assert.equal(r.deadLetterSources.length, 1);
        assert.equal(r.listPage, 2);
        assert.equal(r.listHasNext, true);
        assert.deepEqual(r.errors, {
          missingQueue: 'AWS.SimpleQueueService.NonExistentQueue',
          badName: 'InvalidParameterValue',
          badAttribute: 'InvalidAttributeValue',
          emptyBatch: 'AWS.SimpleQueueService.EmptyBatchRequest',
          badHandle: 'ReceiptHandleIsInvalid',
          attributesOfMissingQueue: 'AWS.SimpleQueueService.NonExistentQueue',
          badRedrivePolicy: 'InvalidParameterValue',
          wrongSecret: 'SignatureDoesNotMatch',
        });
        assert.equal(r.modeledException, true, 'boto3 raises its modeled QueueDoesNotExist');
      });
    }

    const clis = [
      { label: "Debian's awscli 2.9 (Query protocol)", aws: debianAws },
      { label: 'AWS CLI v1 on PATH (JSON protocol)', aws: pathAws },
    ];

    for (const [index, cli] of clis.entries()) {
      it(`creates, sends, receives, tags and fails as the AWS CLI expects with ${cli.label}`, (t) => {
        if (!awsCliVersion(cli.aws)) return t.skip(`${cli.aws} is not installed`);
        const aws = (...args: string[]) =>
          spawnSync(cli.aws, ['sqs', ...args, '--endpoint-url', endpoint, '--output', 'json'], {
            env,
            encoding: 'utf8',
          });
        const ok = (...args: string[]) => {
          const result = aws(...args);
          assert.equal(result.status, 0, result.stderr);
          return result.stdout.trim() ? JSON.parse(result.stdout) : {};
        };
        const name = `cli${index}-queue`;
        const url = ok('create-queue', '--queue-name', name, '--attributes', 'VisibilityTimeout=45').QueueUrl as string;
        assert.equal(url, `${endpoint}/${data.bootstrap.accountId}/${name}`);
        const sent = ok(
          'send-message',
          '--queue-url',
          url,
          '--message-body',
          'from the cli',
          '--message-attributes',
          'k={DataType=String,StringValue=v}',
        );
        assert.ok(sent.MessageId && sent.MD5OfMessageAttributes);
        const received = ok(
          'receive-message',
          '--queue-url',
          url,
          '--attribute-names',
          'All',
          '--message-attribute-names',
          'All',
        );
        assert.equal(received.Messages[0].Body, 'from the cli');
        assert.equal(received.Messages[0].MessageAttributes.k.StringValue, 'v');
        ok('delete-message', '--queue-url', url, '--receipt-handle', received.Messages[0].ReceiptHandle);
        const attributes = ok(
          'get-queue-attributes',
          '--queue-url',
          url,
          '--attribute-names',
          'VisibilityTimeout',
          'ApproximateNumberOfMessages',
        );
        assert.deepEqual(attributes.Attributes, { VisibilityTimeout: '45', ApproximateNumberOfMessages: '0' });
        ok('tag-queue', '--queue-url', url, '--tags', 'owner=payments');
        assert.deepEqual(ok('list-queue-tags', '--queue-url', url).Tags, { owner: 'payments' });
        const batch = ok(
          'send-message-batch',
          '--queue-url',
          url,
          '--entries',
          'Id=a,MessageBody=one',
          'Id=b,MessageBody=two',
        );
        assert.equal(batch.Successful.length, 2);
        const missing = aws('get-queue-url', '--queue-name', `cli${index}-missing`);
        assert.notEqual(missing.status, 0);
        assert.match(missing.stderr, /NonExistentQueue|QueueDoesNotExist/);
        ok('delete-queue', '--queue-url', url);
      });
    }
  });
}

// Probed before any test runs: the tests' synchronous child processes (pciq init) would stall the probe past
// its timeout and skip the PostgreSQL tests.
const postgres = await testPostgres();
describePythonClients('sqlite');
if ('skip' in postgres) skipNotice('Python clients against pciq serve on postgres', postgres.skip);
else describePythonClients('postgres', () => createTestSchema(postgres.url));
