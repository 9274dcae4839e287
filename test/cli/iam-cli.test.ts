import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pciq, pciqJson } from '../support/pciq-cli.ts';
import { initDataDir, pciqBin } from '../support/pciq-process.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { authenticator, awayFromStepBoundary } from '../support/totp.ts';

describe('pciq init: the administrator with a password and MFA', () => {
  const dir = makeTempDir('pciq-init-admin-');
  after(() => dir.remove());

  it('asks for the password and two codes at the terminal, and prints recovery codes', async () => {
    const child = spawn(
      process.execPath,
      [
        pciqBin,
        'init',
        '--interactive',
        '--data-dir',
        join(dir.path, 'a'),
        '--key-file',
        join(dir.path, 'ka', 'm.key'),
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const seed = new Promise<string>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const key = /enter the key ([A-Z2-7]+)/.exec(stderr);
        if (key) resolve(key[1]!);
      });
    });
    child.stdin.write('too short 1\ntoo short 1\n');
    child.stdin.write('a good pass phrase 9\na good pass phrase 9\n');
    const code = authenticator(await seed);
    await awayFromStepBoundary();
    child.stdin.end(`${code(-1)}\n${code(0)}\n`);
    const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(exitCode, 0, stderr);
    assert.match(
      stderr,
      /at least 12 characters long \(PCI DSS 8\.3\.6\)/,
      'a weak password is refused, then asked again',
    );
    assert.match(stderr, /█/, 'the QR code is drawn');
    assert.equal((stderr.match(/^ {2}[A-Z2-7]{5}-[A-Z2-7]{5}$/gm) ?? []).length, 10, 'ten recovery codes');
    assert.match(stdout, /access key id +AKIA/);
    assert.match(stdout, /signs in with the password and MFA device just set up/);
    assert.doesNotMatch(stdout + stderr, /a good pass phrase 9/, 'the password is never echoed');
  });

  it('sets the password from a file and leaves the device to be enabled with pciq iam enable-mfa (--json)', async () => {
    const passwordFile = join(dir.path, 'password');
    writeFileSync(passwordFile, 'another good phrase 7\n', { mode: 0o600 });
    const args = ['--data-dir', join(dir.path, 'b'), '--key-file', join(dir.path, 'kb', 'm.key')];
    const boot = pciqJson<{
      adminLogin: { mfaSerialNumber: string; pendingMfa: { base32Seed: string }; finish: string };
    }>(['init', ...args, '--json', '--admin-password-file', passwordFile]);
    assert.match(boot.adminLogin.finish, /^pciq iam enable-mfa admin --serial-number arn:aws:iam::\d{12}:mfa\/admin/);
    const code = authenticator(boot.adminLogin.pendingMfa.base32Seed);
    await awayFromStepBoundary();
    const enabled = pciqJson<{ recoveryCodes: string[] }>([
      'iam',
      'enable-mfa',
      'admin',
      '--serial-number',
      boot.adminLogin.mfaSerialNumber,
      '--code1',
      code(-1),
      '--code2',
      code(0),
      ...args,
    ]);
    assert.equal(enabled.recoveryCodes.length, 10);
    const review = pciqJson<{ findings: Array<{ kind: string; subject: string }> }>([
      'iam',
      'review',
      '--format',
      'json',
      ...args,
    ]);
    assert.ok(
      !review.findings.some((finding) => finding.kind === 'person-without-mfa'),
      'the administrator has MFA now',
    );
  });
});

describe('pciq iam on a data directory', () => {
  const data = initDataDir();
  const args = ['--data-dir', data.dataDir, '--key-file', data.keyFile];
  const account = data.bootstrap.accountId;
  after(() => data.remove());

  before(() => {
    const steps: string[][] = [
      ['create-user', 'alice'],
      ['create-group', 'readers'],
      ['add-to-group', 'readers', 'alice'],
      [
        'put-policy',
        '--group',
        'readers',
        'read',
        '--document',
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'Read',
              Effect: 'Allow',
              Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'kms:DescribeKey', 'kms:ReEncryptFrom'],
              Resource: '*',
            },
            { Sid: 'NeverPurge', Effect: 'Deny', Action: 'sqs:PurgeQueue', Resource: '*' },
          ],
        }),
      ],
      ['create-access-key', 'alice'],
    ];
    for (const step of steps) {
      const result = pciq(['iam', ...step, ...args]);
      assert.equal(result.status, 0, `${step.join(' ')}: ${result.stderr}`);
    }
  });

  it('simulates a request and names the statement that decided', () => {
    const result = pciq([
      'iam',
      'simulate',
      '--principal',
      `arn:aws:iam::${account}:user/alice`,
      '--action',
      'sqs:ReceiveMessage',
      '--action',
      'sqs:PurgeQueue',
      '--action',
      'sqs:SendMessage',
      '--resource',
      `arn:aws:sqs:us-east-1:${account}:orders`,
      ...args,
    ]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /sqs:ReceiveMessage +\S+ +Allow +Allow group\/readers\/read#Read \(identity\)/);
    assert.match(result.stdout, /sqs:PurgeQueue +\S+ +ExplicitDeny +Deny group\/readers\/read#NeverPurge \(identity\)/);
    assert.match(result.stdout, /sqs:SendMessage +\S+ +ImplicitDeny +no-allow/);
  });

  it('reviews who can act on each queue and key, and the credentials that need attention, as JSON and CSV', () => {
    const created = pciq([
      'iam',
      'create-role',
      'idle',
      '--trust-policy',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: account }, Action: 'sts:AssumeRole' }],
      }),
      ...args,
    ]);
    assert.equal(created.status, 0, created.stderr);
    const review = pciqJson<{
      grants: Array<{ resource: string; principal: string; actions: string[]; via: string[] }>;
      findings: Array<{ kind: string; subject: string; detail: string }>;
    }>(['iam', 'review', '--json', ...args]);
    const alice = review.grants.filter((grant) => grant.principal.endsWith(':user/alice'));
    assert.ok(alice.length > 0, 'alice can act on the IAM key through her group');
    // ReEncrypt is reviewed as the IAM actions KMS authorizes it as.
    assert.ok(alice.every((grant) => grant.actions.join() === 'kms:DescribeKey,kms:ReEncryptFrom'));
    assert.deepEqual(alice[0]?.via, ['group/readers/read#Read']);
    const admin = review.grants.find((grant) => grant.principal.endsWith(':user/admin'));
    assert.deepEqual(admin?.via, ['arn:aws:iam::aws:policy/AdministratorAccess#Statement[0]']);
    const kinds = review.findings.map((finding) => finding.kind);
    assert.ok(kinds.includes('root-without-mfa'));
    assert.ok(kinds.includes('wildcard-grant'));
    const csv = pciq(['iam', 'review', '--format', 'csv', ...args]);
    assert.equal(csv.status, 0, csv.stderr);
    assert.match(csv.stdout, /^kind,resource_or_subject,principal,actions,via,detail\n/);
    assert.match(csv.stdout, /^wildcard-grant,arn:aws:iam::aws:policy\/AdministratorAccess#Statement\[0\],/m);
  });

  it('gives a person a password that must change at first use, and unlocks it', () => {
    const passwordFile = join(makeTempDir('pciq-pw-').path, 'pw');
    writeFileSync(passwordFile, 'temporary pass 123\n');
    const set = pciqJson<{ mustChangePassword: boolean }>([
      'iam',
      'set-password',
      'alice',
      '--password-file',
      passwordFile,
      '--json',
      ...args,
    ]);
    assert.equal(set.mustChangePassword, true);
    const unlocked = pciq(['iam', 'unlock', 'alice', ...args]);
    assert.equal(unlocked.status, 0, unlocked.stderr);
  });

  it('explains a mistake in one line', () => {
    for (const [argv, pattern] of [
      [['iam', 'delete-user', 'nobody'], /^pciq iam: NoSuchEntity: The user with name nobody cannot be found\.\n$/],
      [
        ['iam', 'attach-policy', 'arn:aws:iam::aws:policy/IAMReadOnlyAccess'],
        /name exactly one of --user NAME, --group NAME or --role NAME/,
      ],
      [['iam', 'frobnicate'], /unknown iam command 'frobnicate'/],
      [['iam', 'simulate'], /needs --principal ARN and at least one --action/],
      [
        [
          'iam',
          'simulate',
          '--principal',
          `arn:aws:iam::${account}:user/alice`,
          '--action',
          'sqs:SendMessage',
          'sqs:ReceiveMessage',
        ],
        /not 'sqs:ReceiveMessage': give each action its own --action/,
      ],
    ] as const) {
      const result = pciq([...argv, ...args]);
      assert.equal(result.status, 1, result.stdout);
      assert.match(result.stderr, pattern);
    }
  });
});
