import { isPciqError, type PciqError } from '../core/index.ts';
import { type KeySession, quarantineTag, type SealingKey } from '../keys/index.ts';
import type { QueueRow } from '../storage/index.ts';
import { arnOf, type QueueContext } from './context.ts';
import { settingsOf } from './queue-attributes.ts';

export type DestinationKey = { isUsable: true; key: SealingKey } | { isUsable: false; failureReason: string };

const restart = 'start a new task for the messages left in the source queue.';

/**
 * The key a move task seals messages for `destination` with now, or why it cannot: the task's FailureReason.
 * A key may be disabled, scheduled for deletion or quarantined after the task started (PCI DSS 3.7: a key out
 * of use seals nothing). The reason leads with the error code a send to the queue would get, as SQS reports a
 * destination that is gone, and names the key and the queue: the task belongs to another queue.
 */
export function destinationKeyOf(context: QueueContext, session: KeySession, destination: QueueRow): DestinationKey {
  const settings = settingsOf(destination.attributes);
  const queueArn = arnOf(context, destination);
  try {
    const key = session.sealingKey(destination.accountId, settings.kmsKeyRef, queueArn, settings.dataKeyReuseSec);
    return { isUsable: true, key };
  } catch (error) {
    if (!isPciqError(error)) throw error;
    return {
      isUsable: false,
      failureReason: failureReasonOf(error, session, destination.accountId, settings.kmsKeyRef, queueArn),
    };
  }
}

function failureReasonOf(
  error: PciqError,
  session: KeySession,
  accountId: string,
  keyRef: string,
  queueArn: string,
): string {
  let key: { arn: string; tags: Record<string, string> } | undefined;
  try {
    key = session.keyOf(accountId, keyRef);
  } catch {
    key = undefined;
  }
  const what = `the KMS key ${key?.arn ?? keyRef} of the destination queue ${queueArn}`;
  const incident = key?.tags[quarantineTag];
  switch (error.code) {
    case 'DisabledException':
      return incident !== undefined
        ? `KMS.DisabledException: ${what} is quarantined by incident ${incident}, so no message can be sealed for it; after pciq incident release ${incident}, ${restart}`
        : `KMS.DisabledException: ${what} is disabled, so no message can be sealed for it; enable the key, then ${restart}`;
    case 'NotFoundException':
    case 'InvalidArnException':
      return `KMS.NotFoundException: ${what} does not exist; set the queue's KmsMasterKeyId to an existing key, then ${restart}`;
    // What a sealing key is refused with for a key pending deletion (a disabled one is DisabledException).
    case 'KMSInvalidStateException':
      return `KMS.InvalidStateException: ${what} is pending deletion, so no message can be sealed for it; cancel the deletion and enable the key, then ${restart}`;
    case 'KeyUnavailableException':
      return `KMS.InvalidStateException: ${what} cannot be used now (${error.message})`;
    default:
      return error.message;
  }
}
