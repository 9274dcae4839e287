import { invalidParameter } from '../core/index.ts';
import { cardDataIn } from '../guard/index.ts';

/**
 * Refuses cardholder data in a function's configuration, which is stored as given and shown by `get`,
 * `list` and `mappings`: a card number (PCI DSS 3.2, stored only where the business needs it, and never in
 * clear) or sensitive authentication data such as a card verification code (3.3.1, never stored after
 * authorization, not even sealed), found as in any other management text (`cardDataIn`). The refusal names
 * the field and the kind of data, never the value.
 */
export function refuseCardData(field: string, text: string): void {
  const found = cardDataIn(text);
  if (found === undefined) return;
  throw invalidParameter(
    `${field} holds what looks like ${found}: card data must never be stored in a function's configuration (PCI DSS 3.2, 3.3.1).`,
  );
}
