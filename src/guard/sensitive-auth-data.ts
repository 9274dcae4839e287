import { brandOf, passesLuhn } from '../vault/index.ts';

/**
 * Sensitive authentication data (PCI DSS 3.3.1): full track data (3.3.1.1), card verification codes
 * (3.3.1.2) and PINs or PIN blocks (3.3.1.3). It may never be stored after authorization, not even
 * encrypted, so the guard refuses any message that carries it, whatever the queue's policy.
 */
export type SadKind = 'card verification code' | 'magnetic-stripe track data' | 'PIN or PIN block';

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
])
  fieldKinds.set(name, 'card verification code');
for (const name of ['track1', 'track2', 'trackdata', 'track1data', 'track2data', 'magstripe', 'magneticstripe'])
  fieldKinds.set(name, 'magnetic-stripe track data');
for (const name of ['pin', 'pinblock', 'encryptedpinblock', 'epb', 'pindata', 'pincode'])
  fieldKinds.set(name, 'PIN or PIN block');

/**
 * What every SAD field name above (or its parent part, as in `{"security":{"code":…}}`) and every SAD phrase
 * below holds one of: the guard's quick pre-check looks for these before anything else, so a name added
 * above must hold one too. Compared as names are, in any case and with separators between the letters.
 */
const sadStems = [
  'cvv',
  'cvc',
  'cvn',
  'cvd',
  'cav',
  'cid',
  'csc',
  'card',
  'secur',
  'verif',
  'track',
  'mag',
  'pin',
  'epb',
];

/** Whether `text` could name SAD anywhere (a field name, a phrase): false means it surely does not. */
export const mayNameSad = new RegExp(sadStems.map((stem) => [...stem].join('[\\s_.-]*')).join('|'), 'i');

function normalizedName(name: string): string {
  return name.toLowerCase().replace(/[\s_.-]/g, '');
}

/**
 * Words that name SAD wherever they stand in a longer name ("card_cvv", "cvvNumber", "encryptedPINBlock"),
 * alone or with the next word. Names that are ambiguous inside longer ones (cid, csc, card code) count only
 * as whole names, above.
 */
const wordKinds = new Map<string, SadKind>();
for (const word of ['cvv', 'cvv2', 'cvc', 'cvc2', 'cvn', 'cvd', 'cav2', 'securitycode', 'verificationcode'])
  wordKinds.set(word, 'card verification code');
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

function kindOfWords(name: string): SadKind | undefined {
  const words = wordsOf(name);
  for (let i = 0; i < words.length; i++) {
    const kind =
      wordKinds.get(words[i]!) ?? (i + 1 < words.length ? wordKinds.get(words[i]! + words[i + 1]!) : undefined);
    if (kind) return kind;
  }
  return undefined;
}

/** The kind of SAD a field of this name holds, judging by the name alone (the last one or two path parts). */
export function sadKindOfField(name: string, parent?: string): SadKind | undefined {
  const own = fieldKinds.get(normalizedName(name)) ?? kindOfWords(name);
  if (own) return own;
  // { "security": { "code": "123" } }
  return parent === undefined ? undefined : fieldKinds.get(normalizedName(parent + name));
}

const verificationCode = /^\s*\d{3,4}\s*$/;
const pinValue = /^\s*[0-9A-Fa-f]{4,32}\s*$/;

/**
 * Whether a value in a field of `kind` is such data: a 3–4 digit code, a PIN or PIN block of digits or hex,
 * any track data at all. Empty and masked values ("", "***") are what a producer should send and pass.
 */
export function isSadValue(kind: SadKind, value: string): boolean {
  if (kind === 'card verification code') return verificationCode.test(value);
  if (kind === 'PIN or PIN block') return pinValue.test(value);
  return value.trim() !== '' && !/^[*xX#\s]+$/.test(value);
}

// Track 1: %B, PAN, ^, name, ^, YYMM and service code. Track 2: ;PAN=YYMM and service code (or the EMV
// tag 57 form with D as separator).
const track1 = /%?B(\d{13,19})\^[^^\n]{2,26}\^\d{7}/g;
const track2 = /;?(\d{13,19})[=D]\d{7}/g;
const verificationInText =
  /(?<![A-Za-z0-9])(?:cvv2?|cvc2?|cvn|cvd|cav2|cid|csc|card\s*verification(?:\s*(?:code|value|number))?|security\s*code|card\s*code)(?![A-Za-z])[\s:=#"'-]{0,4}\d{3,4}(?!\d)/i;
const pinInText = /(?<![A-Za-z0-9])pin(?:\s*block)?(?![A-Za-z])[\s:=#"'-]{1,4}[0-9A-Fa-f]{4,16}(?![0-9A-Fa-f])/i;

/**
 * A named value in text: `name=value` or `name: value` (form bodies, logs, YAML; the name possibly a dotted
 * path), or an XML element `<name …>value</name>`.
 */
const namedValueInText =
  /([A-Za-z][A-Za-z0-9_.-]{1,63})["']?[ \t]*[:=][ \t]*["']?([0-9A-Fa-f]{3,32})(?![0-9A-Za-z])|<([A-Za-z][A-Za-z0-9_.:-]{0,63})(?:\s[^<>]*)?>\s*([0-9A-Fa-f]{3,32})\s*<\//g;

/** The kind of SAD a named value in `text` holds, its name judged as a JSON field's name is. */
function namedSadInText(text: string): SadKind | undefined {
  namedValueInText.lastIndex = 0;
  for (let match = namedValueInText.exec(text); match; match = namedValueInText.exec(text)) {
    const name = match[1] ?? match[3]!.replace(/^.*:/, '');
    const value = match[2] ?? match[4]!;
    const parts = name.split('.');
    const kind = sadKindOfField(name) ?? sadKindOfField(parts[parts.length - 1]!, parts[parts.length - 2]);
    if (kind && isSadValue(kind, value)) return kind;
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
 * Whether `text` has a phrase or a pattern of SAD in it: "CVV: 123", track data, "PIN block 0412…", or a
 * SAD field's name with its value ("card_security_code=123", "encryptedPinBlock: 0412…").
 */
export function sadKindInText(text: string): SadKind | undefined {
  if (hasTrack(track1, text) || hasTrack(track2, text)) return 'magnetic-stripe track data';
  if (verificationInText.test(text)) return 'card verification code';
  if (pinInText.test(text)) return 'PIN or PIN block';
  return namedSadInText(text);
}
