import type { AllowedFields } from './allowed-fields.ts';
import { base64TextBlobs, hasBase64Run, wholeBase64Text } from './base64-text.ts';
import { hasCodeAboveLatin, hasOtherDigitsOrLetters } from './digit-forms.ts';
import { walkJson } from './json-walk.ts';
import { findPans, type PanMatch } from './pan-scanner.ts';
import { type Place, panRejected, sadRefused } from './refusals.ts';
import {
  isSadValue,
  mayHoldNamedPair,
  mayNameSad,
  sadInNamedPairs,
  sadKindInText,
  sadKindOfField,
} from './sensitive-auth-data.ts';
import type { TextEdit } from './text-edits.ts';
import { decodeUnicodeEscapes } from './unicode-escapes.ts';

export interface InspectionRules {
  /** Card numbers are refused (policy `reject`) rather than collected for replacement. */
  rejectsPans: boolean;
  allowed: AllowedFields;
  /** The whole text is allow-listed (a message attribute named in PciqAllowedFields): SAD is still refused. */
  skipsPans?: boolean;
}

/** Base64 inside base64 is looked into once more, no deeper. */
const maxBase64Depth = 2;

/**
 * Could `text` hold card data at all? A run of 13 digits (PANs and track data have one), grouped with any
 * separator `pan-scanner.ts` reads between its groups (a text this test passes over is never scanned; JSON
 * writes a tab as `\t`, and some encoders a slash as `\/`), a long
 * base64-looking run, anything that could name SAD (cvv, pin, cardSecurityCode…), a JSON escape, or digits
 * and letters the patterns do not read as written (full-width, other scripts' digits).
 */
const thirteenDigits =
  /\d(?:(?:[ \-.+\u00a0\u2009\u202f\u2010-\u2014\u3000\uff0d]{1,3}|[\t/_]|\\[t/]|%2[0Dd]|&nbsp;|&#160;)?\d){12}/;

export function isWorthInspecting(text: string): boolean {
  // A JSON escape (\u0034…) can hide any digit or separator from the patterns: such texts are read decoded.
  return (
    thirteenDigits.test(text) ||
    hasBase64Run(text) ||
    mayNameSad.test(text) ||
    text.includes('\\u') ||
    hasOtherDigitsOrLetters(text)
  );
}

const threeDigits = /\d{3}/;
/** Every run `thirteenDigits` matches, in one pass (shared: used synchronously, its position reset each time). */
const thirteenDigitRuns = new RegExp(thirteenDigits.source, 'g');

/**
 * The edits that replace the card numbers in `text` (a JSON document walked field by field, or free text),
 * after refusing it if it holds SAD, or holds a card number under a rejecting policy.
 */
export function inspectText(text: string, place: Place, rules: InspectionRules, depth = 0): TextEdit[] {
  const first = text.trimStart().charCodeAt(0);
  if (first === 123 || first === 91) {
    const edits = inspectJson(text, place, rules, depth);
    if (edits) return edits;
  }
  return inspectFreeText(text, place, rules, depth);
}

function inspectFreeText(text: string, place: Place, rules: InspectionRules, depth: number): TextEdit[] {
  const sad = sadKindInText(text);
  if (sad) throw sadRefused(sad, place);
  const edits: TextEdit[] = [];
  if (rules.skipsPans) return edits;
  for (const pan of findPansDecodingEscapes(text, 0, text.length, text.includes('\\u'))) {
    if (rules.rejectsPans) throw panRejected(place);
    edits.push({
      start: pan.start,
      end: pan.end,
      replacement: { kind: 'pan', digits: pan.digits, isJsonNumber: false },
    });
  }
  if (depth < maxBase64Depth) {
    for (const blob of base64TextBlobs(text)) {
      if (edits.some((edit) => edit.start < blob.end && blob.start < edit.end)) continue;
      const inner = inspectText(blob.decoded, base64Place(place), rules, depth + 1);
      if (inner.length > 0)
        edits.push({ start: blob.start, end: blob.end, replacement: { ...blob, kind: 'base64', edits: inner } });
    }
    edits.sort((a, b) => a.start - b.start);
  }
  return edits;
}

/**
 * The card numbers in `text[start, end)`, read with its `\uXXXX` escapes decoded when it may have some (see
 * `unicode-escapes.ts`): each found where it was written, escapes and all, so that its replacement stands there.
 */
function findPansDecodingEscapes(text: string, start: number, end: number, mayHoldEscapes: boolean): PanMatch[] {
  const escapes = mayHoldEscapes ? decodeUnicodeEscapes(text, start, end) : undefined;
  if (!escapes) return findPans(text, start, end);
  const { sourceOffsets } = escapes;
  return findPans(escapes.decoded).map((pan) => ({
    ...pan,
    start: sourceOffsets[pan.start]!,
    end: sourceOffsets[pan.end]!,
  }));
}

function base64Place(place: Place): Place {
  const container = place.path.length === 0 ? `${place.container} (base64)` : place.container;
  const path =
    place.path.length === 0 ? [] : [...place.path.slice(0, -1), `${place.path[place.path.length - 1]} (base64)`];
  return { container, path };
}

/** Undefined when `text` is not JSON after all. */
function inspectJson(text: string, place: Place, rules: InspectionRules, depth: number): TextEdit[] | undefined {
  const edits: TextEdit[] = [];
  // Asked once of the document: a string can hold other digits or full-width letters only if it does.
  const mayHoldOtherForms = hasOtherDigitsOrLetters(text);
  const digitRuns = hasCodeAboveLatin(text) ? undefined : new DigitRuns(text);
  const isJson = walkJson(text, (scalar, path) => {
    // Places are built only for a refusal or a blob: the walk's path is live, so they copy it then.
    const here = (): Place => ({ container: place.container, path: [...place.path, ...path] });
    const name = path[path.length - 1];
    if (scalar.kind === 'number') {
      const literal = text.slice(scalar.start, scalar.end);
      const sad = name === undefined ? undefined : sadKindOfField(name, path[path.length - 2]);
      if (sad && isSadValue(sad, literal)) throw sadRefused(sad, here());
      // Most numbers are short: the cheap length test of `wholeNumberDigits` goes before the allow-list's.
      const digits = wholeNumberDigits(literal);
      if (digits === undefined || rules.skipsPans || rules.allowed.allows(path)) return;
      for (const pan of findPans(digits)) {
        if (pan.start !== 0 || pan.end !== digits.length) continue;
        if (rules.rejectsPans) throw panRejected(here());
        edits.push({
          start: scalar.start,
          end: scalar.end,
          replacement: { kind: 'pan', digits: pan.digits, isJsonNumber: true },
        });
      }
      return;
    }
    if (scalar.kind === 'string' && name !== undefined) {
      const sad = sadKindOfField(name, path[path.length - 2]);
      if (sad && isSadValue(sad, decodedContent(text, scalar.start, scalar.end, scalar.hasEscapes))) {
        throw sadRefused(sad, here());
      }
    }
    if (scalar.end - scalar.start < 5) return;
    // A key is scanned as text in its object's place (the walk's path does not include it yet).
    const isAllowed = rules.skipsPans === true || (scalar.kind === 'string' && rules.allowed.allows(path));
    if (!scalar.hasEscapes) {
      const start = scalar.start + 1;
      const mayHoldPan = digitRuns?.meets(start, scalar.end - 1) ?? true;
      const forms = { mayHoldOtherForms, mayHoldPan, mayHoldEscapes: false };
      edits.push(...inspectString(text, start, scalar.end - 1, forms, here, rules, isAllowed, depth));
      return;
    }
    const decoded = decodedContent(text, scalar.start, scalar.end, true);
    const hasOtherForms = hasOtherDigitsOrLetters(decoded);
    // JSON text inside the string (a payload encoded twice) has its own escapes, still escaped.
    const forms = { mayHoldOtherForms: hasOtherForms, mayHoldPan: true, mayHoldEscapes: decoded.includes('\\u') };
    const inner = inspectString(decoded, 0, decoded.length, forms, here, rules, isAllowed, depth);
    if (inner.length > 0)
      edits.push({ start: scalar.start, end: scalar.end, replacement: { kind: 'json-string', decoded, edits: inner } });
  });
  if (!isJson) return undefined;
  // Only documents whose pairs name SAD pay for parsing them whole.
  if (mayHoldNamedPair(text)) {
    const pair = sadInNamedPairs(JSON.parse(text));
    if (pair) throw sadRefused(pair.kind, { container: place.container, path: [...place.path, ...pair.path] });
  }
  return edits;
}

const jsonNumber = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * The digits of the whole number a JSON number literal stands for, when it has 13 to 19 of them: a card
 * number is read back from `4111111111111111.0` or `4.111111111111111e15` (what a float column or a double
 * serializes) as from `4111111111111111`, so those forms are card numbers too. Undefined otherwise.
 */
function wholeNumberDigits(literal: string): string | undefined {
  if (literal.length < 13 && !/[eE]/.test(literal)) return undefined;
  const parts = jsonNumber.exec(literal);
  if (!parts) return undefined;
  const significant = parts[1]! + (parts[2] ?? '');
  const point = parts[1]!.length + Number(parts[3] ?? 0);
  if (point < 13 || point > significant.length + 19) return undefined;
  if (!/^0*$/.test(significant.slice(point))) return undefined;
  const digits = (significant.slice(0, point) + '0'.repeat(Math.max(0, point - significant.length))).replace(/^0+/, '');
  return digits.length >= 13 && digits.length <= 19 ? digits : undefined;
}

function decodedContent(text: string, start: number, end: number, hasEscapes: boolean): string {
  return hasEscapes ? (JSON.parse(text.slice(start, end)) as string) : text.slice(start + 1, end - 1);
}

/**
 * The runs of 13 digits in a document of Latin-1 text (`thirteenDigits` matches, found in one
 * pass): a string of it can hold a card number only where such a run meets it, since every card number holds
 * a run and the runs found do not skip one (each match starts at the earliest place one can).
 */
class DigitRuns {
  private readonly runs: number[] = [];

  constructor(text: string) {
    thirteenDigitRuns.lastIndex = 0;
    for (let match = thirteenDigitRuns.exec(text); match; match = thirteenDigitRuns.exec(text)) {
      this.runs.push(match.index, thirteenDigitRuns.lastIndex);
    }
  }

  /** Whether a run overlaps `[start, end)`. */
  meets(start: number, end: number): boolean {
    for (let i = 0; i < this.runs.length; i += 2) if (this.runs[i]! < end && start < this.runs[i + 1]!) return true;
    return false;
  }
}

/**
 * What is known of a JSON string before it is read: whether its document has other digits or full-width
 * letters (asked once, not for each string), whether a run of digits long enough for a card number meets it,
 * and whether it may hold `\uXXXX` as text (only a string written with escapes can: its backslashes were escaped).
 */
interface StringForms {
  mayHoldOtherForms: boolean;
  mayHoldPan: boolean;
  mayHoldEscapes: boolean;
}

/** One JSON string's content `text[start, end)`: SAD phrases, card numbers, base64 of text. */
function inspectString(
  text: string,
  start: number,
  end: number,
  { mayHoldOtherForms, mayHoldPan, mayHoldEscapes }: StringForms,
  placeOf: () => Place,
  rules: InspectionRules,
  isAllowed: boolean,
  depth: number,
): TextEdit[] {
  const content = start === 0 && end === text.length ? text : text.slice(start, end);
  if (threeDigits.test(content) || mayHoldEscapes || (mayHoldOtherForms && hasOtherDigitsOrLetters(content))) {
    const sad = sadKindInText(content);
    if (sad) throw sadRefused(sad, placeOf());
  }
  if (isAllowed) return [];
  const edits: TextEdit[] = [];
  if (mayHoldPan && end - start >= 13) {
    for (const pan of findPansDecodingEscapes(text, start, end, mayHoldEscapes)) {
      if (rules.rejectsPans) throw panRejected(placeOf());
      edits.push({
        start: pan.start,
        end: pan.end,
        replacement: { kind: 'pan', digits: pan.digits, isJsonNumber: false },
      });
    }
  }
  if (edits.length === 0 && depth < maxBase64Depth) {
    const blob = wholeBase64Text(text, start, end);
    if (blob) {
      const inner = inspectText(blob.decoded, base64Place(placeOf()), rules, depth + 1);
      if (inner.length > 0) edits.push({ start, end, replacement: { ...blob, kind: 'base64', edits: inner } });
    }
  }
  return edits;
}
