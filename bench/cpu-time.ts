import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ, the unit of /proc times, is 100 on every Linux ABI node runs on.
const ticksPerSecond = 100;

/**
 * CPU seconds (user + system, all threads) a process has used so far; undefined where /proc is unavailable.
 * With `withReaped`, also what its children that already ended and were waited for used.
 */
export function processCpuSeconds(pid: number | undefined, withReaped = false): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const reaped = withReaped ? Number(fields[13]) + Number(fields[14]) : 0;
    return (Number(fields[11]) + Number(fields[12]) + reaped) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of a process and all its live descendants: `pciq serve` forks worker processes, and the
 * server's cost is theirs together. A descendant that exits during a measurement drops out of the sum, unless
 * `withReaped` counts what ended descendants used (functions' sandboxes: one short process per invocation).
 */
export function processTreeCpuSeconds(pid: number | undefined, withReaped = false): number | undefined {
  const own = processCpuSeconds(pid, withReaped);
  if (pid === undefined || own === undefined) return own;
  return childrenOf(pid).reduce((sum, child) => sum + (processTreeCpuSeconds(child, withReaped) ?? 0), own);
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

export interface MachineCpu {
  busySeconds: number;
  totalSeconds: number;
}

/** CPU seconds the whole machine spent busy (summed over its cores) since `start`; undefined without /proc. */
export function machineBusySince(start: MachineCpu | undefined): number | undefined {
  const now = machineCpu();
  return start && now ? now.busySeconds - start.busySeconds : undefined;
}

/** CPU seconds the whole machine has spent busy and in total, summed over its cores. */
export function machineCpu(): MachineCpu | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0);
    // idle and iowait
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busySeconds: (total - idle) / ticksPerSecond, totalSeconds: total / ticksPerSecond };
  } catch {
    return undefined;
  }
}
