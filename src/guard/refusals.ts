import { PciqError } from '../core/index.ts';
import type { SadKind } from './sensitive-auth-data.ts';

/**
 * Where in a message something was found, as error messages name it: the field, never its value. Names
 * are the sender's own and are echoed (bounded); digit runs in them are masked like in every error.
 */
export interface Place {
  /** "the message body", "message attribute 'note'". */
  container: string;
  /** JSON path inside the container, if it is JSON. */
  path: readonly string[];
}

export function describePlace(place: Place): string {
  if (place.path.length === 0) return place.container;
  const path = place.path.join('.');
  return `${place.container}, field ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`;
}

const sadPhrases: Record<SadKind, string> = {
  'card verification code': 'a card verification code',
  'magnetic-stripe track data': 'magnetic-stripe track data',
  'PIN or PIN block': 'a PIN or PIN block',
  'PIN code': 'a PIN or PIN block',
};

/** SAD is refused whatever the queue's policy (PCI DSS 3.3.1). SQS's code for content it does not accept. */
export function sadRefused(kind: SadKind, place: Place): PciqError {
  return new PciqError(
    'InvalidMessageContents',
    `The message holds ${sadPhrases[kind]} in ${describePlace(place)}. PCI DSS 3.3.1 forbids keeping sensitive authentication data after authorization, so pciq refused the message and stored nothing of it: remove that data and send again.`,
  );
}

export function panRejected(place: Place): PciqError {
  return new PciqError(
    'InvalidMessageContents',
    `The message holds a card number in ${describePlace(place)}, and this queue's data policy (PciqDataPolicy) is reject: send a token instead (PciqVault.Tokenize), or list the field in PciqAllowedFields if it is not a card number.`,
  );
}

/** Identifiers are stored for ordering and shown to receivers: they must not be card numbers. */
export function panInIdentifier(name: string): PciqError {
  return new PciqError(
    'InvalidParameterValue',
    `${name} holds what looks like a card number. It is kept for ordering and shown to receivers, so it must not be one: use an order id or a token.`,
  );
}

/** Attribute names are delivered as sent (only values are tokenized); the name is not echoed. */
export function panInAttributeName(): PciqError {
  return new PciqError(
    'InvalidParameterValue',
    'A message attribute name holds what looks like a card number. Names are delivered to receivers as sent, so it must not be one: put the card number in the value, where it is tokenized.',
  );
}
