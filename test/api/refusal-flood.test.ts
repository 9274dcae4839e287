import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  individualRefusalsPerWindow,
  maxCodesPerSummary,
  maxTrackedSources,
  RefusalFloodTracker,
  type RefusalSighting,
  type RefusalSummary,
  refusalWindowMs,
} from '../../src/api/refusal-flood.ts';
import { ManualClock } from '../../src/core/index.ts';

function tracker() {
  const clock = new ManualClock();
  const summaries: RefusalSummary[] = [];
  return { clock, summaries, tracker: new RefusalFloodTracker({ clock, onSummary: (s) => summaries.push(s) }) };
}

function handshake(ip: string | null, code = 'ERR_SSL_HTTP_REQUEST'): RefusalSighting {
  return { ip, type: 'pciq:TlsHandshake', error: 'TlsHandshakeFailed', code };
}

/** Admits `count` sightings, one a millisecond; returns how many are to be recorded one by one. */
function admitMany(t: ReturnType<typeof tracker>, count: number, sighting: (i: number) => RefusalSighting): number {
  let individual = 0;
  for (let i = 0; i < count; i++) {
    if (t.tracker.admit(sighting(i))) individual++;
    t.clock.advance(1);
  }
  return individual;
}

describe('refusal flood tracker', () => {
  it('records the first refusals of a window one by one and summarizes the rest when the window ends', () => {
    const t = tracker();
    const startMs = t.clock.now();
    const individual = admitMany(t, 200, () => handshake('203.0.113.9'));
    assert.equal(individual, individualRefusalsPerWindow);
    assert.deepEqual(t.summaries, [], 'nothing summarized while the window lasts');
    t.clock.advance(refusalWindowMs);
    assert.deepEqual(t.summaries, [
      {
        ip: '203.0.113.9',
        type: 'pciq:TlsHandshake',
        error: 'TlsHandshakeFailed',
        occurrences: 200 - individualRefusalsPerWindow,
        firstMs: startMs + individualRefusalsPerWindow,
        lastMs: startMs + 199,
        codes: ['ERR_SSL_HTTP_REQUEST'],
      },
    ]);
    assert.equal(t.tracker.size, 0, 'an ended window is forgotten');
    assert.equal(t.clock.pendingTimers, 0);
  });

  it('writes no summary for a window that needed none, and starts afresh after a window', () => {
    const t = tracker();
    assert.equal(
      admitMany(t, 3, () => handshake('203.0.113.9')),
      3,
    );
    t.clock.advance(refusalWindowMs);
    assert.deepEqual(t.summaries, []);
    assert.equal(
      admitMany(t, 12, () => handshake('203.0.113.9')),
      individualRefusalsPerWindow,
    );
  });

  it('counts each address and each kind of refusal apart', () => {
    const t = tracker();
    const certificate = (ip: string): RefusalSighting => ({ ...handshake(ip), error: 'ClientCertificateRefused' });
    assert.equal(
      admitMany(t, 15, () => handshake('203.0.113.9')),
      10,
    );
    assert.equal(
      admitMany(t, 15, () => certificate('203.0.113.9')),
      10,
    );
    assert.equal(
      admitMany(t, 15, () => handshake('198.51.100.7')),
      10,
    );
    t.tracker.flush();
    assert.deepEqual(
      t.summaries.map((s) => [s.ip, s.error, s.occurrences]),
      [
        ['203.0.113.9', 'TlsHandshakeFailed', 5],
        ['203.0.113.9', 'ClientCertificateRefused', 5],
        ['198.51.100.7', 'TlsHandshakeFailed', 5],
      ],
    );
  });

  it('hands over everything counted at flush, and leaves no timer behind', () => {
    const t = tracker();
    admitMany(t, 30, () => handshake('203.0.113.9'));
    t.tracker.flush();
    assert.equal(t.summaries[0]?.occurrences, 20);
    assert.equal(t.tracker.size, 0);
    assert.equal(t.clock.pendingTimers, 0);
    t.clock.advance(refusalWindowMs);
    assert.equal(t.summaries.length, 1, 'summarized once');
  });

  it('lists a bounded number of distinct error codes', () => {
    const t = tracker();
    admitMany(t, 100, (i) => handshake('203.0.113.9', `ERR_SSL_CODE_${i}`));
    t.tracker.flush();
    assert.equal(t.summaries[0]?.codes.length, maxCodesPerSummary);
  });

  it('tracks a bounded number of addresses, and counts refusals from more into one aggregate', () => {
    const t = tracker();
    // An attacker rotating addresses: ten times as many as are tracked, three connections from each.
    const addresses = maxTrackedSources * 10;
    const ipOf = (i: number) => `2001:db8::${Math.floor(i / 3).toString(16)}`;
    const individual = admitMany(t, addresses * 3, (i) => handshake(ipOf(i)));
    assert.ok(t.tracker.size <= maxTrackedSources + 1, `${t.tracker.size} tallies held`);
    assert.equal(individual, maxTrackedSources * 3, 'only tracked addresses get records of their own');
    t.clock.advance(refusalWindowMs);
    const aggregate = t.summaries.filter((s) => s.ip === null);
    assert.ok(aggregate.length >= 1);
    assert.deepEqual(aggregate[0]?.addresses?.first, ipOf(maxTrackedSources * 3));
    // Nothing escapes: every connection is recorded on its own or counted in a summary.
    const counted = t.summaries.reduce((sum, s) => sum + s.occurrences, 0);
    assert.equal(individual + counted, addresses * 3);
  });

  it('frees the places of ended windows for new addresses', () => {
    const t = tracker();
    admitMany(t, maxTrackedSources, (i) => handshake(`10.0.${Math.floor(i / 256)}.${i % 256}`));
    assert.equal(t.tracker.admit(handshake('203.0.113.9')), false, 'beyond the cap: counted');
    t.clock.advance(refusalWindowMs);
    assert.equal(t.tracker.admit(handshake('203.0.113.9')), true, 'a place is free again');
  });
});
