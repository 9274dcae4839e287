import { PciqError } from '../core/index.ts';

export interface ReceiptHandle {
  queueId: number;
  seq: number;
  nonce: string;
}

const handlePattern = /^(\d{1,15}):(\d{1,15}):([A-Za-z0-9_-]{8,64})$/;

/**
 * A receipt handle names one receive of one message: the queue, the message's place in the store and a
 * random nonce issued with that receive. A later receive issues a new nonce, which makes older handles stale.
 */
export function encodeReceiptHandle(handle: ReceiptHandle): string {
  return Buffer.from(`${handle.queueId}:${handle.seq}:${handle.nonce}`, 'utf8').toString('base64url');
}

export function decodeReceiptHandle(text: string): ReceiptHandle {
  const decoded = /^[A-Za-z0-9_-]{1,200}$/.test(text) ? Buffer.from(text, 'base64url').toString('utf8') : '';
  const match = handlePattern.exec(decoded);
  if (!match) {
    // The handle is not echoed back: it is client input and error messages end up in logs.
    throw new PciqError('ReceiptHandleIsInvalid', 'The input receipt handle is not a valid receipt handle.');
  }
  return { queueId: Number(match[1]), seq: Number(match[2]), nonce: match[3]! };
}
