import { type ErrorCode, PciqError } from '../core/index.ts';
import { findPans } from './pan-scanner.ts';
import { sadKindInText } from './sensitive-auth-data.ts';
import { isWorthInspecting } from './text-inspector.ts';

/**
 * What card data a text that is not meant to hold any holds, described for an error message: "a card number",
 * "a card verification code"… or undefined. Management text (queue and key names, tags, descriptions,
 * policies, a token scope) is stored as written and shown as written, never tokenized: the message guard's
 * own detectors judge it, card numbers (Luhn-valid, in a known IIN range, grouped as people write them) and
 * SAD phrases ("cvv 123", track data, "pin block …").
 */
export function cardDataIn(text: string): string | undefined {
  if (!isWorthInspecting(text)) return undefined;
  // A policy document may write a digit or a letter as a JSON escape (`\u0034111…`): it is read decoded too.
  return cardDataAsWritten(text) ?? (text.includes('\\u') ? cardDataAsWritten(jsonDecoded(text)) : undefined);
}

function cardDataAsWritten(text: string): string | undefined {
  if (findPans(text).length > 0) return 'a card number';
  const sad = sadKindInText(text);
  if (sad === undefined) return undefined;
  return sad === 'magnetic-stripe track data' ? sad : `a ${sad}`;
}

/** A JSON document with its escapes decoded (serializing leaves letters and digits as they are), or `text`. */
function jsonDecoded(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

/**
 * Refuses management text that holds card data with the code the API's clients expect for an invalid value
 * (PCI DSS 3.3.1, 3.4: such fields are kept in plain text, so a card number or SAD may never reach them).
 * `field` names where, from the server's words or names already screened: the value itself is never echoed.
 */
export function refuseCardDataIn(code: ErrorCode, field: string, text: string): void {
  const found = cardDataIn(text);
  if (found === undefined) return;
  throw new PciqError(
    code,
    `${field} holds what looks like ${found}. Card data is not allowed there (it is stored and shown as written), so pciq refused the request and stored nothing of it: use a value without card data, or a token.`,
  );
}
