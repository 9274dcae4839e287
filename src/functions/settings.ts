import { invalidParameter } from '../core/index.ts';
import { refuseCardData } from './card-data-check.ts';
import { type FilterCriteria, parseFilterCriteria } from './filter-criteria.ts';

/** AWS Lambda's limits and defaults for what pciq implements of it. */
export const functionLimits = {
  defaultTimeoutSec: 3,
  maxTimeoutSec: 900,
  defaultMemoryMb: 128,
  minMemoryMb: 128,
  maxMemoryMb: 10_240,
  maxDescriptionLength: 256,
  defaultBatchSize: 10,
  maxBatchSize: 10_000,
  maxFifoBatchSize: 10,
  maxBatchWindowSec: 300,
  minMaxConcurrency: 2,
  maxMaxConcurrency: 1_000,
  /** AWS: set the queue's visibility timeout to at least six times the function's timeout. */
  visibilityToTimeoutRatio: 6,
} as const;

function wholeNumber(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter(`${name} must be a whole number from ${min} to ${max}, not ${value}.`);
  }
  return value;
}

export function checkTimeoutSec(value: number): number {
  return wholeNumber('Timeout (seconds)', value, 1, functionLimits.maxTimeoutSec);
}

/**
 * Lambda refuses a queue whose visibility timeout is shorter than the function's timeout: the queue would hand
 * a batch to another poller while the function still runs it, and the batch would run twice.
 */
export function checkVisibilityCoversTimeout(visibilitySec: number, timeoutSec: number, queueArn: string): void {
  if (visibilitySec >= timeoutSec) return;
  throw invalidParameter(
    `Queue visibility timeout: ${visibilitySec} seconds is less than the function timeout: ${timeoutSec} seconds (${queueArn}). Raise the queue's VisibilityTimeout (AWS recommends ${functionLimits.visibilityToTimeoutRatio} x the function timeout).`,
  );
}

export function checkMemoryMb(value: number): number {
  return wholeNumber('Memory (MB)', value, functionLimits.minMemoryMb, functionLimits.maxMemoryMb);
}

export function checkDescription(value: string): string {
  if (value.length > functionLimits.maxDescriptionLength) {
    throw invalidParameter(`Description is longer than ${functionLimits.maxDescriptionLength} characters.`);
  }
  // Shown by get and list and kept in clear with every version: a place people paste a test card into.
  refuseCardData('Description', value);
  return value;
}

export interface MappingInput {
  batchSize?: number | undefined;
  batchWindowSec?: number | undefined;
  maxConcurrency?: number | null | undefined;
  reportBatchItemFailures?: boolean | undefined;
  filterPatterns?: readonly string[] | undefined;
}

export interface MappingSettings {
  batchSize: number;
  batchWindowSec: number;
  maxConcurrency: number | null;
  reportBatchItemFailures: boolean;
  filterPatterns: string[];
  filters: FilterCriteria;
}

/**
 * Lambda's rules for SQS event source mappings: batches of 1 to 10 000 (10 at most on FIFO queues), a
 * batching window of up to 300 s that must be at least 1 s once batches exceed 10 (and is not available on
 * FIFO queues), maximum concurrency from 2 to 1 000.
 */
export function checkMappingSettings(input: MappingInput, isFifo: boolean): MappingSettings {
  const maxBatch = isFifo ? functionLimits.maxFifoBatchSize : functionLimits.maxBatchSize;
  const batchSize = wholeNumber(
    isFifo ? 'Batch size on a FIFO queue' : 'Batch size',
    input.batchSize ?? functionLimits.defaultBatchSize,
    1,
    maxBatch,
  );
  const batchWindowSec = wholeNumber(
    'Batch window (seconds)',
    input.batchWindowSec ?? 0,
    0,
    functionLimits.maxBatchWindowSec,
  );
  if (isFifo && batchWindowSec > 0) {
    throw invalidParameter('A batch window is not supported on FIFO queues: leave it at 0.');
  }
  if (batchSize > 10 && batchWindowSec < 1) {
    throw invalidParameter('A batch size over 10 needs a batch window of at least 1 second (--batch-window).');
  }
  const maxConcurrency =
    input.maxConcurrency === null || input.maxConcurrency === undefined
      ? null
      : wholeNumber(
          'Maximum concurrency',
          input.maxConcurrency,
          functionLimits.minMaxConcurrency,
          functionLimits.maxMaxConcurrency,
        );
  const filterPatterns = [...(input.filterPatterns ?? [])];
  // Patterns are kept in clear with the mapping and shown by `mappings`. A card number in one could never
  // match anyway: the pollers filter bodies as stored, after the guard tokenized their card numbers.
  for (const [index, pattern] of filterPatterns.entries()) refuseCardData(`Filter ${index + 1}`, pattern);
  return {
    batchSize,
    batchWindowSec,
    maxConcurrency,
    reportBatchItemFailures: input.reportBatchItemFailures ?? false,
    filterPatterns,
    filters: parseFilterCriteria(filterPatterns),
  };
}
