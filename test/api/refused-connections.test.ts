import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect as connectTls } from 'node:tls';
import { pciqJson } from '../support/pciq-cli.ts';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';

interface Refusal {
  type: string;
  error: string;
  origin: { ip: string | null };
  details: Record<string, string | number | null> | null;
}

/** Speaks HTTP to the TLS port: OpenSSL refuses the handshake. Resolves once the server has hung up. */
function failHandshake(url: URL): Promise<void> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: url.hostname, port: Number(url.port) }, () => {
      socket.write('GET / HTTP/1.1\r\nHost: pciq\r\n\r\n');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

/** Completes the handshake, then sends what Node's HTTP parser refuses. Resolves once the server has hung up. */
function sendMalformed(url: URL, caFile: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connectTls({ host: url.hostname, port: Number(url.port), ca: readFileSync(caFile) }, () => {
      socket.write('BREW /pot-of-coffee HTCPCP/1.0\r\n\r\n');
    });
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

/** Runs `count` attempts, `parallel` at a time. */
async function repeat(count: number, parallel: number, attempt: () => Promise<void>): Promise<void> {
  let started = 0;
  const lane = async () => {
    while (started < count) {
      started++;
      await attempt();
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
}

interface Flood {
  records: Refusal[];
  remove: () => void;
}

/**
 * Serves with `workers` processes, sends `handshakes` connections that fail the TLS handshake and `malformed`
 * malformed requests from this host, stops the server cleanly (SIGTERM) and returns the trail's failures.
 */
async function flood(workers: number, handshakes: number, malformed: number): Promise<Flood> {
  const data = initDataDir();
  const server = new PciqServer({
    dataDir: data.dataDir,
    keyFile: data.keyFile,
    extra: ['--workers', String(workers)],
  });
  const url = new URL(await server.endpoint);
  await repeat(handshakes, 10, () => failHandshake(url));
  await repeat(malformed, 5, () => sendMalformed(url, data.bootstrap.caFile));
  // A clean stop: what was counted and not yet summarized is recorded before the trail closes.
  assert.equal(await server.stop(), 0);
  const dirArgs = ['--data-dir', data.dataDir, '--key-file', data.keyFile];
  const search = ['audit', 'search', '--outcome', 'failure', '--limit', '1000', '--json', ...dirArgs];
  return { records: pciqJson<{ records: Refusal[] }>(search).records, remove: data.remove };
}

/** The records of one kind of refusal: those written one by one, and the summaries of the rest with their count. */
function recordsOf(records: Refusal[], error: string) {
  const all = records.filter((r) => r.error === error);
  for (const record of all) assert.match(record.origin.ip ?? '', /127\.0\.0\.1$/);
  const summaries = all.filter((r) => r.details?.['occurrences'] !== undefined);
  return {
    individual: all.filter((r) => r.details?.['occurrences'] === undefined),
    summaries,
    counted: summaries.reduce((sum, r) => sum + Number(r.details?.['occurrences']), 0),
  };
}

const individually = 10;

describe('a flood of refused connections from one address', () => {
  let trail: Flood;
  const handshakes = 200;
  const malformed = 15;

  before(async () => {
    trail = await flood(1, handshakes, malformed);
  });
  after(() => trail.remove());

  it('records the first refusals one by one and the rest as a summary that counts each of them', () => {
    const { individual, summaries, counted } = recordsOf(trail.records, 'TlsHandshakeFailed');
    assert.equal(individual.length, individually);
    assert.ok(summaries.length >= 1, 'the rest are summarized');
    assert.equal(counted, handshakes - individually);
    for (const summary of summaries) {
      assert.equal(summary.type, 'pciq:TlsHandshake');
      assert.match(String(summary.details?.['errorCodes']), /^ERR_SSL_[A-Z0-9_]+( ERR_[A-Z0-9_]+)*$/);
      const first = Date.parse(String(summary.details?.['firstTime']));
      const last = Date.parse(String(summary.details?.['lastTime']));
      assert.ok(first <= last, 'first and last time of the refusals it counts');
    }
  });

  it('counts each kind of refusal apart, and never records the bytes sent', () => {
    const { individual, summaries, counted } = recordsOf(trail.records, 'MalformedRequest');
    assert.equal(individual.length, individually);
    assert.equal(counted, malformed - individually);
    assert.equal(summaries[0]?.details?.['errorCodes'], 'HPE_INVALID_METHOD');
    assert.doesNotMatch(JSON.stringify(trail.records), /coffee|HTCPCP|GET \//);
  });
});

describe('a flood of refused connections spread over serving processes', () => {
  it('loses nothing counted when the workers drain: each records its first ones and summarizes the rest', async () => {
    const workers = 2;
    const handshakes = 120;
    const trail = await flood(workers, handshakes, 0);
    try {
      const { individual, counted } = recordsOf(trail.records, 'TlsHandshakeFailed');
      // Each process tracks the connections it accepted.
      assert.ok(individual.length <= workers * individually, `${individual.length} recorded one by one`);
      assert.equal(individual.length + counted, handshakes);
    } finally {
      trail.remove();
    }
  });
});
