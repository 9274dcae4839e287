import { invalidParameter, PciqError } from '../core/index.ts';
import { limits } from './limits.ts';

export interface MessageAttributeValue {
  dataType: string;
  stringValue?: string;
  binaryValue?: Uint8Array;
}

export type MessageAttributes = Record<string, MessageAttributeValue>;

/** Characters SQS allows in bodies and string attribute values (XML 1.0 characters). */
const invalidCharacter = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const attributeNamePattern = /^[A-Za-z0-9_.-]+$/;
const dataTypePattern = /^(String|Number|Binary)(\.[A-Za-z0-9_.-]+)?$/;
const numberPattern = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function hasOnlyValidCharacters(text: string): boolean {
  return !invalidCharacter.test(text);
}

export function assertValidBody(body: string): void {
  if (body.length === 0) {
    throw invalidParameter(
      'Value for parameter MessageBody is invalid. Reason: the message body must contain at least one character.',
    );
  }
  if (!hasOnlyValidCharacters(body)) {
    throw new PciqError(
      'InvalidMessageContents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    );
  }
}

function assertValidName(name: string, kind: string): void {
  const lower = name.toLowerCase();
  if (
    name.length === 0 ||
    name.length > limits.messageAttributeNameMaxLength ||
    !attributeNamePattern.test(name) ||
    name.startsWith('.') ||
    name.endsWith('.') ||
    name.includes('..') ||
    lower.startsWith('aws.') ||
    lower.startsWith('amazon.')
  ) {
    throw invalidParameter(
      `${kind} name '${name.slice(0, limits.messageAttributeNameMaxLength)}' is invalid. Names are 1 to 256 characters of A-Z, a-z, 0-9, underscore, hyphen and period, do not start or end with a period or hold two in a row, and do not start with AWS. or Amazon.`,
    );
  }
}

function isValidNumber(text: string): boolean {
  if (!numberPattern.test(text)) return false;
  const digits = text
    .replace(/[eE].*$/, '')
    .replace(/[^0-9]/g, '')
    .replace(/^0+/, '');
  if (digits.length > 38) return false;
  const value = Math.abs(Number(text));
  return value === 0 || (value <= 1e126 && value >= 1e-128);
}

/**
 * Validates user (or system) message attributes as SQS does and returns their size in bytes, which counts
 * toward the message size limit (system attributes do not).
 */
export function validateMessageAttributes(
  attributes: MessageAttributes,
  kind: 'Message attribute' | 'Message system attribute',
): number {
  const names = Object.keys(attributes);
  if (names.length > limits.maxMessageAttributes) {
    throw invalidParameter(
      `Number of message attributes [${names.length}] exceeds the allowed maximum [${limits.maxMessageAttributes}].`,
    );
  }
  let size = 0;
  for (const name of names) {
    assertValidName(name, kind);
    const value = attributes[name]!;
    const type = value.dataType;
    if (!type) throw invalidParameter(`${kind} '${name}' must contain a non-empty attribute type.`);
    if (type.length > limits.messageAttributeTypeMaxLength || !dataTypePattern.test(type)) {
      throw invalidParameter(
        `${kind} '${name}' has an invalid type '${type.slice(0, 64)}': use String, Number or Binary, optionally with a .label suffix.`,
      );
    }
    size += Buffer.byteLength(name) + Buffer.byteLength(type);
    if (type.startsWith('Binary')) {
      if (!value.binaryValue || value.binaryValue.length === 0 || value.stringValue !== undefined) {
        throw invalidParameter(`${kind} '${name}' must contain a non-empty value of type 'Binary'.`);
      }
      size += value.binaryValue.length;
      continue;
    }
    const text = value.stringValue;
    if (text === undefined || text.length === 0 || value.binaryValue !== undefined) {
      throw invalidParameter(
        `${kind} '${name}' must contain a non-empty value of type '${type.startsWith('Number') ? 'Number' : 'String'}'.`,
      );
    }
    if (type.startsWith('Number') && !isValidNumber(text)) {
      throw invalidParameter(
        `${kind} '${name}' has an invalid Number value: up to 38 digits, between -10^128 and 10^126.`,
      );
    }
    if (!hasOnlyValidCharacters(text)) {
      throw new PciqError('InvalidMessageContents', `${kind} '${name}' contains characters SQS does not allow.`);
    }
    size += Buffer.byteLength(text);
  }
  return size;
}

/**
 * Which user attributes a receive asks for: `All`, `*` or `.*` for every one, `prefix.*` for every name that
 * starts with `prefix` (SQS matches `Hel.*` to both `Hello` and `Help.Me`: the dot is part of the wildcard,
 * not of the prefix), else exact names.
 */
export function selectMessageAttributes(
  attributes: MessageAttributes,
  requested: readonly string[],
): MessageAttributes {
  if (requested.length === 0) return {};
  if (requested.some((name) => name === 'All' || name === '*' || name === '.*')) return attributes;
  const prefixes = requested.filter((name) => name.endsWith('.*')).map((name) => name.slice(0, -2));
  const exact = new Set(requested);
  const out: MessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (exact.has(name) || prefixes.some((prefix) => name.startsWith(prefix))) out[name] = value;
  }
  return out;
}
