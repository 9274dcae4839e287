/**
 * What the audit trail costs: round-trip throughput (SendMessageBatch of 10 → ReceiveMessage of 10 →
 * DeleteMessageBatch) through the AWS SDK v3 over HTTPS, against the same server with auditing on and off.
 * The goal is audit on ≥ 0.9 × audit off. Each server runs in its own worker thread (its own core) on a
 * fresh data directory on disk (synchronous=FULL: real fsyncs); rounds alternate off/on so both meet the
 * same noise, and the medians are compared. The server thread's busy time per message is printed too: it
 * is what the trail costs the server, whatever the client and the machine's other load do.
 *
 *   node bench/audit.ts [--seconds 8] [--rounds 5] [--concurrency 16]
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchDir, measureServerRoundTrip, median } from './server-round-trip.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '16' },
  },
});
const measureMs = Number(values.seconds) * 1000;
const warmupMs = Number(values.warmup) * 1000;
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);
const root = benchDir('audit');
const body = JSON.stringify({ order: 'A-1001', amount: '12.50', currency: 'EUR', note: 'x'.repeat(180) });

function measure(isAuditOn: boolean, round: number): Promise<{ rate: number; busy: number; records: number }> {
  return measureServerRoundTrip({
    dir: join(root, `${isAuditOn ? 'on' : 'off'}-${round}`),
    server: { isAuditOn },
    body: () => body,
    concurrency,
    warmupMs,
    measureMs,
  });
}

const format = (n: number) => Math.round(n).toLocaleString('en-US');

process.stdout.write(
  `pciq audit cost: SendMessageBatch(10) → ReceiveMessage(10) → DeleteMessageBatch, AWS SDK v3 over HTTPS, ${concurrency} concurrent clients, ${values.seconds} s per run\n`,
);
const results = { off: [] as number[], on: [] as number[] };
const costs = { off: [] as number[], on: [] as number[] };
try {
  for (let round = 1; round <= rounds; round++) {
    for (const isAuditOn of [false, true]) {
      const { rate, busy, records } = await measure(isAuditOn, round);
      results[isAuditOn ? 'on' : 'off'].push(rate);
      const perMessageUs = (busy * 1e6) / rate;
      costs[isAuditOn ? 'on' : 'off'].push(perMessageUs);
      process.stdout.write(
        `round ${round}  audit ${isAuditOn ? 'on ' : 'off'}  ${format(rate).padStart(7)} msgs/s   server thread busy ${(busy * 100).toFixed(0)}% (${perMessageUs.toFixed(0)} µs per message)${isAuditOn ? `, ${format(records)} audit records` : ''}\n`,
      );
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
const off = median(results.off);
const on = median(results.on);
const ratio = on / off;
const pairRatio = median(results.on.map((rate, i) => rate / results.off[i]!));
process.stdout.write(
  `server time per message (median): audit off ${median(costs.off).toFixed(0)} µs, audit on ${median(costs.on).toFixed(0)} µs\n` +
    `audit off ${format(off)} msgs/s, audit on ${format(on)} msgs/s (medians): ratio ${ratio.toFixed(2)}, median of the rounds' ratios ${pairRatio.toFixed(2)} (goal ≥ 0.90) ${ratio >= 0.9 ? 'met' : 'NOT met'}\n`,
);
