import type { GuardedMessage, MessageAttributes, QueueDataPolicy } from '../queues/index.ts';
import { AllowedFields } from './allowed-fields.ts';
import { decodeIfText } from './base64-text.ts';
import { findPans } from './pan-scanner.ts';
import { panInAttributeName, panInIdentifier, sadRefused } from './refusals.ts';
import { isSadValue, sadKindOfField } from './sensitive-auth-data.ts';
import { applyEdits, panDigitsOf, type TextEdit } from './text-edits.ts';
import { type InspectionRules, inspectText, isWorthInspecting } from './text-inspector.ts';

/** The edits to one message attribute's value; binary values are edited as the text they decode to. */
interface AttributeEdits {
  name: string;
  text: string;
  isBinary: boolean;
  edits: TextEdit[];
}

/** Where the card numbers of one message are, once it passed the checks. */
export interface Screening {
  body: string;
  bodyEdits: TextEdit[];
  attributes: MessageAttributes;
  attributeEdits: AttributeEdits[];
  /** Distinct card numbers, in order of appearance. */
  pans: string[];
}

const allowedCache = new Map<string, AllowedFields>();

function allowedFieldsOf(policy: QueueDataPolicy): AllowedFields {
  const key = policy.allowedFields.join(',');
  let allowed = allowedCache.get(key);
  if (!allowed) {
    if (allowedCache.size > 1_000) allowedCache.clear();
    allowed = new AllowedFields(policy.allowedFields);
    allowedCache.set(key, allowed);
  }
  return allowed;
}

/**
 * Screens a message before anything of it is stored: refuses SAD anywhere (body, attributes, identifiers),
 * refuses card numbers in identifiers and, under the `reject` policy, anywhere; otherwise returns where the
 * card numbers are, or undefined when there are none.
 */
export function screenMessage(message: GuardedMessage, policy: QueueDataPolicy): Screening | undefined {
  const rules: InspectionRules = { rejectsPans: policy.action === 'reject', allowed: allowedFieldsOf(policy) };
  screenIdentifiers(message);
  const bodyEdits = isWorthInspecting(message.body)
    ? inspectText(message.body, { container: 'the message body', path: [] }, rules)
    : [];
  const attributeEdits: AttributeEdits[] = [];
  for (const [name, value] of Object.entries(message.attributes)) {
    const container = `message attribute '${name.slice(0, 256)}'`;
    const text =
      value.stringValue ?? (value.binaryValue !== undefined ? decodeIfText(value.binaryValue) : undefined) ?? '';
    const sad = sadKindOfField(name);
    if (sad && isSadValue(sad, text)) throw sadRefused(sad, { container, path: [] });
    if (!isWorthInspecting(text)) continue;
    const attributeRules = rules.allowed.allows([name]) ? { ...rules, skipsPans: true } : rules;
    const edits = inspectText(text, { container, path: [] }, attributeRules);
    if (edits.length > 0) attributeEdits.push({ name, text, isBinary: value.stringValue === undefined, edits });
  }
  if (bodyEdits.length === 0 && attributeEdits.length === 0) return undefined;
  const pans = new Set(panDigitsOf(bodyEdits));
  for (const attribute of attributeEdits) for (const digits of panDigitsOf(attribute.edits)) pans.add(digits);
  return { body: message.body, bodyEdits, attributes: message.attributes, attributeEdits, pans: [...pans] };
}

/**
 * Group and deduplication ids, system attributes and message attribute names are not replaced: a card
 * number in one is refused.
 */
function screenIdentifiers(message: GuardedMessage): void {
  const identifiers: Array<[string, string | undefined]> = [
    ['MessageGroupId', message.groupId],
    ['MessageDeduplicationId', message.deduplicationId],
    ...Object.entries(message.systemAttributes).map(
      ([name, value]) => [`Message system attribute ${name}`, value.stringValue] as [string, string | undefined],
    ),
  ];
  for (const [name, value] of identifiers) {
    if (value !== undefined && value.length >= 13 && findPans(value).length > 0) throw panInIdentifier(name);
  }
  for (const name of Object.keys(message.attributes)) {
    if (name.length >= 13 && findPans(name).length > 0) throw panInAttributeName();
  }
}

/**
 * The message with each card number replaced by `replacementOf(digits)`. A Number attribute whose value is no
 * longer a number becomes a String attribute (its label kept).
 */
export function rewriteMessage(
  screening: Screening,
  replacementOf: (digits: string) => string,
): { body: string; attributes: MessageAttributes } {
  const body =
    screening.bodyEdits.length > 0 ? applyEdits(screening.body, screening.bodyEdits, replacementOf) : screening.body;
  if (screening.attributeEdits.length === 0) return { body, attributes: screening.attributes };
  const attributes: MessageAttributes = { ...screening.attributes };
  for (const { name, text, isBinary, edits } of screening.attributeEdits) {
    const rewritten = applyEdits(text, edits, replacementOf);
    const original = screening.attributes[name]!;
    if (isBinary) attributes[name] = { dataType: original.dataType, binaryValue: Buffer.from(rewritten, 'utf8') };
    else {
      const isStillNumber = !original.dataType.startsWith('Number') || /^[+-]?\d+(\.\d+)?$/.test(rewritten);
      const dataType = isStillNumber ? original.dataType : `String${original.dataType.slice('Number'.length)}`;
      attributes[name] = { dataType, stringValue: rewritten };
    }
  }
  return { body, attributes };
}

/** Bytes of body and attributes, counted as SQS counts them toward the size limit. */
export function messageBytes(message: { body: string; attributes: MessageAttributes }): number {
  let size = Buffer.byteLength(message.body);
  for (const [name, value] of Object.entries(message.attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value.dataType);
    size += value.binaryValue ? value.binaryValue.length : Buffer.byteLength(value.stringValue ?? '');
  }
  return size;
}
