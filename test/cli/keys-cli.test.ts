import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pciqBin } from '../support/pciq-process.ts';
import { makeTempDir } from '../support/temp-dir.ts';

function pciq(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [pciqBin, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env },
  });
}

/** Names, modes and contents of every file under `dir`: anything that changes it changes the digest. */
function digest(dir: string): string {
  const hash = createHash('sha256');
  const walk = (path: string) => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      const stat = statSync(full);
      hash.update(`${full}\n${stat.mode}\n${stat.size}\n`);
      if (stat.isDirectory()) walk(full);
      else hash.update(readFileSync(full));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

function assertOneLineError(result: ReturnType<typeof pciq>, pattern: RegExp): void {
  assert.notEqual(result.status, 0, result.stdout);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, pattern);
}

describe('pciq serve start-up safety', () => {
  it('refuses a wrong, missing or corrupted key file and a wrong passphrase, changing nothing in the data directory', () => {
    const dir = makeTempDir();
    const dataDir = join(dir.path, 'data');
    const keyFile = join(dir.path, 'keys', 'master.key');
    const passphraseFile = join(dir.path, 'passphrase');
    writeFileSync(passphraseFile, 'correct horse battery staple\n', { mode: 0o600 });
    const init = pciq([
      'init',
      '--data-dir',
      dataDir,
      '--key-file',
      keyFile,
      '--key-passphrase-file',
      passphraseFile,
      '--json',
    ]);
    assert.equal(init.status, 0, init.stderr);
    assert.match(readFileSync(keyFile, 'utf8'), /"protection":"scrypt"/);
    const before = digest(dataDir);
    const serve = (...extra: string[]) => pciq(['serve', '--data-dir', dataDir, '--port', '0', ...extra]);

    const wrongPassphrase = join(dir.path, 'wrong');
    writeFileSync(wrongPassphrase, 'incorrect horse battery staple\n', { mode: 0o600 });
    assertOneLineError(serve('--key-file', keyFile, '--key-passphrase-file', wrongPassphrase), /wrong passphrase/);
    assertOneLineError(serve('--key-file', keyFile), /protected by a passphrase/);
    assertOneLineError(serve('--key-file', join(dir.path, 'absent.key')), /does not exist/);
    const other = join(dir.path, 'other', 'master.key');
    assert.equal(pciq(['init', '--data-dir', join(dir.path, 'other-data'), '--key-file', other]).status, 0);
    assertOneLineError(serve('--key-file', other), /is not the key of/);
    const corrupted = join(dir.path, 'corrupted.key');
    writeFileSync(corrupted, '{"format":"pciq-root-key","version":1,"protection":"none","key":"AAAA"}\n', {
      mode: 0o600,
    });
    assertOneLineError(serve('--key-file', corrupted), /256-bit key/);
    assertOneLineError(serve('--key-provider', 'env', '--key-file', keyFile), /held by the local key provider/);
    assert.equal(digest(dataDir), before, 'the data directory is unchanged');

    const keys = pciq(['keys', 'list', '--data-dir', dataDir, '--key-file', keyFile], {
      PCIQ_KEY_PASSPHRASE: 'correct horse battery staple',
    });
    assert.equal(keys.status, 0, keys.stderr);
    assert.match(keys.stdout, /alias\/aws\/iam/);
    dir.remove();
  });

  it('takes the root key from PCIQ_MASTER_KEY with the env provider, and refuses without it', () => {
    const dir = makeTempDir();
    const dataDir = join(dir.path, 'data');
    const root = Buffer.alloc(32, 7).toString('base64');
    const init = pciq(['init', '--data-dir', dataDir, '--key-provider', 'env', '--json'], { PCIQ_MASTER_KEY: root });
    assert.equal(init.status, 0, init.stderr);
    assert.equal(JSON.parse(init.stdout).keyProvider, 'env');
    assert.doesNotMatch(init.stdout + init.stderr, new RegExp(root.slice(0, 20)));
    const before = digest(dataDir);
    assertOneLineError(pciq(['serve', '--data-dir', dataDir, '--port', '0']), /PCIQ_MASTER_KEY is not set/);
    assertOneLineError(
      pciq(['serve', '--data-dir', dataDir, '--port', '0'], {
        PCIQ_MASTER_KEY: Buffer.alloc(32, 8).toString('base64'),
      }),
      /is not the key of/,
    );
    assert.equal(digest(dataDir), before);
    const list = pciq(['keys', 'list', '--data-dir', dataDir], { PCIQ_MASTER_KEY: root });
    assert.equal(list.status, 0, list.stderr);
    dir.remove();
  });
});

describe('root key file durability', () => {
  const hasStrace = spawnSync('strace', ['-V'], { encoding: 'utf8' }).status === 0;

  it('is on disk, with its directory entry, before pciq init writes anything sealed under it', {
    skip: hasStrace ? false : 'strace is not installed',
  }, () => {
    // Losing the key file to a power cut after the database committed would lose everything sealed under it.
    const dir = makeTempDir();
    const trace = join(dir.path, 'trace');
    const keyFile = join(dir.path, 'keys', 'master.key');
    const init = spawnSync(
      'strace',
      [
        '-f',
        '-e',
        'trace=openat,fsync,fdatasync,close',
        '-o',
        trace,
        process.execPath,
        pciqBin,
        'init',
        '--data-dir',
        join(dir.path, 'data'),
        '--key-file',
        keyFile,
      ],
      { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env['PATH'], HOME: process.env['HOME'] } },
    );
    assert.equal(init.status, 0, init.stderr);
    const lines = readFileSync(trace, 'utf8').split('\n');
    /** The line of the fsync of `path`, between its open and its close (file descriptors are reused). */
    const synced = (path: string) => {
      const opened = lines.findIndex((line) => line.includes(`openat(AT_FDCWD, "${path}"`) && /= \d+$/.test(line));
      assert.ok(opened >= 0, `${path} is opened`);
      const fd = /= (\d+)$/.exec(lines[opened]!)![1];
      const closed = lines.findIndex((line, index) => index > opened && line.includes(`close(${fd})`));
      const sync = lines.findIndex((line, index) => index > opened && line.includes(`fsync(${fd})`));
      assert.ok(sync > opened && (closed === -1 || sync < closed), `${path} is fsynced before it is closed`);
      return sync;
    };
    const keySynced = Math.max(synced(keyFile), synced(join(dir.path, 'keys')));
    const database = lines.findIndex((line) => line.includes(`${join(dir.path, 'data', 'pciq.db')}"`));
    assert.ok(database > keySynced, 'the key file and its directory are synced before the database is created');
    dir.remove();
  });
});

describe('pciq keys', () => {
  it('creates, describes, disables, rotates and schedules deletion, and re-wraps the root under a new key file', () => {
    const dir = makeTempDir();
    const dataDir = join(dir.path, 'data');
    const keyFile = join(dir.path, 'keys', 'master.key');
    assert.equal(pciq(['init', '--data-dir', dataDir, '--key-file', keyFile]).status, 0);
    const base = ['--data-dir', dataDir, '--key-file', keyFile];
    const created = pciq([
      'keys',
      'create',
      '--alias',
      'alias/orders',
      '--description',
      'orders',
      '--rotation-period-days',
      '90',
      '--json',
      ...base,
    ]);
    assert.equal(created.status, 0, created.stderr);
    const key = JSON.parse(created.stdout);
    assert.equal(key.rotationPeriodDays, 90);
    assert.deepEqual(key.aliases, ['alias/orders']);
    assert.match(pciq(['keys', 'disable', 'alias/orders', ...base]).stdout, /state\s+Disabled/);
    assert.match(pciq(['keys', 'enable', key.keyId, ...base]).stdout, /state\s+Enabled/);
    assert.match(pciq(['keys', 'rotate', 'alias/orders', ...base]).stdout, /current version\s+2/);
    const reencrypt = pciq(['keys', 'reencrypt', '--retire', ...base]);
    assert.equal(reencrypt.status, 0, reencrypt.stderr);
    assert.match(reencrypt.stdout, /retired .*key\/.* versions 1/);
    assertOneLineError(
      pciq(['keys', 'schedule-deletion', 'alias/orders', '--days', '3', ...base]),
      /ValidationException: .*between 7 and 30/,
    );
    assert.match(pciq(['keys', 'schedule-deletion', 'alias/orders', '--days', '7', ...base]).stdout, /PendingDeletion/);
    assert.match(pciq(['keys', 'cancel-deletion', key.keyId, ...base]).stdout, /state\s+Disabled/);
    const skipped = pciq(['keys', 'reencrypt', 'alias/orders', '--retire', ...base]);
    assert.equal(skipped.status, 0, skipped.stderr);
    assert.match(skipped.stdout, /skipped .*key\/.*: Disabled, it opens nothing; enable it to re-encrypt/);
    assertOneLineError(pciq(['keys', 'describe', 'alias/nothing', ...base]), /NotFoundException/);

    // PCI DSS 10.2.1.2, 3.7: what an operator does to keys with pciq keys is in the audit trail, as them.
    const recorded = (type: string) => {
      const search = pciq(['audit', 'search', '--event-type', type, '--json', ...base]);
      assert.equal(search.status, 0, search.stderr);
      return (JSON.parse(search.stdout) as { records: Array<{ actor: { principal: string }; resource: string }> })
        .records;
    };
    for (const type of [
      'kms:KeyCreated',
      'kms:AliasCreated',
      'kms:KeyDisabled',
      'kms:KeyEnabled',
      'kms:KeyRotated',
      'kms:KeyMaterialDestroyed',
      'kms:KeyDeletionScheduled',
      'kms:KeyDeletionCancelled',
    ]) {
      const records = recorded(type).filter((record) => record.resource?.includes(key.keyId));
      assert.equal(records.length, 1, `one ${type} record`);
      assert.match(records[0]!.actor.principal, /^local-user:/);
    }

    const newKeyFile = join(dir.path, 'keys', 'master-2.key');
    const rewrap = pciq(['keys', 'rewrap-root', '--new-key-provider', 'local', '--new-key-file', newKeyFile, ...base]);
    assert.equal(rewrap.status, 0, rewrap.stderr);
    assertOneLineError(pciq(['keys', 'list', ...base]), /is not the key of/);
    const list = pciq(['keys', 'list', '--data-dir', dataDir, '--key-file', newKeyFile]);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /alias\/orders/);
    // PCI DSS 3.6.1: the new root is kept apart from the data it protects, as at init.
    assertOneLineError(
      pciq([
        'keys',
        'rewrap-root',
        '--new-key-provider',
        'local',
        '--new-key-file',
        join(dataDir, 'keys', 'master-3.key'),
        '--data-dir',
        dataDir,
        '--key-file',
        newKeyFile,
      ]),
      /inside the data directory/,
    );
    assert.ok(!existsSync(join(dataDir, 'keys')), 'no key file was written into the data directory');
    const replaced = pciq([
      'audit',
      'search',
      '--event-type',
      'kms:RootKeyReplaced',
      '--json',
      '--data-dir',
      dataDir,
      '--key-file',
      newKeyFile,
    ]);
    assert.equal(JSON.parse(replaced.stdout).records.length, 1, 'the root key replacement is recorded');
    const root = JSON.parse(readFileSync(newKeyFile, 'utf8')).key as string;
    for (const output of [created, rewrap, list])
      assert.doesNotMatch(output.stdout + output.stderr, new RegExp(root.slice(0, 16).replace(/[+/]/g, '.')));
    dir.remove();
  });
});
