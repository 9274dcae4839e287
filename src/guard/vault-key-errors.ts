import { isPciqError, PciqError } from '../core/index.ts';

/**
 * The vault's key (`alias/aws/vault`) as an SQS client must hear of it when a send or a revealing receive
 * needs it: in SQS's codes (the KMS ones, `DisabledException`, are unknown to SQS SDKs) and naming the vault's
 * key, not the queue's. The queue layer would otherwise describe it as the queue's own key and advise
 * enabling it, which an AWS managed key quarantined by incident response does not allow.
 */
function asVaultKeyError(error: unknown): unknown {
  if (!isPciqError(error)) return error;
  switch (error.code) {
    case 'DisabledException':
      return new PciqError(
        'KmsDisabled',
        `The token vault's key (alias/aws/vault) is disabled (${error.message}) so card numbers can be neither tokenized nor revealed; if incident response quarantined it (pciq incident list), it serves again once the incident is released. Messages without card numbers, and receives that do not reveal, are served.`,
      );
    case 'KMSInvalidStateException':
    case 'KeyUnavailableException':
      return new PciqError(
        'KmsInvalidState',
        `The token vault's key (alias/aws/vault) cannot be used now, so card numbers can be neither tokenized nor revealed: ${error.message}`,
      );
    default:
      return error;
  }
}

/** For a vault call's `.catch`: its failure, told as `asVaultKeyError` tells it. */
export function rethrowAsVaultKeyError(error: unknown): never {
  throw asVaultKeyError(error);
}
