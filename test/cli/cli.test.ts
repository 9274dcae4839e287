import assert from 'node:assert/strict';
import { chmodSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { pciq } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/** A CLI failure is one line on stderr, never a stack trace. */
function assertOneLineError(result: ReturnType<typeof pciq>, pattern: RegExp): void {
  assert.notEqual(result.status, 0);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

describe('pciq init', () => {
  it('prints the bootstrap as JSON and keeps the key file apart, owner-only', () => {
    const data = initDataDir();
    const b = data.bootstrap;
    assert.equal(b.endpoint, 'https://127.0.0.1:9324');
    assert.equal(b.region, 'us-east-1');
    assert.match(b.accountId, /^\d{12}$/);
    assert.match(b.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(b.secretAccessKey.length, 40);
    assert.equal(b.caFile, join(data.dataDir, 'tls', 'ca.pem'));
    assert.equal(statSync(data.keyFile).mode & 0o777, 0o600);
    assert.equal(statSync(data.dataDir).mode & 0o777, 0o700);
    assert.equal(statSync(join(data.dataDir, 'tls', 'server-key.pem')).mode & 0o777, 0o600);
    data.remove();
  });

  it('prints the same for a person, with a warning to store the secret', () => {
    const dir = makeTempDir();
    const result = pciq(['init', '--data-dir', join(dir.path, 'd'), '--key-file', join(dir.path, 'k', 'master.key')]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /access key id\s+AKIA/);
    assert.match(result.stdout, /secret access key\s+\S{40}/);
    assert.match(result.stdout, /shown only this once/);
    dir.remove();
  });

  it('refuses to initialize twice, and a key file inside the data directory', () => {
    const data = initDataDir();
    assertOneLineError(pciq(['init', '--data-dir', data.dataDir, '--key-file', data.keyFile]), /already initialized/);
    const dir = makeTempDir();
    assertOneLineError(
      pciq(['init', '--data-dir', join(dir.path, 'd'), '--key-file', join(dir.path, 'd', 'master.key')]),
      /inside the data directory/,
    );
    data.remove();
    dir.remove();
  });

  it('explains unknown options and commands', () => {
    const bogus = pciq(['init', '--bogus']);
    assertOneLineError(bogus, /Unknown option '--bogus'; run `pciq help` for the options/);
    assert.doesNotMatch(bogus.stderr, /positional argument/, 'no tip about positionals for a mistyped option');
    assertOneLineError(
      pciq(['tokens', 'tokenize', '--ttl-seconds', '-5']),
      /^pciq tokens: Option '--ttl-seconds' argument is ambiguous\. .*'--ttl-seconds=-XYZ'; run `pciq help` for the options$/,
    );
    const unknown = pciq(['frobnicate']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  });

  it("shows a command's usage for --help or -h, after its subcommand too", () => {
    for (const [args, pattern] of [
      [['tokens', '--help'], /^pciq tokens tokenize .*\npciq tokens detokenize TOKEN/],
      [['tokens', 'detokenize', '-h'], /^pciq tokens tokenize /],
      [['iam', '--help'], /^pciq iam COMMAND .*\n {2}users \| create-user NAME/],
      [['serve', '--help'], /^pciq serve \[--data-dir DIR\]/],
    ] as const) {
      const result = pciq([...args]);
      assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stdout, pattern);
      assert.equal(result.stderr, '');
    }
  });
});

describe('pciq serve', () => {
  it('initializes on first use, printing the credentials once, and serves HTTPS', async () => {
    const dir = makeTempDir();
    const args = { dataDir: join(dir.path, 'd'), keyFile: join(dir.path, 'k', 'master.key') };
    const first = new PciqServer(args);
    assert.match(await first.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(first.stdout, /secret access key/);
    assert.equal(await first.stop(), 0);
    const second = new PciqServer(args);
    await second.endpoint;
    assert.doesNotMatch(second.stdout, /secret access key/);
    assert.equal(await second.stop(), 0);
    dir.remove();
  });

  it('refuses a key file that group or others may read, and a key of another data directory', () => {
    const data = initDataDir();
    chmodSync(data.keyFile, 0o644);
    assertOneLineError(
      pciq(['serve', '--data-dir', data.dataDir, '--key-file', data.keyFile, '--port', '0']),
      /chmod 600/,
    );
    chmodSync(data.keyFile, 0o600);
    const other = initDataDir();
    assertOneLineError(
      pciq(['serve', '--data-dir', data.dataDir, '--key-file', other.keyFile, '--port', '0']),
      /is not the key of/,
    );
    data.remove();
    other.remove();
  });

  it('says a key file given as a directory is one, for serve and for init, rather than asking for chmod 600', () => {
    const data = initDataDir();
    const keysDir = dirname(data.keyFile);
    assertOneLineError(
      pciq(['serve', '--data-dir', data.dataDir, '--key-file', keysDir, '--port', '0']),
      /key file .* is a directory.*master\.key/,
    );
    assertOneLineError(
      pciq(['init', '--data-dir', `${data.dataDir}-second`, '--key-file', keysDir, '--json']),
      /key file .* is a directory/,
    );
    data.remove();
  });

  it('says clearly when the port is taken', async () => {
    const data = initDataDir();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    assertOneLineError(
      // serve opens the store, the keys and the audit trail before it binds: a loaded machine needs time.
      pciq(['serve', '--data-dir', data.dataDir, '--key-file', data.keyFile, '--port', String(port)], {
        timeoutMs: 90_000,
      }),
      new RegExp(`port ${port} on 127.0.0.1 is already in use`),
    );
    blocker.close();
    data.remove();
  });

  it('serves plain HTTP only on loopback, and says loudly that it is out of PCI scope', async () => {
    const data = initDataDir();
    assertOneLineError(
      pciq(['serve', '--data-dir', data.dataDir, '--key-file', data.keyFile, '--insecure-http', '--host', '0.0.0.0']),
      /loopback address only/,
    );
    const server = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile, extra: ['--insecure-http'] });
    const endpoint = await server.endpoint;
    assert.match(endpoint, /^http:\/\//);
    assert.match(server.stderr, /OUT OF PCI DSS SCOPE/);
    const status = await new Promise<number>((resolve) =>
      request(endpoint, { method: 'POST' }, (r) => resolve(r.statusCode ?? 0)).end(),
    );
    assert.equal(status, 403, 'unsigned requests are still refused');
    await server.stop();
    data.remove();
  });
});

describe('pciq tokens', () => {
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: '/nonexistent',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: 'https://127.0.0.1:1',
  };

  it('explains a bad TTL and an endpoint it cannot use, naming the endpoint wherever it came from', () => {
    for (const ttl of ['0', '-5', '1.5', 'soon']) {
      const result = pciq(['tokens', 'tokenize', `--ttl-seconds=${ttl}`], { env, input: '4111111111111111\n' });
      assertOneLineError(result, /^pciq tokens: --ttl-seconds must be a whole number of seconds, 1 or more$/);
    }
    const plainHttp = pciq(['tokens', 'detokenize', 'tok_x'], {
      env: { ...env, AWS_ENDPOINT_URL_VAULT: 'http://127.0.0.1:9324' },
    });
    assertOneLineError(
      plainHttp,
      /^pciq tokens: endpoint http:\/\/127\.0\.0\.1:9324: the vault API is served over HTTPS only$/,
    );
    const notUrl = pciq(['tokens', 'detokenize', 'tok_x'], { env: { ...env, AWS_ENDPOINT_URL: 'vault.local' } });
    assertOneLineError(notUrl, /^pciq tokens: endpoint vault\.local: Invalid URL$/);
  });
});
