// The pg-boss peer in its own process: produce N jobs of the body size with insert() of 10 (as many calls in
// flight as the round trips have loops), then consume them all with fetch(batch 10) + complete() loops.
import { PgBoss } from 'pg-boss';
import { machineBusySince, machineCpu } from '../cpu-time.ts';
import { busyOfPhases } from './bullmq-messages.ts';
import type { PgbossAssignment, PgbossOutcome } from './pgboss-messages.ts';

function report(outcome: PgbossOutcome): void {
  process.send?.(outcome, () => process.exit(0));
}

process.once('message', async (assignment: PgbossAssignment) => {
  let boss: PgBoss | undefined;
  try {
    boss = new PgBoss({ connectionString: assignment.url, schema: assignment.schema, max: assignment.producers + 2 });
    boss.on('error', () => undefined);
    await boss.start();
    const name = `bench_${Date.now()}`;
    await boss.createQueue(name);
    const data = { body: 'x'.repeat(assignment.bodyBytes) };
    let produced = 0;
    const produceStart = performance.now();
    const produceCpu = machineCpu();
    await Promise.all(
      Array.from({ length: assignment.producers }, async () => {
        while (produced < assignment.messages) {
          produced += 10;
          await boss!.insert(
            name,
            Array.from({ length: 10 }, () => ({ data })),
          );
        }
      }),
    );
    const produceSeconds = (performance.now() - produceStart) / 1000;
    const produceBusy = machineBusySince(produceCpu);
    let consumed = 0;
    const consumeStart = performance.now();
    const consumeCpu = machineCpu();
    await Promise.all(
      Array.from({ length: assignment.producers }, async () => {
        while (consumed < assignment.messages) {
          const jobs = await boss!.fetch(name, { batchSize: 10 });
          if (jobs.length === 0) continue;
          await boss!.complete(
            name,
            jobs.map((job) => job.id),
          );
          consumed += jobs.length;
        }
      }),
    );
    const consumeSeconds = (performance.now() - consumeStart) / 1000;
    const machineBusySeconds = busyOfPhases(produceBusy, machineBusySince(consumeCpu));
    await boss.deleteQueue(name).catch(() => undefined);
    await boss.stop({ graceful: false }).catch(() => undefined);
    report({ type: 'measured', figures: { produceSeconds, consumeSeconds, machineBusySeconds } });
  } catch (error) {
    await boss?.stop({ graceful: false }).catch(() => undefined);
    report({ type: 'failed', error: (error as Error).message });
  }
});
