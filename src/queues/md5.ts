import { createHash } from 'node:crypto';
import type { MessageAttributes } from './message-attributes.ts';

export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

function lengthPrefixed(bytes: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * The checksum SDKs verify: attributes sorted by name; for each, name, data type and value as 4-byte
 * big-endian length + bytes, with a transport byte between type and value (1 = string, 2 = binary).
 * Returns undefined when there are no attributes, as SQS then omits the field.
 */
export function md5OfAttributes(attributes: MessageAttributes): string | undefined {
  const names = Object.keys(attributes).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  for (const name of names) {
    const value = attributes[name]!;
    hash.update(lengthPrefixed(Buffer.from(name, 'utf8')));
    hash.update(lengthPrefixed(Buffer.from(value.dataType, 'utf8')));
    if (value.binaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      hash.update(lengthPrefixed(value.binaryValue));
    } else {
      hash.update(Buffer.from([1]));
      hash.update(lengthPrefixed(Buffer.from(value.stringValue ?? '', 'utf8')));
    }
  }
  return hash.digest('hex');
}
