/**
 * What tokenization costs.
 * - Embedded (the library on a real SQLite file, synchronous=FULL, the audit trail recording): tokenize
 *   and detokenize operations per second through the vault, many in flight (group commit for tokenizations,
 *   one shared read for detokenizations), detokenizations recorded as the API records them (on the request's
 *   own record) and as a library call does (an audit event each, a write of its own), plain (the PAN's
 *   ciphertext) and masked (the metadata's). The API appends a request's record in the unit that tokenizes;
 *   outside a request there is none, so "as the API does" leaves it out and "an audit event each" shows what
 *   a record per operation adds. Goal ≥ 50k/s each. Also per CPU-second, which a busy machine disturbs less.
 * - The SQS round trip (SendMessageBatch of 10 → ReceiveMessage of 10 → DeleteMessageBatch) through the AWS
 *   SDK over HTTPS against a server with the guard on (every card number tokenized) and off (stored as
 *   sent), 1 KiB JSON bodies with one card number each, as `bench/audit.ts` measures the trail: both servers
 *   run at once and the clients alternate between them in pairs of short windows, whose ratios' median is
 *   judged (see `measurePairedRoundTrips`). Goal: guard on ≥ 0.8 × guard off. And the same round trip on the
 *   bare engine (no HTTP, no SigV4), where the guard weighs most.
 *
 *   Tokenize is measured twice: one card per call (`tokenize`, `--concurrency` calls in flight) and many
 *   cards per call (`tokenizeBatch`, the API's Tokenize with `Pans`: `--batch` cards a call, one unit of work
 *   and one audit record per call, `--batches-in-flight` calls in flight). Both count cards tokenized per
 *   second; the batch lines also say how many calls that is.
 *
 *   node bench/vault.ts [--ops N] [--concurrency N] [--batch N] [--batches-in-flight N] [--rounds N]
 *     [--round-trips N] [--pairs N] [--window SECONDS]
 */
import { randomBytes, randomInt } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditEvents, AuditedStore, AuditTrail } from '../src/audit/index.ts';
import { type Caller, systemClock } from '../src/core/index.ts';
import { RootKey, SystemKeyring } from '../src/crypto/index.ts';
import { CardDataGuard } from '../src/guard/index.ts';
import { KeyService } from '../src/keys/index.ts';
import { QueueService } from '../src/queues/index.ts';
import { SqliteStore, type Store } from '../src/storage/index.ts';
import { passesLuhn, type Recording, TokenVault } from '../src/vault/index.ts';
import { makeTempDir } from '../test/support/temp-dir.ts';
import { engineRoundTripRate } from './engine-round-trip.ts';
import { benchDir, measurePairedRoundTrips, median, type WindowFigures } from './server-round-trip.ts';

const { values } = parseArgs({
  options: {
    ops: { type: 'string', default: '40000' },
    concurrency: { type: 'string', default: '256' },
    // Cards per tokenizeBatch call, and calls in flight (about as many cards in flight as single operations).
    batch: { type: 'string', default: '100' },
    'batches-in-flight': { type: 'string', default: '4' },
    // The guard's round trip: pairs of windows, one against each server (seconds each).
    pairs: { type: 'string', default: '8' },
    window: { type: 'string', default: '1.5' },
    'round-trips': { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    // One side only, once (for profiling it): 'vault', 'guard on' or 'guard off'.
    only: { type: 'string' },
  },
});
const ops = Number(values.ops);
const pairs = Number(values.pairs);
const windowMs = Number(values.window) * 1000;
const concurrency = Number(values.concurrency);
const batchSize = Number(values.batch);
const batchesInFlight = Number(values['batches-in-flight']);
const roundTrips = Number(values['round-trips']);
const rounds = Number(values.rounds);

const caller: Caller = {
  accountId: '123456789012',
  principalArn: 'arn:aws:iam::123456789012:user/bench',
  accessKeyId: 'AKIABENCHBENCHBENCH0',
  senderId: 'AIDABENCHBENCHBENCH00',
};
/** Detokenization is rate-limited per principal in service; the bench measures the vault, not the limit. */
const unlimited = { perSecond: 1e12, burst: 1e12 };
const asApi: Recording = { kind: 'request', note: () => undefined };

interface Setup {
  store: Store;
  vault: TokenVault;
  keys: KeyService;
  close(): Promise<void>;
}

async function setUp(): Promise<Setup> {
  const dir = makeTempDir('pciq-bench-');
  const sqlite = new SqliteStore({ path: join(dir.path, 'pciq.db') });
  const keys = await KeyService.open({
    store: sqlite,
    root: new RootKey(RootKey.generateSecret()),
    clock: systemClock,
    region: 'us-east-1',
  });
  const trail = new AuditTrail({
    store: sqlite,
    keyring: new SystemKeyring(randomBytes(32)),
    clock: systemClock,
    clockSource: 'bench',
  });
  await trail.open();
  const store = new AuditedStore(sqlite, trail);
  const vault = new TokenVault({
    store,
    sealer: keys,
    clock: systemClock,
    region: 'us-east-1',
    events: new AuditEvents(trail),
    detokenizeLimit: unlimited,
  });
  return {
    store,
    vault,
    keys,
    close: async () => {
      await sqlite.close();
      dir.remove();
    },
  };
}

function randomPan(): string {
  const partial = `4${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e5)).padStart(5, '0')}`;
  for (let digit = 0; digit <= 9; digit++) if (passesLuhn(partial + digit)) return partial + digit;
  throw new Error('unreachable');
}

interface Rate {
  perSecond: number;
  perCpuSecond: number;
}

/**
 * `total` operations in calls of `perCall`, `inFlight` calls at a time: operations per second of wall time
 * and of this process's CPU time. `operation` gets the index of a call's first operation.
 */
async function rate(
  total: number,
  operation: (i: number) => Promise<unknown>,
  { perCall, inFlight } = { perCall: 1, inFlight: concurrency },
): Promise<Rate> {
  let next = 0;
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const first = next;
        next += perCall;
        await operation(first);
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return {
    perSecond: total / (Number(process.hrtime.bigint() - started) / 1e9),
    perCpuSecond: total / ((used.user + used.system) / 1e6),
  };
}

interface VaultRates {
  tokenize: Rate;
  tokenizeEvent: Rate;
  tokenizeBatch: Rate;
  tokenizeBatchEvent: Rate;
  detokenizeApi: Rate;
  detokenizeMasked: Rate;
  detokenizeEvent: Rate;
}

async function vaultRates(): Promise<VaultRates> {
  const setup = await setUp();
  const pans = Array.from({ length: 1_000 }, randomPan);
  await rate(2_000, (i) => setup.vault.tokenize(caller, pans[i % pans.length]!));
  const tokens: string[] = [];
  const tokenize = await rate(ops, async (i) => {
    const { token } = await setup.vault.tokenize(caller, pans[i % pans.length]!, {}, asApi);
    if (tokens.length < 5_000) tokens.push(token);
  });
  const tokenizeEvent = await rate(ops, (i) => setup.vault.tokenize(caller, pans[i % pans.length]!));
  const batches = { perCall: batchSize, inFlight: batchesInFlight };
  const cardsFrom = (i: number) => Array.from({ length: batchSize }, (_, k) => pans[(i + k) % pans.length]!);
  const tokenizeBatch = await rate(ops, (i) => setup.vault.tokenizeBatch(caller, cardsFrom(i), {}, asApi), batches);
  const tokenizeBatchEvent = await rate(ops, (i) => setup.vault.tokenizeBatch(caller, cardsFrom(i)), batches);
  const detokenizeApi = await rate(ops, (i) =>
    setup.vault.detokenize(caller, tokens[i % tokens.length]!, { redaction: 'plain' }, asApi),
  );
  const detokenizeMasked = await rate(ops, (i) =>
    setup.vault.detokenize(caller, tokens[i % tokens.length]!, {}, asApi),
  );
  const detokenizeEvent = await rate(ops, (i) =>
    setup.vault.detokenize(caller, tokens[i % tokens.length]!, { redaction: 'plain' }),
  );
  await setup.close();
  return {
    tokenize,
    tokenizeEvent,
    tokenizeBatch,
    tokenizeBatchEvent,
    detokenizeApi,
    detokenizeMasked,
    detokenizeEvent,
  };
}

/** A 1 KiB order with one card number in it, as a producer would send it. */
function orderBody(i: number, pan: string): string {
  const written = `${pan.slice(0, 4)} ${pan.slice(4, 8)} ${pan.slice(8, 12)} ${pan.slice(12)}`;
  const head = JSON.stringify({
    order: i,
    customer: { name: 'Ada Lovelace', email: 'ada@example.test', phone: '+44 20 7946 0000' },
    card: { number: written, exp: '12/29', holder: 'ADA LOVELACE' },
    items: [
      { sku: 'BK-1843-NOTES', qty: 1, price: '42.00' },
      { sku: 'EN-ANALYTICAL', qty: 2, price: '19.99' },
    ],
    note: '',
  });
  return head.replace('"note":""', `"note":"${'x'.repeat(Math.max(0, 1024 - head.length))}"`);
}

async function roundTripRate(isGuardOn: boolean): Promise<number> {
  const setup = await setUp();
  const queues = new QueueService({
    store: setup.store,
    clock: systemClock,
    sealer: setup.keys,
    region: 'us-east-1',
    endpoint: 'https://127.0.0.1:9324',
    ...(isGuardOn ? { guard: new CardDataGuard(setup.vault) } : {}),
  });
  const pans = Array.from({ length: 100 }, randomPan);
  let sent = 0;
  const rate = await engineRoundTripRate(queues, caller, roundTrips, () =>
    Array.from({ length: 10 }, (_, i) => ({
      id: `e${i}`,
      body: orderBody(sent, pans[sent++ % pans.length]!),
      attributes: { kind: { dataType: 'String', stringValue: 'order' } },
      systemAttributes: {},
    })),
  );
  queues.stop();
  await setup.close();
  return rate;
}

if (values.only) {
  const started = process.cpuUsage();
  const result = values.only === 'vault' ? await vaultRates() : await roundTripRate(values.only === 'guard on');
  const cpu = process.cpuUsage(started);
  process.stdout.write(
    `${values.only}: ${JSON.stringify(result)} (${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU)\n`,
  );
  process.exit(0);
}

const serverRoot = benchDir('vault');

/** The SDK round trip against a server with the guard off and one with it on (audit on in both, as shipped). */
function guardRoundTrips() {
  const pans = Array.from({ length: 100 }, randomPan);
  return measurePairedRoundTrips({
    dir: serverRoot,
    baseline: { isAuditOn: true, isGuardOn: false },
    variant: { isAuditOn: true, isGuardOn: true },
    body: (n) => orderBody(n, pans[n % pans.length]!),
    concurrency: 16,
    warmupMs: 2_000,
    windowMs,
    pairs,
  });
}

const none = { perSecond: 0, perCpuSecond: 0 };
const best: VaultRates = {
  tokenize: none,
  tokenizeEvent: none,
  tokenizeBatch: none,
  tokenizeBatchEvent: none,
  detokenizeApi: none,
  detokenizeMasked: none,
  detokenizeEvent: none,
};
const engine = { on: 0, off: 0 };
const better = (a: Rate, b: Rate): Rate => ({
  perSecond: Math.max(a.perSecond, b.perSecond),
  perCpuSecond: Math.max(a.perCpuSecond, b.perCpuSecond),
});
let guard: Awaited<ReturnType<typeof guardRoundTrips>>;
try {
  for (let round = 0; round < rounds; round++) {
    const rates = await vaultRates();
    for (const name of Object.keys(best) as Array<keyof VaultRates>) best[name] = better(best[name], rates[name]);
    engine.off = Math.max(engine.off, await roundTripRate(false));
    engine.on = Math.max(engine.on, await roundTripRate(true));
  }
  guard = await guardRoundTrips();
} finally {
  rmSync(serverRoot, { recursive: true, force: true });
}
const f = (n: number) => n.toFixed(0).padStart(8);
const line = (label: string, r: Rate, goal: string) =>
  `  ${label.padEnd(48)}${f(r.perSecond)} ops/s, ${f(r.perCpuSecond)} per CPU-second${goal}\n`;
const guardRatio = median(guard.ratios);
const medianOf = (windows: readonly WindowFigures[], figure: keyof WindowFigures) =>
  median(windows.map((window) => window[figure]));
process.stdout.write(
  `tokenization vault, embedded on SQLite with the audit trail (best of ${rounds}, ${ops} operations per run)\n` +
    `  one card per call (tokenize), ${concurrency} calls in flight:\n` +
    line('tokenize (opaque), recorded as the API does:', best.tokenize, ' (goal ≥ 50000/s)') +
    line('tokenize (opaque), an audit event each:', best.tokenizeEvent, '') +
    `  ${batchSize} cards per call (tokenizeBatch, the API's Tokenize with Pans), ${batchesInFlight} calls in flight; ops = cards:\n` +
    line('tokenize (opaque), recorded as the API does:', best.tokenizeBatch, ' (goal ≥ 50000/s)') +
    line('tokenize (opaque), an audit event per call:', best.tokenizeBatchEvent, '') +
    `  one card per call (detokenize; lookups in flight share one read), ${concurrency} calls in flight:\n` +
    line('detokenize (plain), recorded as the API does:', best.detokenizeApi, ' (goal ≥ 50000/s)') +
    line('detokenize (masked, the default), as the API:', best.detokenizeMasked, '') +
    line('detokenize (plain), an audit event each:', best.detokenizeEvent, '') +
    `guard, SDK round trip over HTTPS (send batch 10 → receive 10 → delete batch 10, 1 KiB JSON bodies with one PAN each, 16 clients; ${pairs} pairs of ${values.window} s windows, medians)\n` +
    `  guard on (each PAN tokenized):  ${f(medianOf(guard.variant, 'rate'))} msgs/s, server thread ${f(medianOf(guard.variant, 'serverCpuUs'))} µs CPU per message\n` +
    `  guard off (stored as sent):     ${f(medianOf(guard.baseline, 'rate'))} msgs/s, server thread ${f(medianOf(guard.baseline, 'serverCpuUs'))} µs CPU per message\n` +
    `  pairs' ratios on / off:         ${guard.ratios.map((ratio) => ratio.toFixed(2)).join(' ')}\n` +
    `  ratio on / off (median):        ${guardRatio.toFixed(3)} (goal ≥ 0.8) ${guardRatio >= 0.8 ? 'met' : 'NOT met'}\n` +
    `guard, bare engine round trip (no HTTP, no SigV4: the guard's share is largest here; best of ${rounds}, ${roundTrips * 10} messages)\n` +
    `  guard on ${f(engine.on)} msgs/s, guard off ${f(engine.off)} msgs/s: ratio ${(engine.on / engine.off).toFixed(3)}\n`,
);
