/**
 * FIFO sequence numbers derive from the store's ever-growing `seq`, zero-padded to 20 digits so that they
 * also compare correctly as strings (clients treat them as strings; SQS's are 20-digit numbers).
 */
export function sequenceNumberOf(seq: number): string {
  return String(seq).padStart(20, '0');
}
