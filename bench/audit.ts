/**
 * What the audit trail costs: round-trip throughput (SendMessageBatch of 10 → ReceiveMessage of 10 →
 * DeleteMessageBatch) through the AWS SDK v3 over HTTPS, against the same server with auditing on and off.
 * The goal is audit on ≥ 0.9 × audit off. Each server runs in its own worker thread on a fresh data
 * directory on disk (synchronous=FULL: real fsyncs); both run at once and the clients alternate between them
 * in pairs of short windows, so both meet the same noise, and the median of the pairs' ratios is judged.
 * The server thread's CPU time per message is printed too: it is what the trail costs the server, whatever
 * the client and the machine's other load do.
 *
 *   node bench/audit.ts [--pairs 8] [--window 1.5] [--concurrency 16]
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benchDir, measurePairedRoundTrips, median, type WindowFigures } from './server-round-trip.ts';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '8' },
    window: { type: 'string', default: '1.5' },
    warmup: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '16' },
  },
});
const pairs = Number(values.pairs);
const concurrency = Number(values.concurrency);
const root = benchDir('audit');
const body = JSON.stringify({ order: 'A-1001', amount: '12.50', currency: 'EUR', note: 'x'.repeat(180) });

const format = (n: number) => Math.round(n).toLocaleString('en-US');

process.stdout.write(
  `pciq audit cost: SendMessageBatch(10) → ReceiveMessage(10) → DeleteMessageBatch, AWS SDK v3 over HTTPS, ${concurrency} concurrent clients, ${pairs} pairs of ${values.window} s windows\n`,
);
let result: Awaited<ReturnType<typeof measurePairedRoundTrips>>;
try {
  result = await measurePairedRoundTrips({
    dir: root,
    baseline: { isAuditOn: false },
    variant: { isAuditOn: true },
    body: () => body,
    concurrency,
    warmupMs: Number(values.warmup) * 1000,
    windowMs: Number(values.window) * 1000,
    pairs,
  });
} finally {
  rmSync(root, { recursive: true, force: true });
}
const window = (figures: WindowFigures) =>
  `${format(figures.rate).padStart(7)} msgs/s (server thread ${figures.serverCpuUs.toFixed(0)} µs CPU per message)`;
result.ratios.forEach((ratio, i) => {
  process.stdout.write(
    `pair ${i + 1}  audit off ${window(result.baseline[i]!)}  audit on ${window(result.variant[i]!)}, ${format(result.variant[i]!.records)} audit records: ratio ${ratio.toFixed(2)}\n`,
  );
});
const medianOf = (windows: readonly WindowFigures[], figure: keyof WindowFigures) =>
  median(windows.map((figures) => figures[figure]));
const ratio = median(result.ratios);
process.stdout.write(
  `server thread CPU per message (median): audit off ${medianOf(result.baseline, 'serverCpuUs').toFixed(0)} µs, audit on ${medianOf(result.variant, 'serverCpuUs').toFixed(0)} µs\n` +
    `audit off ${format(medianOf(result.baseline, 'rate'))} msgs/s, audit on ${format(medianOf(result.variant, 'rate'))} msgs/s (medians): median of the pairs' ratios ${ratio.toFixed(2)} (goal ≥ 0.90) ${ratio >= 0.9 ? 'met' : 'NOT met'}\n`,
);
