/**
 * The warm processes of one function version: reused one invocation at a time, replaced when they cannot
 * serve (a failure ended them, their retirement came, they waited too long), kept as many as the mapping's
 * batches in flight, busy ones included. Sandboxes here are stand-ins: the pool only asks whether one can
 * take another invocation and tells it to retire (test/functions/sandbox.test.ts runs real processes).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/index.ts';
import type { Sandbox } from '../../src/functions/sandbox/sandbox.ts';
import { SandboxPool } from '../../src/functions/sandbox/sandbox-pool.ts';

interface StandIn {
  id: number;
  isReusable: boolean;
  retired: boolean;
  retire(): void;
}

function poolWith(clock: ManualClock, lifeMs = 900_000) {
  const started: StandIn[] = [];
  const pool = new SandboxPool(async () => {
    const sandbox: StandIn = {
      id: started.length + 1,
      isReusable: true,
      retired: false,
      retire() {
        this.retired = true;
        this.isReusable = false;
      },
    };
    started.push(sandbox);
    return { sandbox: sandbox as unknown as Sandbox, retireAtMs: clock.now() + lifeMs };
  }, clock);
  const take = async () => (await pool.take()) as unknown as StandIn;
  const release = (sandbox: StandIn) => pool.release(sandbox as unknown as Sandbox);
  return { pool, started, take, release };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('sandbox pool', () => {
  it('hands the same process to the next invocation once the previous one is done', async () => {
    const { take, release, started } = poolWith(new ManualClock(0));
    const first = await take();
    release(first);
    assert.equal(await take(), first);
    assert.equal(started.length, 1);
  });

  it('replaces a process that cannot serve again, or whose retirement has come', async () => {
    const clock = new ManualClock(0);
    const { take, release } = poolWith(clock, 60_000);
    const failed = await take();
    failed.isReusable = false;
    release(failed);
    assert.equal(failed.retired, true);
    const next = await take();
    assert.notEqual(next, failed);
    release(next);
    clock.advance(60_000);
    const fresh = await take();
    assert.notEqual(fresh, next);
    assert.equal(next.retired, true, 'a process past its retirement is ended, not used');
  });

  it('keeps as many processes as the warm target, busy ones included, and ends idle ones beyond it', async () => {
    const clock = new ManualClock(0);
    const { pool, take, release, started } = poolWith(clock);
    pool.setWarmTarget(3);
    const busy = await take();
    await settle();
    assert.equal(started.length, 3, 'one busy and two ready');
    release(busy);
    pool.setWarmTarget(1);
    clock.advance(11_000);
    pool.trim();
    assert.equal(started.filter((sandbox) => !sandbox.retired).length, 1);
    pool.dispose();
    assert.ok(started.every((sandbox) => sandbox.retired));
  });
});
