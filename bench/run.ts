// `npm run bench`: pciq's send→receive→delete round trip, through a lean client and through the AWS SDK, next
// to its peers (BullMQ on Redis, the fauxqs emulator), in one run on one machine. See bench/README.md.
import { availableParallelism } from 'node:os';
import { installCleanup } from './cleanup.ts';
import { type BenchConfig, isRunSelected, type RunName, readBenchConfig } from './config.ts';
import { costBenches, runCostBench } from './cost-benches.ts';
import { type BullmqResult, runBullmqPeer } from './peers/bullmq.ts';
import { runPgbossPeer } from './peers/pgboss.ts';
import { bullmqLines, headerLines, pgbossLines, ratioLine, roundTripLine } from './report.ts';
import { type RoundTripResult, runRoundTrips } from './round-trip/run-round-trips.ts';
import { bullmqLabel, pgbossLabel, type RoundTripRun, roundTripRuns, type TargetName } from './runs.ts';
import { startFauxqs } from './targets/fauxqs.ts';
import { startPciq } from './targets/pciq.ts';
import { benchPostgresUrl, startPciqPostgres } from './targets/pciq-postgres.ts';
import type { Target } from './targets/target.ts';

const bullmqWorkerConcurrency = 50;
/** Busy cores beyond the server's and the clients' above which a figure is flagged as disturbed. */
const noisyOtherCores = 0.25;
const targetStarters: Record<TargetName, () => Promise<Target>> = {
  pciq: startPciq,
  fauxqs: startFauxqs,
  'pciq-pg': startPciqPostgres,
};

class BenchSession {
  readonly config: BenchConfig;
  readonly runs: RoundTripRun[];
  private readonly targets = new Map<TargetName, Target>();
  private readonly results = new Map<RunName, RoundTripResult[]>();
  private readonly bullmqResults: BullmqResult[] = [];
  private readonly pgbossResults: BullmqResult[] = [];
  private readonly warnings: string[] = [];
  private isBullmqSkipped = false;

  constructor(config: BenchConfig) {
    this.config = config;
    this.runs = roundTripRuns.filter((run) => isRunSelected(config, run.name));
  }

  /** Whether any round trip or the BullMQ peer is selected (the cost benches may be run alone). */
  get hasRoundTrips(): boolean {
    return this.runs.length > 0 || isRunSelected(this.config, 'bullmq') || isRunSelected(this.config, 'pgboss');
  }

  /**
   * Starts each target a selected run needs; one that cannot start skips its runs. A peer or a database that
   * is absent is a notice, but pciq itself failing to start on the embedded default is a failure of the bench.
   */
  async startTargets(): Promise<void> {
    for (const name of new Set(this.runs.map((run) => run.target))) {
      try {
        this.targets.set(name, await targetStarters[name]());
      } catch (error) {
        const skipped = this.runs.filter((run) => run.target === name).map((run) => run.name);
        const message = `SKIPPED ${skipped.join(', ')}: ${name} did not start: ${(error as Error).message}`;
        if (name === 'pciq') this.warn(message);
        else this.notice(message);
      }
    }
  }

  async stopTargets(): Promise<void> {
    for (const [name, target] of this.targets) {
      await target.stop().catch((error: unknown) => this.warn(`${name}: ${(error as Error).message}`));
      const stderr = target.stderr().trim();
      if (stderr) this.warn(`${name} wrote to stderr during the bench:\n${indent(stderr)}`);
    }
    this.targets.clear();
  }

  async runRound(): Promise<void> {
    if (isRunSelected(this.config, 'bullmq') && !this.isBullmqSkipped) await this.runBullmq();
    for (const run of this.runs) {
      // pg-boss runs on the same database right before the PostgreSQL runs it is compared with.
      if (run.name === 'pg-1' && isRunSelected(this.config, 'pgboss') && this.targets.has('pciq-pg'))
        await this.runPgboss();
      const target = this.targets.get(run.target);
      if (!target) continue;
      if (!run.isPolicyHeavy) await this.runRoundTrip(run, target);
      else if (target.policyHeavyEndpoint)
        await this.runRoundTrip(run, { ...target, endpoint: target.policyHeavyEndpoint });
    }
  }

  printBest(): void {
    if (this.config.rounds === 1) return;
    print('');
    print(`best of ${this.config.rounds} rounds`);
    const bullmq = best(this.bullmqResults, (result) => result.combinedRate);
    if (bullmq) for (const line of bullmqLines(bullmqLabel, bullmq, this.config, this.bullmqProducers)) print(line);
    for (const run of this.runs) {
      const result = this.best(run.name);
      if (result) print(roundTripLine(run.label, result));
    }
    const pgboss = best(this.pgbossResults, (result) => result.combinedRate);
    if (pgboss) for (const line of pgbossLines(pgbossLabel, pgboss, this.config, this.bullmqProducers)) print(line);
  }

  printRatios(): void {
    const rate = (name: RunName) => this.best(name)?.messagesPerSec;
    print('');
    print('ratios');
    print(
      ratioLine(
        'pciq(a) / BullMQ combined',
        rate('lean-pciq'),
        best(this.bullmqResults, (r) => r.combinedRate)?.combinedRate,
      ),
    );
    print(ratioLine('pciq(b) / fauxqs(b)', rate('sdk-pciq'), rate('sdk-fauxqs')));
    print(ratioLine('pciq(a) / fauxqs, lean client', rate('lean-pciq'), rate('lean-fauxqs')));
    print(ratioLine('pciq(b) / pciq(a): the SDK’s toll', rate('sdk-pciq'), rate('lean-pciq')));
    print(ratioLine('pciq(a) 50 policies / allow-all (goal ≥ 0.95)', rate('lean-pciq-policies'), rate('lean-pciq')));
    const pgboss = best(this.pgbossResults, (r) => r.combinedRate)?.combinedRate;
    print(ratioLine('pciq 1 node on PostgreSQL / pg-boss combined (goal ≥ 1.5)', rate('pg-1'), pgboss));
    print(ratioLine('pciq 2 nodes / 1 node on PostgreSQL', rate('pg-2'), rate('pg-1')));
    print(ratioLine('pciq 3 nodes / 1 node on PostgreSQL', rate('pg-3'), rate('pg-1')));
  }

  /** What each protection costs, measured on and off by its own program, after the round trips. */
  async runCostBenches(): Promise<void> {
    for (const bench of costBenches.filter((candidate) => isRunSelected(this.config, candidate.name as RunName))) {
      print('');
      try {
        await runCostBench(bench);
      } catch (error) {
        this.warn(`the ${bench.name} cost bench failed: ${(error as Error).message}`);
      }
    }
  }

  /** Prints the warnings again, in full, and says whether there were any. */
  printWarnings(): boolean {
    if (this.warnings.length === 0) return false;
    print('');
    for (const warning of this.warnings) print(`WARNING: ${warning}`);
    return true;
  }

  private get bullmqProducers(): number {
    // As many addBulk calls in flight as the round trips have loops, so that both sides get the same concurrency.
    return this.config.processes * this.config.loopsPerProcess;
  }

  private best(name: RunName): RoundTripResult | undefined {
    return best(this.results.get(name) ?? [], (result) => result.messagesPerSec);
  }

  private async runBullmq(): Promise<void> {
    try {
      const outcome = await runBullmqPeer(
        {
          redis: this.config.redis,
          messages: this.config.messages,
          warmupMessages: this.config.warmupMessages,
          producers: this.bullmqProducers,
          workerConcurrency: bullmqWorkerConcurrency,
          bodyBytes: this.config.bodyBytes,
        },
        this.config.runTimeoutMs,
      );
      if (outcome.type === 'skipped') {
        this.isBullmqSkipped = true;
        this.notice(`SKIPPED the BullMQ peer: ${outcome.reason}`);
        return;
      }
      this.bullmqResults.push(outcome.result);
      for (const line of bullmqLines(bullmqLabel, outcome.result, this.config, this.bullmqProducers)) print(line);
    } catch (error) {
      this.warn(`the BullMQ peer failed: ${(error as Error).message}`);
    }
  }

  private async runPgboss(): Promise<void> {
    try {
      const result = await runPgbossPeer(
        {
          url: benchPostgresUrl()!,
          schema: 'pgboss_bench',
          messages: this.config.messages,
          producers: this.bullmqProducers,
          bodyBytes: this.config.bodyBytes,
        },
        this.config.runTimeoutMs,
      );
      this.pgbossResults.push(result);
      for (const line of pgbossLines(pgbossLabel, result, this.config, this.bullmqProducers)) print(line);
    } catch (error) {
      this.warn(`the pg-boss peer failed: ${(error as Error).message}`);
    }
  }

  private async runRoundTrip(run: RoundTripRun, target: Target): Promise<void> {
    try {
      const result = await runRoundTrips({
        clientKind: run.clientKind,
        target,
        messages: this.config.messages,
        warmupMessages: this.config.warmupMessages,
        processes: this.config.processes,
        loopsPerProcess: this.config.loopsPerProcess,
        bodyBytes: this.config.bodyBytes,
        timeoutMs: this.config.runTimeoutMs,
        ...(run.nodes ? { nodes: run.nodes } : {}),
      });
      this.results.set(run.name, [...(this.results.get(run.name) ?? []), result]);
      print(roundTripLine(run.label, result));
      if (result.otherCores !== undefined && result.otherCores > noisyOtherCores) {
        this.notice(`other processes kept ${result.otherCores.toFixed(2)} cores busy during this run: it ran slower`);
      }
      for (const problem of result.problems) this.warn(`${run.name}: ${problem}`);
    } catch (error) {
      this.warn(`${run.name} failed: ${(error as Error).message}`);
    }
  }

  private notice(text: string): void {
    print(indent(text, 8));
  }

  private warn(text: string): void {
    this.warnings.push(text);
    print(`    WARNING: ${text.split('\n', 1)[0]}`);
  }
}

/** Noise on a shared machine only ever slows a run down, so the fastest of several is the least disturbed. */
function best<T>(results: readonly T[], rate: (result: T) => number): T | undefined {
  return results.reduce<T | undefined>(
    (top, result) => (top === undefined || rate(result) > rate(top) ? result : top),
    undefined,
  );
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function indent(text: string, maxLines = 40): string {
  return text
    .split('\n')
    .slice(0, maxLines)
    .map((line) => `    ${line}`)
    .join('\n');
}

function readConfigOrExit(): BenchConfig {
  try {
    return readBenchConfig();
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    process.exit(2);
  }
}

installCleanup();
const session = new BenchSession(readConfigOrExit());
for (const line of headerLines(session.config, availableParallelism())) print(line);
if (session.hasRoundTrips) {
  await session.startTargets();
  try {
    for (let round = 1; round <= session.config.rounds; round++) {
      if (session.config.rounds > 1) print(`round ${round} of ${session.config.rounds}`);
      await session.runRound();
    }
  } finally {
    await session.stopTargets();
  }
  session.printBest();
  session.printRatios();
}
await session.runCostBenches();
process.exitCode = session.printWarnings() ? 1 : 0;
