import type { Credentials } from '../../src/client/sigv4-signer.ts';

/** Where a queue server listens and how to talk to it; plain data, so it can cross into a worker process. */
export interface Endpoint {
  url: string;
  region: string;
  credentials: Credentials;
  /** PEM of the CA that issued the server's certificate; HTTPS only. */
  caPem?: string;
}

export interface SendBatchResult {
  messageIds: string[];
  /** MD5OfMessageBody per successful entry, in the order of `messageIds`. */
  md5s: string[];
  /** Index in the batch of each successful entry, in the order of `messageIds`. */
  entryIndexes: number[];
  failed: number;
}

export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
}

/** The three calls of the round trip, as both the lean client and the AWS SDK make them. */
export interface QueueClient {
  /** True when the client itself rejects a wrong MD5 (the AWS SDK does), so checking again only adds cost. */
  readonly checksMd5: boolean;
  sendBatch(queueUrl: string, bodies: readonly string[]): Promise<SendBatchResult>;
  receive(queueUrl: string, maxMessages: number): Promise<ReceivedMessage[]>;
  /** Resolves with the number of entries the server reported as failed. */
  deleteBatch(queueUrl: string, receiptHandles: readonly string[]): Promise<number>;
  close(): void;
}

export type ClientKind = 'lean' | 'sdk';
