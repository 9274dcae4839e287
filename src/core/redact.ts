import { pinPhrase, sadPhraseStem, verificationCodePhrase } from './sad-phrases.ts';

/**
 * Error messages echo parts of requests (parameter values, attribute names, ids) because that helps
 * developers, and messages end up in logs and audit records. PCI DSS 3.3/3.4: a card number must never get
 * there. Any run of 13 or more digits (card numbers are 13–19) is masked, written as people write them: in
 * groups apart by up to three spaces, dashes, dots or `+`, with the no-break, thin and ideographic spaces,
 * the hyphens and en or em dashes a word processor puts for a typed `-`, and the full-width dash copied text
 * and CJK input bring, or by one URL-encoded space or dash (`%20`, `%2D`) or HTML no-break space (`&nbsp;`,
 * `&#160;`) as URLs and e-mail templates write them, or by one tab, `/` or `_` (spreadsheet cells, paths,
 * ids), the same one throughout, and in other scripts' digits (full-width ４１１１) — the separators and
 * digits the card-data guard reads card numbers in (src/guard/pan-scanner.ts). Masking has no Luhn or IIN
 * check to tell a card number from other digits, so it hides every run of 13 that could be one; of digits
 * apart by a tab, `/` or `_`, which ids and file names are made of too, only those grouped as the guard reads
 * card numbers there (as printed on a card). 12-digit account ids in ARNs stay readable, and so do RFC 9562
 * UUIDs (key ids, message ids), whose 8-4-4-4-12 hexadecimal groups with version and variant digits are no
 * way of writing a card number: masking the one UUID in 45 that has 13 digits in a row would hide which key
 * an audit record is about (10.2.2).
 */
/** An RFC 9562 UUID as text (match it case-insensitively): 8-4-4-4-12 hexadecimal digits, version 1–8, variant 8–b. */
export const uuidText = '[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const uuid = `(?<![0-9A-Za-z-])(?i:${uuidText})(?![0-9A-Za-z-])`;
/**
 * Between two digits: up to three separator characters, or one URL escape or HTML entity of a space or dash,
 * alone (the guard reads neither two of them nor one beside a space), in the cases the guard reads (`%2d` and
 * `%2D`, but `&nbsp;` only in lower case).
 */
const separatorText = String.raw`(?:[ .+\u00a0\u2009\u202f\u3000\uff0d\u2010-\u2014-]{0,3}|%2[0Dd]|&nbsp;|&#160;)`;
/** `count` digits of any script (`count` as a regular expression quantifier takes it: "4", "1,3"). */
const digitsOf = (count: string) => String.raw`\p{Nd}{${count}}`;

/**
 * 13 to 19 digits in whole groups apart by `separator`, grouped as card numbers are printed and as the guard
 * asks of those apart by a tab, `/` or `_`: 4-4-4-4-(1 to 3), 4-4-4-(1 to 5), 4-4-5 or 4-6-(3 to 9) digits.
 * Digits grouped otherwise (an archive's `000000000000_000000000003`) are ids and stay readable.
 */
function printedGroupsApartBy(separator: string): string {
  const four = digitsOf('4');
  const groupings = [
    `${four}(?:${separator}${four}){3}${separator}${digitsOf('1,3')}`,
    `${four}(?:${separator}${four}){2}${separator}${digitsOf('1,5')}`,
    `${four}${separator}${four}${separator}${digitsOf('5')}`,
    `${four}${separator}${digitsOf('6')}${separator}${digitsOf('3,9')}`,
  ];
  return String.raw`(?<!\p{Nd})(?:${groupings.join('|')})(?!\p{Nd})`;
}

/** A run of 13 or more digits as people write it, grouped with one sort of separator throughout. */
const digitRunForms = [
  String.raw`\p{Nd}(?:${separatorText}\p{Nd}){12,}`,
  // One tab, `/` or `_`, the same one between all groups ("2024/11/30_12345678" is two runs).
  ...['\\t', '/', '_'].map(printedGroupsApartBy),
];
/** 13 or more digits, grouped as the card-data guard reads card numbers (use with the `u` flag). */
export const digitRunText = `(?:${digitRunForms.join('|')})`;
// Only the UUID is read in any case: a digit run's separators are matched as the guard reads them.
const uuidOrDigitRun = new RegExp(`(${uuid})|${digitRunText}`, 'gu');

export function maskDigitRuns(text: string): string {
  return text.replace(uuidOrDigitRun, (_run, id: string | undefined) => id ?? '[digits removed]');
}

const sadPhrases = [verificationCodePhrase, pinPhrase];
/** The same, to replace every match (global patterns keep state between tests, so they only replace). */
const everySadPhrase = sadPhrases.map((pattern) => new RegExp(pattern.source, 'gi'));
/** Full-width forms (ＣＶＶ１２３) and the compatibility characters NFKC folds. */
const foldableForms = /[\u00a0-\uffff]/;

/**
 * Text for people that may quote a client's value (an error message): digit runs masked as `maskDigitRuns`
 * does, and SAD phrases ("cvv 123", "PIN block 0412…") dropped, so that a value sent in the wrong parameter
 * never comes back in an answer or a log (PCI DSS 3.3.1). A text in full-width forms is read folded.
 */
export function redactCardData(text: string): string {
  let redacted = maskDigitRuns(text);
  const folded = foldedForms(redacted);
  if (!sadPhraseStem.test(folded) || !sadPhrases.some((pattern) => pattern.test(folded))) return redacted;
  redacted = folded;
  for (const pattern of everySadPhrase) redacted = redacted.replace(pattern, '[card data removed]');
  return redacted;
}

function foldedForms(text: string): string {
  return foldableForms.test(text) ? text.normalize('NFKC') : text;
}

/**
 * Whether `text` may hold a SAD phrase `redactCardData` drops (full-width forms read folded): a cheap test
 * that lets hot paths skip the phrases' patterns on clean text.
 */
export function mayHoldSadPhrase(text: string): boolean {
  return sadPhraseStem.test(text) || (foldableForms.test(text) && sadPhraseStem.test(text.normalize('NFKC')));
}
