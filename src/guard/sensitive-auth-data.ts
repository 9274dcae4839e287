import { pinPhrase, verificationCodePhrase } from '../core/index.ts';
import { brandOf, passesLuhn } from '../vault/index.ts';
import { asciiForms } from './digit-forms.ts';
import { tagsWithAttributes, withoutPrefix } from './markup-tags.ts';
import { isNameCharCode, maxNameLength } from './name-chars.ts';
import { decodeUnicodeEscapes } from './unicode-escapes.ts';

/**
 * Sensitive authentication data (PCI DSS 3.3.1): full track data (3.3.1.1), card verification codes
 * (3.3.1.2) and PINs or PIN blocks (3.3.1.3). It may never be stored after authorization, not even
 * encrypted, so the guard refuses any message that carries it, whatever the queue's policy.
 */
export type SadKind = 'card verification code' | 'magnetic-stripe track data' | 'PIN or PIN block' | 'PIN code';

/**
 * German `Prüfziffer` is also any check digit (an IBAN's, an EAN's), but those are one or two digits and a code
 * is three or four: it counts as a whole name only, never as a word of a longer one nor as a phrase in text.
 * (`Prüfnummer` alone is a test or inspection number and does not count at all.)
 */
const checkDigitNames = ['prufziffer', 'pruefziffer'];

/**
 * What checkout forms and payment APIs call the card verification code in the languages of the card networks'
 * main markets besides English (which says cvv, cvc, security code): Portuguese and Spanish (Elo, Hipercard,
 * Latin America), French, German, Italian and Dutch (Europe's forms and gateways), Japanese (JCB) and Chinese
 * (UnionPay). Compared as below, with accents dropped (`código` is `codigo`, `prüf` is `pruf`; German `ue`
 * listed too). Spelled with or without `de`/`di` and as a phrase in text (see `verificationCodePhrase` in src/core/sad-phrases.ts).
 */
const localVerificationNames = [
  'codigoseguranca',
  'codigodeseguranca',
  'codseguranca',
  'codigoseguridad',
  'codigodeseguridad',
  'codseguridad',
  'cryptogramme',
  'cryptogrammevisuel',
  'codesecurite',
  'codedesecurite',
  'kartenprufnummer',
  'kartenpruefnummer',
  'kartenprufziffer',
  'kartenpruefziffer',
  ...checkDigitNames,
  'sicherheitscode',
  'codicesicurezza',
  'codicedisicurezza',
  'codsicurezza',
  'beveiligingscode',
  'veiligheidscode',
  'セキュリティコード',
  '安全码',
  '安全碼',
];

/** Field names by kind, compared lower case without `_`, `-`, `.` or spaces. */
const fieldKinds = new Map<string, SadKind>();
for (const name of [
  'cvv',
  'cvv2',
  'cvc',
  'cvc2',
  'cid',
  'csc',
  'cvn',
  'cvd',
  'cav2',
  'cvvcode',
  'cvccode',
  'cardcode',
  'securitycode',
  'cardsecuritycode',
  'cardverificationcode',
  'cardverificationvalue',
  'cardverificationnumber',
  'verificationcode',
  // Mir's name for it.
  'cvp2',
  ...localVerificationNames,
])
  fieldKinds.set(name, 'card verification code');
for (const name of ['track1', 'track2', 'trackdata', 'track1data', 'track2data', 'magstripe', 'magneticstripe'])
  fieldKinds.set(name, 'magnetic-stripe track data');
for (const name of ['pin', 'pinblock', 'encryptedpinblock', 'epb', 'pindata']) fieldKinds.set(name, 'PIN or PIN block');
/**
 * A card's PIN, or India's postal code: the Postal Index Number, which Indian addresses name `pincode` or
 * `pin_code` (six digits, the first not 0). Such a value is taken for a postcode, unless the field sits in an
 * object named like a card or a payment (`{"card":{"pincode":"123456"}}`); any other value (four digits, a
 * PIN block) is a PIN.
 */
fieldKinds.set('pincode', 'PIN code');
const postalPinCode = /^\s*[1-9]\d{5}\s*$/;
const cardLikeParent = /card|pay|emv|pinpad|terminal/i;

/**
 * What every SAD field name above (or its parent part, as in `{"security":{"code":…}}`) and every SAD phrase
 * below holds one of: the guard's quick pre-check looks for these before anything else, so a name added
 * above must hold one too. Compared in any case; the short ones also with a separator between their letters
 * ("C.V.V", "p-i-n"), as field names are compared without separators.
 */
const sadWords = ['card', 's(?:é|e\u0301?)cur', 'verif', 'track', 'mag'];
/** Stems of `localVerificationNames`, accented letters also as a letter and a combining mark (`u\u0308`). */
const localSadWords = [
  'segur',
  'sicur',
  'cryptogram',
  'pr(?:ü|u\u0308?e?)f',
  'sicherheit',
  'veilig',
  'セキュリティ',
  '安全',
];
const sadAcronyms = ['cvv', 'cvc', 'cvn', 'cvd', 'cvp', 'cav', 'cid', 'csc', 'pin', 'epb'];

/** Whether `text` could name SAD anywhere (a field name, a phrase): false means it surely does not. */
export const mayNameSad = new RegExp(
  [...sadWords, ...localSadWords, ...sadAcronyms.map((acronym) => [...acronym].join('[\\s_.-]?'))].join('|'),
  'i',
);

function normalizedName(name: string): string {
  return name.toLowerCase().replace(/[\s_.-]/g, '');
}

const beyondAscii = /[\u0080-\uffff]/;

/**
 * `name` without the accents of Latin letters (`códigoSegurança` is `codigoSeguranca`): names are compared so.
 * Only those marks go: others belong to their letters (the voicing mark of katakana `ド`).
 */
function withoutAccents(name: string): string {
  return beyondAscii.test(name)
    ? name
        .normalize('NFD')
        .replace(/[\u0300-\u036f]/g, '')
        .normalize('NFC')
    : name;
}

/**
 * Words that name SAD wherever they stand in a longer name ("card_cvv", "cvvNumber", "encryptedPINBlock"),
 * alone or with the next word. Names that are ambiguous inside longer ones (cid, csc, card code) count only
 * as whole names, above.
 */
const wordKinds = new Map<string, SadKind>();
for (const word of ['cvv', 'cvv2', 'cvc', 'cvc2', 'cvn', 'cvd', 'cvp2', 'cav2', 'securitycode', 'verificationcode'])
  wordKinds.set(word, 'card verification code');
for (const word of localVerificationNames) {
  if (!checkDigitNames.includes(word)) wordKinds.set(word, 'card verification code');
}
for (const word of ['track1', 'track2', 'trackdata', 'magstripe', 'magneticstripe'])
  wordKinds.set(word, 'magnetic-stripe track data');
for (const word of ['pin', 'pinblock', 'epb']) wordKinds.set(word, 'PIN or PIN block');

/** A name's words, lower case: split at separators and where a lower-case letter or digit meets a capital. */
function wordsOf(name: string): string[] {
  return name
    .split(/[\s_.-]+|(?<=[a-z0-9])(?=[A-Z])/)
    .filter(Boolean)
    .map((word) => word.toLowerCase());
}

/** Alone, with the next word, or with the next two (`codigo_de_seguranca`). */
function kindOfWords(name: string): SadKind | undefined {
  const words = wordsOf(name);
  for (let i = 0; i < words.length; i++) {
    const kind =
      wordKinds.get(words[i]!) ??
      (i + 1 < words.length ? wordKinds.get(words[i]! + words[i + 1]!) : undefined) ??
      (i + 2 < words.length ? wordKinds.get(words[i]! + words[i + 1]! + words[i + 2]!) : undefined);
    if (kind) return kind;
  }
  return undefined;
}

/**
 * The kind of SAD a field of this name holds, judging by the name alone (the last one or two path parts).
 * Names typed in full-width forms ("ｃｖｖ") are judged as their ASCII ones.
 */
export function sadKindOfField(written: string, parent?: string): SadKind | undefined {
  // Every message's field names are judged, and the same few names come again and again.
  const cache = parent === undefined ? ownNameKinds : pairNameKinds;
  const key = parent === undefined ? written : `${parent.length}:${parent}${written}`;
  const known = cache.get(key);
  if (known !== undefined) return known === notSad ? undefined : known;
  const kind = judgedKindOfField(written, parent);
  if (isCacheable(key)) {
    if (cache.size >= maxCachedNames) cache.clear();
    cache.set(key, kind ?? notSad);
  }
  return kind;
}

const notSad = 'none';
const ownNameKinds = new Map<string, SadKind | typeof notSad>();
/** Keyed by the parent's length, its name and the field's name: no two pairs share a key. */
const pairNameKinds = new Map<string, SadKind | typeof notSad>();
const maxCachedNames = 4_096;

/**
 * Names short enough, with too few digits to hold a card number: a name that does hold one must not stay in
 * memory past its message.
 */
function isCacheable(key: string): boolean {
  if (key.length > 80) return false;
  let digits = 0;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if ((code >= 48 && code <= 57) || code >= 0x660) digits++;
  }
  return digits < 13;
}

function judgedKindOfField(written: string, parent: string | undefined): SadKind | undefined {
  const name = withoutAccents(asciiForms(written));
  // Most names hold no stem of SAD at all: they are not split into words.
  const own = fieldKinds.get(normalizedName(name)) ?? (mayNameSad.test(name) ? kindOfWords(name) : undefined);
  if (own === 'PIN code' && parent !== undefined && cardLikeParent.test(parent)) return 'PIN or PIN block';
  if (own) return own;
  if (parent === undefined) return undefined;
  // { "cvv": { "value": "123" } }: the value member of an object named like SAD holds that SAD.
  if (isPairValueKey(name)) {
    const parentKind = sadKindOfField(parent);
    if (parentKind) return parentKind;
  }
  // { "security": { "code": "123" } }
  return fieldKinds.get(normalizedName(withoutAccents(asciiForms(parent)) + name));
}

// Spaces inside the value too ("12 3", "0412 AB34 CD56 EF78"): people and forms write codes and blocks so; and
// dashes inside a code ("1-2-3"), as input masks do. Not in a PIN's value, where "2024-05-01" (a field such as
// pinChangedAt) would be taken for one; nor dots in a code: "1.23" is a number.
const verificationCode = /^\s*\d(?:[\s-]*\d){2,3}\s*$/;
const pinValue = /^\s*[0-9A-Fa-f](?:\s*[0-9A-Fa-f]){3,31}\s*$/;

/** Members that name the other member of a name/value pair, and members that hold its value (lower case). */
const pairNameKeys = new Set(['name', 'key', 'k', 'field', 'type', 'code', 'label', 'id']);
const pairValueKeys = new Set(['value', 'v', 'val', 'data', 'text']);
/**
 * What form builders and parameter lists put before those (`fieldName`/`fieldValue`, `param_name`,
 * `attributeValue`), with or without a `_` or `-`; longer ones first, as the pattern takes the first that fits.
 */
const pairKeyPrefixes = ['field', 'parameter', 'param', 'attribute', 'attr', 'property', 'input'];
const pairKeyPrefix = new RegExp(`^(?:${pairKeyPrefixes.join('|')})[_-]?`, 'i');

function isPairKey(keys: ReadonlySet<string>, key: string): boolean {
  const lower = key.toLowerCase();
  return keys.has(lower) || keys.has(lower.replace(pairKeyPrefix, ''));
}

function isPairNameKey(key: string): boolean {
  return isPairKey(pairNameKeys, key);
}

function isPairValueKey(key: string): boolean {
  return isPairKey(pairValueKeys, key);
}

const maxPairDepth = 64;
/**
 * A pair's name member as JSON text has it, or the first string of an array (a `["cvv","123"]` pair); an
 * escaped one is read by parsing.
 */
const pairNameInJson = new RegExp(
  `(?:"(?:(?:${pairKeyPrefixes.join('|')})[_-]?)?(?:${[...pairNameKeys].join('|')})"\\s*:\\s*|\\[\\s*)"([^"\\\\]{1,64})"`,
  'gi',
);

/** Whether the JSON document `text` may hold SAD in name/value pairs: it names SAD in a pair's name member. */
export function mayHoldNamedPair(text: string): boolean {
  if (text.includes('\\')) return true;
  pairNameInJson.lastIndex = 0;
  for (let match = pairNameInJson.exec(text); match; match = pairNameInJson.exec(text)) {
    if (sadKindOfField(match[1]!)) return true;
  }
  return false;
}

/**
 * SAD in name/value pairs, as some payment APIs carry extra data (`[{"name":"cvv","value":"123"}]`) and form
 * builders their fields (`{"fieldName":"cvv","fieldValue":"123"}`): an object whose name-like member names SAD
 * and whose value-like member holds it, or an array of two, a name and a value (`[["cvv","123"]]`, as
 * `Object.entries` and `URLSearchParams` list them). Returns where that object or array is.
 */
export function sadInNamedPairs(value: unknown, path: string[] = []): { kind: SadKind; path: string[] } | undefined {
  if (path.length > maxPairDepth || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    if (value.length === 2 && typeof value[0] === 'string' && isHeldValue(value[1])) {
      const kind = sadKindOfField(value[0]);
      if (kind && isSadValue(kind, String(value[1]))) return { kind, path };
    }
    for (const item of value) {
      const found = sadInNamedPairs(item, path);
      if (found) return found;
    }
    return undefined;
  }
  const members = Object.entries(value);
  let kind: SadKind | undefined;
  let held: string | undefined;
  for (const [key, member] of members) {
    if (isPairNameKey(key) && typeof member === 'string') kind ??= sadKindOfField(member);
    else if (isPairValueKey(key) && isHeldValue(member)) held ??= String(member);
  }
  if (kind && held !== undefined && isSadValue(kind, held)) return { kind, path };
  for (const [key, member] of members) {
    const found = sadInNamedPairs(member, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

function isHeldValue(member: unknown): member is string | number {
  return typeof member === 'string' || typeof member === 'number';
}

/**
 * Whether a value in a field of `kind` is such data: a 3–4 digit code, a PIN or PIN block of digits or hex
 * (either possibly spaced), any track data at all. Empty and masked values ("", "***") are what a producer
 * should send and pass; so do words ("M", "pass", "unavailable"), as gateways answer in fields named cvc.
 */
export function isSadValue(kind: SadKind, written: string): boolean {
  const value = asciiForms(written);
  if (kind === 'card verification code') return verificationCode.test(value);
  if (kind === 'PIN or PIN block') return pinValue.test(value);
  if (kind === 'PIN code') return pinValue.test(value) && !postalPinCode.test(value);
  return value.trim() !== '' && !/^[*xX#\s]+$/.test(value);
}

// Track 1: %B, PAN, ^, name, ^, YYMM and service code. Track 2: ;PAN=YYMM and service code (or the EMV
// tag 57 form with D as separator).
const track1 = /%?B(\d{13,19})\^[^^\n]{2,26}\^\d{7}/g;
const track2 = /;?(\d{13,19})[=D]\d{7}/g;

/**
 * An XML element holding a value: `<name …>value</name>` (the name possibly with a namespace prefix), the
 * value possibly in a CDATA section (`<cvv><![CDATA[123]]></cvv>`), as SOAP gateways write it.
 */
const xmlValue =
  /<([A-Za-z][A-Za-z0-9_.:-]{0,63})(?:\s[^<>]*)?>\s*(?:<!\[CDATA\[\s*)?([0-9A-Fa-f]{3,32})\s*(?:\]\]>\s*)?<\//g;

/** A name character of text: form fields name nested ones with brackets (`card[cvc]=123`). */
function isNameChar(code: number): boolean {
  return isNameCharCode(code) || code === 91 || code === 93;
}

function isLetter(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
}

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
}

function isBlankOrQuote(code: number): boolean {
  return code === 32 || code === 9 || code === 34 || code === 39;
}

/**
 * The named values in text: `name=value` or `name: value` (form bodies, logs, YAML; the name possibly a dotted
 * path or a form's `card[cvc]`) found from each `:` or `=`, then XML elements. Walks out from the separators rather than matching a
 * name at every position: a pattern would try every shorter name inside a long run of letters.
 */
function namedValuesIn(text: string): Array<{ name: string; value: string }> {
  const found: Array<{ name: string; value: string }> = [];
  for (const at of separatorsIn(text)) {
    let nameEnd = at;
    while (nameEnd > 0 && isBlankOrQuote(text.charCodeAt(nameEnd - 1)) && at - nameEnd < 4) nameEnd--;
    let nameStart = nameEnd;
    while (nameStart > 0 && isNameChar(text.charCodeAt(nameStart - 1)) && nameEnd - nameStart <= maxNameLength)
      nameStart--;
    if (nameEnd - nameStart < 2 || nameEnd - nameStart > maxNameLength || !isLetter(text.charCodeAt(nameStart)))
      continue;
    if (nameStart > 0 && isNameChar(text.charCodeAt(nameStart - 1))) continue;
    let valueStart = at + 1;
    while (valueStart < text.length && isBlankOrQuote(text.charCodeAt(valueStart)) && valueStart - at < 4) valueStart++;
    let valueEnd = valueStart;
    while (valueEnd < text.length && isHex(text.charCodeAt(valueEnd)) && valueEnd - valueStart < 33) valueEnd++;
    const length = valueEnd - valueStart;
    if (length < 3 || length > 32) continue;
    const next = text.charCodeAt(valueEnd);
    if (isLetter(next) || (next >= 48 && next <= 57)) continue;
    found.push({ name: text.slice(nameStart, nameEnd), value: text.slice(valueStart, valueEnd) });
  }
  if (text.includes('</')) {
    xmlValue.lastIndex = 0;
    for (let match = xmlValue.exec(text); match; match = xmlValue.exec(text)) {
      found.push({ name: withoutPrefix(match[1]!), value: match[2]! });
    }
  }
  return found;
}

/** Where `text` has a `:` or `=`, in order: each found by `indexOf` from the last of its kind (linear). */
function separatorsIn(text: string): number[] {
  const found: number[] = [];
  let colon = text.indexOf(':');
  let equals = text.indexOf('=');
  while (colon !== -1 || equals !== -1) {
    if (equals === -1 || (colon !== -1 && colon < equals)) {
      found.push(colon);
      colon = text.indexOf(':', colon + 1);
    } else {
      found.push(equals);
      equals = text.indexOf('=', equals + 1);
    }
  }
  return found;
}

/** The kind of SAD a named value in `text` holds, its name judged as a JSON field's name is. */
function namedSadInText(text: string): SadKind | undefined {
  for (const { name, value } of namedValuesIn(text)) {
    const parts = name.split(/[.[\]]+/).filter(Boolean);
    const kind = sadKindOfField(name) ?? sadKindOfField(parts[parts.length - 1] ?? '', parts[parts.length - 2]);
    if (kind && isSadValue(kind, value)) return kind;
  }
  return undefined;
}

const sadStems = new RegExp(mayNameSad.source, 'gi');

/**
 * Whether `text[start, end]` holds a SAD stem, for ranges asked in ascending order: the next stem is searched
 * for only once the ranges have passed it, so each part of the text is searched once.
 */
function stemsIn(text: string): (start: number, end: number) => boolean {
  let next = -1;
  return (start, end) => {
    if (next < start) {
      sadStems.lastIndex = start;
      next = sadStems.exec(text)?.index ?? Number.POSITIVE_INFINITY;
    }
    return next <= end;
  };
}

/**
 * SAD in markup attributes: an attribute named like SAD (`<card cvv="12 3">`), or a value-like attribute of an
 * element named like SAD (`<cvv value="123"/>`) or of one whose name-like attribute names it, as HTML forms and
 * name/value XML do (`<input name="cvv" value="123">`, `<field key="pinBlock" value="…"/>`).
 */
function sadInTags(text: string): SadKind | undefined {
  // Only tags with a SAD stem in them can name SAD: the others are not parsed.
  for (const tag of tagsWithAttributes(text, stemsIn(text))) {
    let named: SadKind | undefined;
    let hasValue = false;
    for (const { name, value } of tag.attributes) {
      if (isPairValueKey(name)) hasValue = true;
      else if (isPairNameKey(name)) named ??= sadKindOfField(value);
      else {
        const kind = sadKindOfField(name);
        if (kind && isSadValue(kind, value)) return kind;
      }
    }
    if (!hasValue) continue;
    named ??= sadKindOfField(tag.name);
    if (!named) continue;
    for (const { name, value } of tag.attributes) {
      if (isPairValueKey(name) && isSadValue(named, value)) return named;
    }
  }
  return undefined;
}

function hasTrack(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const pan = match[1]!;
    if (passesLuhn(pan) && brandOf(pan) !== undefined) return true;
  }
  return false;
}

/**
 * An escaped separator of SAD's names and values (`:`, `;`, `=`, `[`, `]`, `^`): a form- or URL-encoded text
 * whose SAD shows only once it is decoded ("cvv%3D123", "card%5Bcvc%5D=123", "%3B4111…%3D2912…"). Texts with
 * other escapes only (`%20`, `%2F` in a URL) are not decoded: nothing would join a name to a value there.
 */
const percentEscape = /%(?:3[ABDabd]|5[BDEbde])/g;

/**
 * `text` with its percent-escapes decoded byte by byte and `+` as a space: SAD is ASCII, the rest may garble.
 * `unescape` decodes so, never throws on a malformed text (`decodeURIComponent` does), and is native: a
 * replace with a function per escape took 10 ms on 100 KB of escapes.
 */
function percentDecoded(text: string): string {
  return unescape(text).replaceAll('+', ' ');
}

/**
 * SAD in the fields (the parts between `&`s) of `text` that hold an escaped separator, read decoded: SAD lies
 * within one field, so a form with a few escaped fields is not decoded and searched whole. Adjacent such
 * fields are read together, and each part of the text is searched once.
 */
function sadInPercentDecoded(text: string): SadKind | undefined {
  let runStart = -1;
  let runEnd = -1;
  percentEscape.lastIndex = 0;
  for (let found = percentEscape.exec(text); found; found = percentEscape.exec(text)) {
    const start = text.lastIndexOf('&', found.index) + 1;
    const ampersand = text.indexOf('&', found.index);
    const end = ampersand === -1 ? text.length : ampersand;
    if (runStart === -1 || start !== runEnd + 1) {
      const kind = runStart === -1 ? undefined : sadKindAsWritten(percentDecoded(text.slice(runStart, runEnd)));
      if (kind) return kind;
      runStart = start;
    }
    runEnd = end;
    percentEscape.lastIndex = end;
  }
  return runStart === -1 ? undefined : sadKindAsWritten(percentDecoded(text.slice(runStart, runEnd)));
}

/**
 * Whether `text` has a phrase or a pattern of SAD in it: "CVV: 123", track data, "PIN block 0412…", or a
 * SAD field's name with its value ("card_security_code=123", "encryptedPinBlock: 0412…"); as written, with
 * full-width forms and other digits folded, percent-decoded (once: "%253D" stays "%3D"), and with `\uXXXX`
 * escapes decoded (once).
 */
export function sadKindInText(written: string): SadKind | undefined {
  const kind = sadKindInForms(written);
  if (kind || !written.includes('\\u')) return kind;
  // `\u0031\u0032\u0033` in text that is no JSON document, or in JSON encoded twice (unicode-escapes.ts).
  const escapes = decodeUnicodeEscapes(written);
  return escapes ? sadKindInForms(escapes.decoded) : undefined;
}

function sadKindInForms(written: string): SadKind | undefined {
  const text = asciiForms(written);
  return sadKindAsWritten(text) ?? (text.includes('%') ? sadInPercentDecoded(text) : undefined);
}

function sadKindAsWritten(text: string): SadKind | undefined {
  if (hasTrack(track1, text) || hasTrack(track2, text)) return 'magnetic-stripe track data';
  if (verificationCodePhrase.test(text)) return 'card verification code';
  if (pinPhrase.test(text)) return 'PIN or PIN block';
  const hasTags = text.includes('<');
  const hasLines = text.includes('\n');
  // Markup and tables are read only where a SAD name could stand: one test of the text for both.
  const mayNameIt = (hasTags || hasLines) && mayNameSad.test(text);
  const named = namedSadInText(text) ?? (hasTags && mayNameIt ? sadInTags(text) : undefined);
  if (named) return named;
  return hasLines && mayNameIt ? sadInDelimitedRows(text) : undefined;
}

/** Cell delimiters of CSV and its kin: European CSV uses `;`, exports use tabs, Markdown tables `|`. */
const cellDelimiters = [',', ';', '\t', '|'];
/** Lines with a SAD stem and a delimiter judged as headers, at most: a table's header is near its top. */
const maxHeaderCandidates = 64;

/** A cell as written, trimmed and unquoted (quoted delimiters are not honoured: a miss at worst, no false find). */
function cellText(cell: string): string {
  const trimmed = cell.trim();
  const first = trimmed.charCodeAt(0);
  return trimmed.length >= 2 && (first === 34 || first === 39) && trimmed.charCodeAt(trimmed.length - 1) === first
    ? trimmed.slice(1, -1)
    : trimmed;
}

/**
 * The SAD in the cells of the row `text[start, end)` at the table's SAD columns (in ascending order), found in
 * one pass along the row.
 */
function sadInRow(
  text: string,
  start: number,
  end: number,
  delimiter: string,
  columns: ReadonlyArray<{ index: number; kind: SadKind }>,
): SadKind | undefined {
  let cellStart = start;
  let next = 0;
  for (let index = 0; next < columns.length; index++) {
    const at = text.indexOf(delimiter, cellStart);
    const cellEnd = at === -1 || at > end ? end : at;
    const column = columns[next]!;
    if (index === column.index) {
      next++;
      if (cellEnd - cellStart <= 80 && isSadValue(column.kind, cellText(text.slice(cellStart, cellEnd)))) {
        return column.kind;
      }
    }
    if (cellEnd === end) break;
    cellStart = cellEnd + 1;
  }
  return undefined;
}

/**
 * SAD in a table written as text (a CSV export, a pasted spreadsheet): a header line with a column named like
 * SAD (`name,cvv`) and, in the rows under it, such data in that column (`Ana,123`). A table ends at a line
 * without its delimiter. Each line is read once, as a header or as a row, and only lines with a SAD stem are
 * judged as headers: a row costs a search for its few cells.
 */
function sadInDelimitedRows(text: string): SadKind | undefined {
  const hasStem = stemsIn(text);
  let candidates = 0;
  for (let start = 0; start < text.length && candidates < maxHeaderCandidates; ) {
    const newline = text.indexOf('\n', start);
    if (newline === -1) break;
    const header = hasStem(start, newline) ? text.slice(start, newline) : '';
    start = newline + 1;
    for (const delimiter of cellDelimiters) {
      if (!header.includes(delimiter)) continue;
      candidates++;
      const columns: Array<{ index: number; kind: SadKind }> = [];
      header.split(delimiter).forEach((cell, index) => {
        const name = cellText(cell);
        const kind = name.length <= maxNameLength ? sadKindOfField(name) : undefined;
        if (kind) columns.push({ index, kind });
      });
      if (columns.length === 0) continue;
      while (start < text.length) {
        const end = text.indexOf('\n', start);
        const rowEnd = end === -1 ? text.length : end;
        const at = text.indexOf(delimiter, start);
        if (at === -1 || at >= rowEnd) break;
        const kind = sadInRow(text, start, rowEnd, delimiter, columns);
        if (kind) return kind;
        start = rowEnd + 1;
      }
      break;
    }
  }
  return undefined;
}
