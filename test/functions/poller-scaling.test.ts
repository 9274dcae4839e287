import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PollerScaling } from '../../src/functions/poller-scaling.ts';

const backlog = { fullReceives: 3, emptyReceives: 0 };
const idle = { fullReceives: 0, emptyReceives: 4 };

describe('poller scaling (Lambda SQS: 5 at start, up to 300 more per minute)', () => {
  it('starts with five concurrent batches, or the maximum when it is lower', () => {
    assert.equal(new PollerScaling(1000).target, 5);
    assert.equal(new PollerScaling(2).target, 2);
  });

  it('adds up to 300 per minute while messages wait, up to the maximum', () => {
    const scaling = new PollerScaling(1000);
    for (let second = 0; second < 60; second++) scaling.adjust(1_000, backlog);
    assert.equal(scaling.target, 305);
    const capped = new PollerScaling(8);
    capped.adjust(1_000, backlog);
    assert.equal(capped.target, 8);
  });

  it('does not grow without a backlog, and steps back down to where it started when receives come back empty', () => {
    const scaling = new PollerScaling(100);
    scaling.adjust(1_000, { fullReceives: 0, emptyReceives: 0 });
    assert.equal(scaling.target, 5);
    scaling.adjust(2_000, backlog);
    assert.equal(scaling.target, 15);
    for (let i = 0; i < 20; i++) scaling.adjust(1_000, idle);
    assert.equal(scaling.target, 5);
  });

  it('earns fractions of a poller over short intervals', () => {
    const scaling = new PollerScaling(100);
    for (let i = 0; i < 4; i++) scaling.adjust(100, backlog);
    assert.equal(scaling.target, 7);
  });
});
