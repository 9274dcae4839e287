import type { Endpoint } from '../clients/queue-client.ts';

/** A queue server under test, running in its own process. */
export interface Target {
  name: string;
  endpoint: Endpoint;
  /** pciq only: the same server as a principal holding 50 policies of 10 statements (the admin holds one). */
  policyHeavyEndpoint?: Endpoint;
  /** Several nodes serving one store: client process i talks to node i mod n of those a run uses. */
  endpoints?: Endpoint[];
  /** For measuring the server's CPU time. */
  pid: number | undefined;
  /** Every node's process, in the order of `endpoints`. */
  pids?: Array<number | undefined>;
  /** What the server wrote to stderr so far: pciq logs internal errors there. */
  stderr(): string;
  stop(): Promise<void>;
}
