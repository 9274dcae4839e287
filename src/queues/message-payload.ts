import type { KeySession, SealingKey } from '../keys/index.ts';
import type { MessageAttributes, MessageAttributeValue } from './message-attributes.ts';

/** Everything about a message that may carry customer data; stored only sealed. */
export interface MessageContent {
  body: string;
  attributes: MessageAttributes;
  systemAttributes: MessageAttributes;
  groupId?: string;
  deduplicationId?: string;
  senderId: string;
  deadLetterSourceArn?: string;
  /** Tokens the guard put in place of card numbers, for receives that ask to reveal them. */
  tokens?: string[];
  /**
   * MD5 of `body` as stored, taken once at send so that receives answer MD5OfBody without hashing the body
   * again. Absent from payloads sealed before it was kept; whoever changes `body` drops it.
   */
  bodyMd5?: string;
}

interface EncodedValue {
  t: string;
  s?: string;
  b?: string;
}

function encodeAttributes(attributes: MessageAttributes): Record<string, EncodedValue> {
  const out: Record<string, EncodedValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    out[name] =
      value.binaryValue !== undefined
        ? { t: value.dataType, b: Buffer.from(value.binaryValue).toString('base64') }
        : { t: value.dataType, s: value.stringValue ?? '' };
  }
  return out;
}

function decodeAttributes(encoded: Record<string, EncodedValue> | undefined): MessageAttributes {
  const out: MessageAttributes = {};
  for (const [name, value] of Object.entries(encoded ?? {})) {
    const decoded: MessageAttributeValue = { dataType: value.t };
    if (value.b !== undefined) decoded.binaryValue = Buffer.from(value.b, 'base64');
    else decoded.stringValue = value.s ?? '';
    out[name] = decoded;
  }
  return out;
}

/**
 * Message payloads are sealed under the queue's KMS key with a data key per queue (the scope is the queue
 * ARN) and additional authenticated data naming the queue and the message id, so a ciphertext moved to
 * another message or queue does not open.
 */
export function sealMessage(key: SealingKey, messageId: string, content: MessageContent): Buffer {
  return key.seal(Buffer.from(messagePlaintext(content), 'utf8'), messageId);
}

/** What `sealMessage` seals, for sealing many ahead of their unit of work (`SealingKey.sealMany`). */
export function messagePlaintext(content: MessageContent): string {
  return JSON.stringify({
    b: content.body,
    a: encodeAttributes(content.attributes),
    y: encodeAttributes(content.systemAttributes),
    g: content.groupId,
    d: content.deduplicationId,
    u: content.senderId,
    q: content.deadLetterSourceArn,
    k: content.tokens,
    m: content.bodyMd5,
  });
}

export function openMessage(
  session: KeySession,
  queueArn: string,
  messageId: string,
  sealed: Uint8Array,
): MessageContent {
  const plain = JSON.parse(session.open(sealed, queueArn, messageId).toString('utf8')) as {
    b: string;
    a?: Record<string, EncodedValue>;
    y?: Record<string, EncodedValue>;
    g?: string;
    d?: string;
    u: string;
    q?: string;
    k?: string[];
    m?: string;
  };
  const content: MessageContent = {
    body: plain.b,
    attributes: decodeAttributes(plain.a),
    systemAttributes: decodeAttributes(plain.y),
    senderId: plain.u,
  };
  if (plain.g !== undefined) content.groupId = plain.g;
  if (plain.d !== undefined) content.deduplicationId = plain.d;
  if (plain.q !== undefined) content.deadLetterSourceArn = plain.q;
  if (plain.k !== undefined) content.tokens = plain.k;
  if (plain.m !== undefined) content.bodyMd5 = plain.m;
  return content;
}
