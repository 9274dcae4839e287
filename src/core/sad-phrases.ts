/**
 * Sensitive authentication data as people write it in a sentence (PCI DSS 3.3.1.2, 3.3.1.3): a card
 * verification code after its name ("CVV 123", "security code: 1234") and a PIN or PIN block after its name
 * ("PIN block 0412…"). The card-data guard refuses texts that hold them; error messages, which may quote a
 * client's value, drop them. Match ASCII forms: the guard folds full-width ones first, and so do messages.
 */
export const verificationCodePhrase =
  /(?<![A-Za-z0-9])(?:cvv2?|cvc2?|cvn|cvd|cav2|cid|csc|card\s*verification(?:\s*(?:code|value|number))?|security\s*code|card\s*code)(?![A-Za-z])[\s:=#"'+-]{0,4}\d{3,4}(?!\d)/i;
export const pinPhrase =
  /(?<![A-Za-z0-9])pin(?:\s*block)?(?![A-Za-z])[\s:=#"'+-]{1,4}[0-9A-Fa-f]{4,16}(?![0-9A-Fa-f])/i;
