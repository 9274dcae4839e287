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
}

/** BullMQ peer process → coordinator. */
export type BullmqOutcome =
  | { type: 'measured'; figures: BullmqFigures }
  | { type: 'skipped'; reason: string }
  | { type: 'failed'; error: string };
