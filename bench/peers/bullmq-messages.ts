/** Coordinator → BullMQ peer process. */
export interface BullmqAssignment {
  redis: { host: string; port: number };
  messages: number;
  warmupMessages: number;
  producers: number;
  workerConcurrency: number;
  bodyBytes: number;
}

export interface BullmqFigures {
  produceSeconds: number;
  consumeSeconds: number;
  /** CPU seconds the whole machine spent busy while producing and consuming (peer, its server, all else). */
  machineBusySeconds: number | undefined;
}

/** The busy CPU seconds of two phases, or undefined if either could not be read. */
export function busyOfPhases(first: number | undefined, second: number | undefined): number | undefined {
  return first === undefined || second === undefined ? undefined : first + second;
}

/** BullMQ peer process → coordinator. */
export type BullmqOutcome =
  | { type: 'measured'; figures: BullmqFigures }
  | { type: 'skipped'; reason: string }
  | { type: 'failed'; error: string };
