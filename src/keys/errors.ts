import { PciqError } from '../core/index.ts';
import type { UnreadableReason } from './events.ts';
import type { EvidenceHold } from './sealed-sources.ts';

/** Sealed data whose key material was destroyed on purpose (deletion, version retirement): crypto-shredded. */
export class UnreadableSealError extends Error {
  readonly reason: Exclude<UnreadableReason, 'integrity'>;
  readonly keyArn: string;

  constructor(reason: Exclude<UnreadableReason, 'integrity'>, keyArn: string) {
    super(
      reason === 'key-deleted'
        ? `the key ${keyArn} that sealed this data was deleted`
        : `the key version of ${keyArn} that sealed this data was retired`,
    );
    this.name = 'UnreadableSealError';
    this.reason = reason;
    this.keyArn = keyArn;
  }
}

export function keyNotFound(ref: string): PciqError {
  return new PciqError('NotFoundException', `Key '${ref.slice(0, 256)}' does not exist`);
}

export function keyDisabled(arn: string): PciqError {
  return new PciqError('DisabledException', `${arn} is disabled.`);
}

export function keyPendingDeletion(arn: string): PciqError {
  return new PciqError('KMSInvalidStateException', `${arn} is pending deletion.`);
}

export function validation(message: string): PciqError {
  return new PciqError('ValidationException', message);
}

export function managedKeyRefused(arn: string, what: string): PciqError {
  return new PciqError(
    'UnsupportedOperationException',
    `${arn} is an AWS managed key: its lifecycle is managed by pciq; ${what} is not allowed.`,
  );
}

/** A destruction of key material refused because an open incident's evidence needs it (PCI DSS 12.10). */
export function evidenceHeld(arn: string, hold: EvidenceHold, refused: string): PciqError {
  return new PciqError(
    'KMSInvalidStateException',
    `${arn} seals what ${hold.resource} holds, quarantined by incident ${hold.incident}; ${refused} until pciq incident release ${hold.incident}.`,
  );
}
