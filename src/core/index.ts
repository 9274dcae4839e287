export { parseQueueArn, parseQueueUrl, type QueueAddress, queueArn, queueUrl, sessionRoleArn } from './arn.ts';
export type { Caller } from './caller.ts';
export { type Clock, ManualClock, systemClock } from './clock.ts';
export { type CsvSeparator, csvCell, csvLine } from './csv-cell.ts';
export {
  type ErrorCode,
  errorCodes,
  invalidParameter,
  isPciqError,
  missingParameter,
  PciqError,
} from './errors.ts';
export { FreshRead } from './fresh-read.ts';
export { newAccountId, newMessageId, newRequestId, randomToken } from './ids.ts';
export { unmappedIpv4 } from './ip-address.ts';
export { randomFromPool } from './random-pool.ts';
export { digitRunText, maskDigitRuns, mayHoldSadPhrase, redactCardData, uuidText } from './redact.ts';
export { pinPhrase, verificationCodePhrase } from './sad-phrases.ts';
export { isUntrustedChain } from './tls-verdicts.ts';
