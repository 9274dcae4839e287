import type { BenchConfig } from './config.ts';
import type { BullmqResult } from './peers/bullmq.ts';
import type { RoundTripResult } from './round-trip/run-round-trips.ts';

const labelWidth = 34;
const ratioLabelWidth = 60;

export function headerLines(config: BenchConfig, cores: number): string[] {
  return [
    `round trip: SendMessageBatch(10) → ReceiveMessage(10, wait 0) → DeleteMessageBatch, ${config.bodyBytes}-byte bodies`,
    `${config.messages} messages a run after ${config.warmupMessages} to warm up; ` +
      `${config.processes} client processes × ${config.loopsPerProcess} loops; ${cores} cores; node ${process.version}`,
    '',
    `${'run'.padEnd(labelWidth)}${'msgs/s'.padStart(9)}${'send p50'.padStart(11)}${'send p99'.padStart(11)}` +
      `   CPU in cores: server / clients / whole machine`,
  ];
}

export function roundTripLine(label: string, result: RoundTripResult): string {
  const cpu = [result.serverCores, result.clientCores, result.machineBusyCores].map((cores) =>
    cores === undefined ? '?' : cores.toFixed(2),
  );
  return (
    `${label.padEnd(labelWidth)}${formatRate(result.messagesPerSec).padStart(9)}` +
    `${formatMs(result.sendP50Ms).padStart(11)}${formatMs(result.sendP99Ms).padStart(11)}` +
    `   ${cpu.join(' / ')}`
  );
}

export function bullmqLines(label: string, result: BullmqResult, config: BenchConfig, producers: number): string[] {
  return [
    `${label.padEnd(labelWidth)}${formatRate(result.combinedRate).padStart(9)}` +
      `   = N / (produce time + consume time)`,
    `${''.padEnd(labelWidth)}   produce ${formatRate(result.produceRate)} msgs/s (addBulk of 10, ${producers} in flight), ` +
      `consume ${formatRate(result.consumeRate)} msgs/s (Worker concurrency 50), N = ${config.messages}${machineOf(result)}`,
  ];
}

export function pgbossLines(label: string, result: BullmqResult, config: BenchConfig, producers: number): string[] {
  return [
    `${label.padEnd(labelWidth)}${formatRate(result.combinedRate).padStart(9)}` +
      `   = N / (produce time + consume time)`,
    `${''.padEnd(labelWidth)}   produce ${formatRate(result.produceRate)} msgs/s (insert of 10, ${producers} in flight), ` +
      `consume ${formatRate(result.consumeRate)} msgs/s (fetch 10 + complete, ${producers} loops), N = ${config.messages}${machineOf(result)}`,
  ];
}

export function ratioLine(label: string, numerator: number | undefined, denominator: number | undefined): string {
  const ratio =
    numerator === undefined || denominator === undefined
      ? 'n/a (a run was not selected, skipped or failed)'
      : (numerator / denominator).toFixed(2);
  return `  ${label.padEnd(ratioLabelWidth)}${ratio}`;
}

/** The whole machine's busy cores while the peer ran, as the round trips' last CPU column gives them. */
function machineOf(result: BullmqResult): string {
  return result.machineCores === undefined ? '' : `; whole machine ${result.machineCores.toFixed(2)} cores`;
}

function formatRate(perSecond: number): string {
  return Math.round(perSecond).toLocaleString('en-US');
}

function formatMs(ms: number): string {
  return `${ms.toFixed(2)} ms`;
}
