/** Every knob of `npm run bench`, read once from the environment. */
export interface BenchConfig {
  /** Messages each round-trip run (and the BullMQ peer) moves end to end; rounded up to whole batches of 10. */
  messages: number;
  /** Messages moved before measuring, on a separate queue, so JIT, TLS sessions and caches are warm. */
  warmupMessages: number;
  /** Client processes per round-trip run. */
  processes: number;
  /** Concurrent send→receive→delete loops in each client process, each on its own keep-alive connection. */
  loopsPerProcess: number;
  bodyBytes: number;
  /** Every run is repeated this many times, interleaved with the others; the best of each is reported. */
  rounds: number;
  /** A run taking longer than this is abandoned and reported as failed. */
  runTimeoutMs: number;
  /** Runs to do, by name; all when BENCH_ONLY is unset. */
  only: ReadonlySet<string> | undefined;
  redis: { host: string; port: number };
}

export const runNames = [
  'bullmq',
  'lean-pciq',
  'lean-pciq-policies',
  'lean-fauxqs',
  'sdk-pciq',
  'sdk-fauxqs',
  'pgboss',
  'pg-1',
  'pg-2',
  'pg-3',
  'encryption',
  'audit',
  'functions',
  'vault',
] as const;
export type RunName = (typeof runNames)[number];

export function readBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const only = env['BENCH_ONLY']
    ?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of only ?? []) {
    if (!(runNames as readonly string[]).includes(name)) {
      throw new Error(`BENCH_ONLY: unknown run '${name}'; choose from ${runNames.join(', ')}`);
    }
  }
  return {
    messages: roundUpToBatch(positiveInteger(env, 'BENCH_MESSAGES', 20_000)),
    warmupMessages: roundUpToBatch(positiveInteger(env, 'BENCH_WARMUP_MESSAGES', 2_000)),
    processes: positiveInteger(env, 'BENCH_PROCESSES', 3),
    loopsPerProcess: positiveInteger(env, 'BENCH_LOOPS', 6),
    bodyBytes: positiveInteger(env, 'BENCH_BODY_BYTES', 1024),
    rounds: positiveInteger(env, 'BENCH_ROUNDS', 2),
    runTimeoutMs: positiveInteger(env, 'BENCH_TIMEOUT_SEC', 120) * 1000,
    only: only && only.length > 0 ? new Set(only) : undefined,
    redis: { host: env['BENCH_REDIS_HOST'] ?? '127.0.0.1', port: positiveInteger(env, 'BENCH_REDIS_PORT', 6379) },
  };
}

export function isRunSelected(config: BenchConfig, name: RunName): boolean {
  return config.only === undefined || config.only.has(name);
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, not '${raw}'`);
  return value;
}

function roundUpToBatch(messages: number): number {
  return Math.ceil(messages / 10) * 10;
}
