import { invalidParameter } from '../core/index.ts';
import { findPans, sadKindInText } from '../guard/index.ts';

/**
 * Refuses cardholder data in a function's configuration, which is stored as given and shown by `get`,
 * `list` and `mappings`: a card number (PCI DSS 3.2, stored only where the business needs it, and never in
 * clear) or sensitive authentication data such as a card verification code (3.3.1, never stored after
 * authorization, not even sealed). The refusal names the field and the kind of data, never the value.
 */
export function refuseCardData(field: string, text: string): void {
  if (findPans(text).length > 0) {
    throw invalidParameter(
      `${field} holds what looks like a card number: cardholder data must never be stored in a function's configuration (PCI DSS 3.2).`,
    );
  }
  const sad = sadKindInText(text);
  if (sad) {
    throw invalidParameter(
      `${field} holds what looks like a ${sad}: sensitive authentication data must never be stored (PCI DSS 3.3.1).`,
    );
  }
}
