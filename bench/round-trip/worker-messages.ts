import type { ClientKind, Endpoint } from '../clients/queue-client.ts';
import type { RoundTripTally } from './tally.ts';

/** What one client process is asked to do. */
export interface WorkerAssignment {
  workerIndex: number;
  clientKind: ClientKind;
  endpoint: Endpoint;
  queueUrl: string;
  warmupQueueUrl: string;
  loops: number;
  batches: number;
  warmupBatches: number;
  bodyBytes: number;
}

/** Coordinator → worker: the assignment first, then 'go' once every worker is warm. */
export type CoordinatorMessage = { type: 'assign'; assignment: WorkerAssignment } | { type: 'go' };

/** Worker → coordinator. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'done'; tally: RoundTripTally; cpuMicros: number }
  | { type: 'failed'; error: string };
