import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FunctionView } from '../../src/functions/index.ts';
import { createFunctionRole } from '../support/function-role.ts';
import { cardDataLeaks, textHaystack } from '../support/leak-scan.ts';
import { pciq, pciqJson } from '../support/pciq-cli.ts';
import { initDataDir } from '../support/pciq-process.ts';

const marker = 'handler-source-marker-5f1c';
const secretValue = 'correct-horse-battery-staple-91';

describe('pciq functions', () => {
  let data: ReturnType<typeof initDataDir>;
  let role: string;
  let codeDir: string;
  const dataArgs = () => ['--data-dir', data.dataDir, '--key-file', data.keyFile];
  const run = (...args: string[]) => pciq(['functions', ...args, ...dataArgs()]);
  const json = <T>(...args: string[]) => pciqJson<T>(['functions', ...args, '--json', ...dataArgs()]);

  function oneLineError(result: ReturnType<typeof pciq>, pattern: RegExp): void {
    assert.equal(result.status, 1, result.stdout);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, pattern);
  }

  before(() => {
    data = initDataDir();
    role = `arn:aws:iam::${data.bootstrap.accountId}:role/worker`;
    createFunctionRole('worker', dataArgs());
    codeDir = join(data.dataDir, '..', 'code');
    mkdirSync(codeDir);
    writeFileSync(join(codeDir, 'index.mjs'), `// ${marker}\nexport const handler = async () => {};\n`);
    writeFileSync(join(codeDir, 'other.mjs'), 'export const main = async () => {};\n');
  });
  after(() => data.remove());

  it('deploys a function as version 1, flags secret-looking environment variables and never shows their values', () => {
    const deployed = run(
      'deploy',
      'billing',
      '--code',
      codeDir,
      '--handler',
      'index.handler',
      '--role',
      role,
      '--timeout',
      '10',
      '--memory',
      '256',
      '--env',
      `DB_PASSWORD=${secretValue}`,
      '--env',
      'STAGE=prod',
    );
    assert.equal(deployed.status, 0, deployed.stderr);
    assert.match(deployed.stdout, /^function {6}billing\n/);
    assert.match(deployed.stdout, /version {7}1 \(current\)/);
    assert.match(deployed.stdout, /environment {3}sealed; secret-looking: DB_PASSWORD/);
    assert.match(deployed.stderr, /warning: environment variable DB_PASSWORD looks like a secret/);
    assert.doesNotMatch(deployed.stdout + deployed.stderr, new RegExp(secretValue));
    const view = json<FunctionView>('get', 'billing');
    assert.deepEqual(
      { ...view, arn: undefined },
      {
        ...view,
        arn: undefined,
        name: 'billing',
        version: 1,
        isCurrent: true,
        handler: 'index.handler',
        role,
        timeoutSec: 10,
        memoryMb: 256,
        secretEnvironmentVariables: ['DB_PASSWORD'],
      },
    );
    assert.equal(view.arn, `arn:aws:lambda:us-east-1:${data.bootstrap.accountId}:function:billing:1`);
  });

  it('stores code and environment sealed: neither is anywhere in the data directory in clear', () => {
    for (const name of readdirSync(data.dataDir)) {
      if (!name.startsWith('pciq.db')) continue;
      const bytes = readFileSync(join(data.dataDir, name));
      assert.equal(bytes.includes(marker), false, `${name} holds the code in clear`);
      assert.equal(bytes.includes(secretValue), false, `${name} holds the secret in clear`);
    }
  });

  it('updates to a new current version, lists versions, and deletes an old version but not the current one', () => {
    const updated = json<{ function: FunctionView }>('update', 'billing', '--handler', 'other.main', '--timeout', '20');
    assert.equal(updated.function.version, 2);
    assert.equal(updated.function.handler, 'other.main');
    assert.equal(updated.function.memoryMb, 256, 'what is not given is kept');
    assert.deepEqual(updated.function.secretEnvironmentVariables, ['DB_PASSWORD'], 'the environment is kept');
    assert.deepEqual(
      json<FunctionView[]>('versions', 'billing').map((v) => [v.version, v.isCurrent, v.timeoutSec]),
      [
        [1, false, 10],
        [2, true, 20],
      ],
    );
    assert.equal(json<FunctionView>('get', 'billing', '--version', '1').handler, 'index.handler');
    oneLineError(
      run('delete', 'billing', '--version', '2'),
      /ResourceConflictException: Version 2 is the current version/,
    );
    assert.equal(run('delete', 'billing', '--version', '1').status, 0);
    assert.deepEqual(
      json<FunctionView[]>('versions', 'billing').map((v) => v.version),
      [2],
    );
    const cleared = json<{ function: FunctionView }>('update', 'billing', '--clear-env');
    assert.equal(cleared.function.version, 3);
    assert.deepEqual(cleared.function.secretEnvironmentVariables, []);
  });

  it('refuses bad input with one line that says what to do', () => {
    oneLineError(
      run('deploy', 'billing', '--code', codeDir, '--handler', 'index.handler', '--role', role),
      /ResourceConflictException: Function already exists: billing\. Use update/,
    );
    oneLineError(
      run('deploy', 'x', '--code', codeDir, '--handler', 'missing.handler', '--role', role),
      /Handler missing\.handler needs one of missing\.js, missing\.mjs, missing\.cjs in the code/,
    );
    oneLineError(
      run('deploy', 'x', '--code', codeDir, '--handler', 'index.handler', '--role', 'arn:aws:iam::999999999999:role/r'),
      /belongs to another account/,
    );
    oneLineError(run('deploy', 'x', '--code', codeDir, '--handler', 'index.handler'), /deploy needs --role/);
    oneLineError(
      run('deploy', 'x', '--code', codeDir, '--handler', 'index.handler', '--role', role, '--timeout', '901'),
      /Timeout \(seconds\) must be a whole number from 1 to 900/,
    );
    const refused = run(
      'deploy',
      'x',
      '--code',
      codeDir,
      '--handler',
      'index.handler',
      '--role',
      role,
      '--env',
      'UPSTREAM=AKIAIOSFODNN7EXAMPLE',
    );
    oneLineError(refused, /UPSTREAM holds what looks like an AWS access key id: credentials must not be stored/);
    assert.doesNotMatch(refused.stderr, /AKIAIOSFODNN7EXAMPLE/);
    oneLineError(run('get', 'nope'), /ResourceNotFoundException: Function not found: nope/);
    oneLineError(
      run('map', 'billing', '--queue', 'no-such-queue'),
      /QueueDoesNotExist: The specified queue does not exist/,
    );
    oneLineError(run('disable', 'not-a-mapping'), /ResourceNotFoundException: Event source mapping not found/);
    oneLineError(run('frobnicate'), /unknown functions command 'frobnicate'/);
  });

  it('records every change in the audit trail, with names of secret variables but never their values', () => {
    const search = (type: string) =>
      pciqJson<{ records: Array<Record<string, unknown>> }>([
        'audit',
        'search',
        '--event-type',
        type,
        '--json',
        ...dataArgs(),
      ]).records;
    const [created] = search('lambda:CreateFunction');
    assert.ok(created);
    assert.equal(created.outcome, 'success');
    assert.equal(created.category, 'management');
    assert.match(String((created.actor as { principal: string }).principal), /^local-user:/);
    assert.equal((created.details as Record<string, unknown>).secretEnvironmentVariables, 'DB_PASSWORD');
    assert.equal(search('lambda:UpdateFunction').length, 2);
    assert.equal(search('lambda:DeleteFunction').length, 1);
    assert.equal(run('delete', 'billing').status, 0);
    assert.equal(search('lambda:DeleteFunction').length, 2);
    assert.deepEqual(json<FunctionView[]>('list'), []);
    const all = pciq(['audit', 'search', '--limit', '1000', '--json', ...dataArgs()]).stdout;
    assert.doesNotMatch(all, new RegExp(secretValue));
  });

  it('quotes no card number an operator typed by mistake when it refuses the command', () => {
    const refusals = [
      run('logs', 'orders', '--limit', '4111 1111 1111 1111'),
      run(
        'deploy',
        'orders',
        '--code',
        codeDir,
        '--handler',
        'index.handler',
        '--role',
        role,
        '--timeout',
        '4111111111111111',
      ),
      run('get', 'orders', '5555555555554444'),
      run('4111-1111-1111-1111'),
      pciq(['functions', 'list', '--limit=5555 5555 5555 4444', '--bogus-4111111111111111', ...dataArgs()]),
      pciq(['4111 1111 1111 1111', 'functions']),
    ];
    for (const refused of refusals) assert.notEqual(refused.status, 0, refused.stdout);
    const stderr = refusals.map((refused, index) => textHaystack(`refusal ${index}`, refused.stderr));
    assert.deepEqual(cardDataLeaks(stderr, { pans: ['4111111111111111', '5555555555554444'] }), []);
  });
});
