/**
 * The names of card verification codes in the card networks' main markets' languages (the guard's
 * `localVerificationNames`) as people write them in text, accented or not (an accented letter
 * also as a letter and a combining mark, as some systems decompose text): `código de segurança: 123`.
 */
const localVerificationPhrases = [
  'c(?:ó|o\u0301?)d(?:igo|\\.)?\\s*(?:de\\s*)?(?:seguran(?:ç|c\u0327?)a|seguridad)',
  'cryptogramme(?:\\s*visuel)?',
  'code\\s*(?:de\\s*)?s(?:é|e\u0301?)curit(?:é|e\u0301?)',
  'karten\\s*pr(?:ü|u\u0308?e?)f\\s*(?:nummer|ziffer)',
  'sicherheits\\s*code',
  'codice\\s*(?:di\\s*)?sicurezza',
  '(?:beveiligings|veiligheids)\\s*code',
  'セキュリティ\\s*コード',
  '安全[码碼]',
];
/**
 * How a sentence goes from the name of a code to its digits: a noun (`CVV number`, `CVC-Code`) and a verb
 * (`cvv is 123`, `the cvc was 123`, `セキュリティコードは123`), each optional, besides `:`, `=` and the like.
 */
const codeNoun = '(?:[\\s-]*(?:code|number|num|no\\.?|nr\\.?|nummer|n(?:ú|u)mero|num(?:é|e)ro)(?![A-Za-z]))?';
const codeVerb = '(?:(?:is|was|ist|war|est|es|é|è|era|は|是|为|為)(?![A-Za-z])[\\s:=#"\'+-]{0,4})?';
/**
 * Sensitive authentication data as people write it in a sentence (PCI DSS 3.3.1.2, 3.3.1.3): a card
 * verification code after its name ("CVV 123", "security code: 1234") and a PIN or PIN block after its name
 * ("PIN block 0412…"). The card-data guard refuses texts that hold them; error messages, which may quote a
 * client's value, drop them. Match ASCII forms: the guard folds full-width ones first, and so do messages.
 */
export const verificationCodePhrase = new RegExp(
  `(?<![A-Za-z0-9])(?:cvv2?|cvc2?|cvn|cvd|cvp2|cav2|cid|csc|card\\s*verification(?:\\s*(?:code|value|number))?|security\\s*code|card\\s*code|${localVerificationPhrases.join('|')})(?![A-Za-z])${codeNoun}[\\s:=#"'+-]{0,4}${codeVerb}\\d{3,4}(?![\\d%])`,
  'i',
);
export const pinPhrase =
  /(?<![A-Za-z0-9])pin(?:(?:\s*block)?(?![A-Za-z])[\s:=#"'+-]{1,4}[0-9A-Fa-f]{4,16}(?![0-9A-Fa-f])|(?:\s*(?:code|number))?\s+(?:is|was)\s+\d{4,12}(?!\d))/i;

/**
 * What every phrase above starts with (a name's stem, in any case): text without any of them holds no such
 * phrase, and the cheap test lets hot paths skip the phrases' patterns.
 */
export const sadPhraseStem =
  /cv[vcndp]|cav2|cid|csc|card|secur|segur|sicur|c[oó]d|crypto|karten|sicher|veilig|pin|セキュリティ|安全/i;
