/**
 * A database host that takes connections and never answers (a firewall that drops packets, an address left
 * behind by a failover): commands that open the store give up after `connect_timeout` with a line that says
 * what to check, instead of waiting for the system's TCP timeout. No PostgreSQL is needed: a silent listener
 * stands in for the host.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pciqAsync } from '../support/pciq-cli.ts';

describe('connecting to a database that never answers', () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  let port = 0;

  before(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as { port: number }).port;
  });

  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('gives up after connect_timeout, says what to check, and never shows the password', {
    timeout: 60_000,
  }, async () => {
    const started = performance.now();
    const result = await pciqAsync([
      'migrate',
      '--store',
      `postgres://pciq:hunter2-secret@127.0.0.1:${port}/pciq?connect_timeout=2`,
    ]);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^pciq migrate: cannot reach .*did not answer in time \(connect_timeout/);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.doesNotMatch(result.stderr + result.stdout, /hunter2/);
    // Two seconds of waiting plus starting a process; the system's TCP timeout would be minutes.
    assert.ok(seconds < 30, `gave up after ${seconds.toFixed(1)} s`);
  });

  it('refuses a connect_timeout that is not whole seconds, naming it', async () => {
    for (const value of ['abc', '-1', '1.5', '']) {
      const result = await pciqAsync([
        'migrate',
        '--store',
        `postgres://pciq:hunter2-secret@127.0.0.1:${port}/pciq?connect_timeout=${value}`,
      ]);
      assert.equal(result.status, 1, value);
      assert.match(result.stderr, /connect_timeout must be whole seconds from 0 \(no limit\) to 3600/, value);
      assert.doesNotMatch(result.stderr, /hunter2/);
    }
  });
});
