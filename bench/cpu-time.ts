import { readFileSync } from 'node:fs';

// USER_HZ, the unit of /proc times, is 100 on every Linux ABI node runs on.
const ticksPerSecond = 100;

/** CPU seconds (user + system, all threads) a process has used so far; undefined where /proc is unavailable. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

export interface MachineCpu {
  busySeconds: number;
  totalSeconds: number;
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
