import {
  type Caller,
  invalidParameter,
  missingParameter,
  PciqError,
  parseQueueUrl,
  type QueueAddress,
} from '../core/index.ts';
import type { MessageAttributes } from '../queues/index.ts';

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Typed reads of an action's input. Both wire protocols decode into the same JSON-shaped object (the
 * Query decoder folds `Attribute.1.Name` style parameters into maps and lists), so actions read one shape.
 * Numbers may arrive as JSON numbers or as strings (Query); both are accepted.
 */
export class ActionInput {
  readonly raw: Record<string, unknown>;
  /** The request path (old SQS Query clients put the queue URL there instead of a QueueUrl parameter). */
  readonly path: string;

  constructor(raw: Record<string, unknown>, path = '/') {
    this.raw = raw;
    this.path = path;
  }

  has(name: string): boolean {
    return this.raw[name] !== undefined && this.raw[name] !== null;
  }

  optionalString(name: string): string | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw invalidParameter(`Value for parameter ${name} must be a string.`);
    return value;
  }

  string(name: string): string {
    const value = this.optionalString(name);
    if (value === undefined) throw missingParameter(name);
    return value;
  }

  optionalInteger(name: string): number | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null) return undefined;
    const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
      throw invalidParameter(
        `Value ${String(value).slice(0, 40)} for parameter ${name} is invalid. Reason: must be an integer.`,
      );
    }
    return n;
  }

  integer(name: string): number {
    const value = this.optionalInteger(name);
    if (value === undefined) throw missingParameter(name);
    return value;
  }

  stringList(name: string): string[] {
    const value = this.raw[name];
    // The Query protocol sends an empty list as the bare member name with an empty value (`Entries=`).
    if (value === undefined || value === null || value === '') return [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw invalidParameter(`Value for parameter ${name} must be a list of strings.`);
    }
    return value as string[];
  }

  stringMap(name: string): Record<string, string> {
    const value = this.raw[name];
    if (value === undefined || value === null || value === '') return {};
    if (typeof value !== 'object' || Array.isArray(value))
      throw invalidParameter(`Value for parameter ${name} must be a map.`);
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(value)) {
      if (typeof item !== 'string') throw invalidParameter(`Value of ${name} entry ${key} must be a string.`);
      out[key] = item;
    }
    return out;
  }

  messageAttributes(name: string): MessageAttributes {
    const value = this.raw[name];
    if (value === undefined || value === null || value === '') return {};
    if (typeof value !== 'object' || Array.isArray(value))
      throw invalidParameter(`Value for parameter ${name} must be a map.`);
    const out: MessageAttributes = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (typeof item !== 'object' || item === null)
        throw invalidParameter(`Message attribute '${key}' must have a value.`);
      const entry = item as Record<string, unknown>;
      const dataType = entry['DataType'];
      if (typeof dataType !== 'string') {
        throw invalidParameter(`Message attribute '${key}' must contain a non-empty attribute type.`);
      }
      const attribute: MessageAttributes[string] = { dataType };
      if (entry['StringValue'] !== undefined && entry['StringValue'] !== null) {
        if (typeof entry['StringValue'] !== 'string')
          throw invalidParameter(`Message attribute '${key}' StringValue must be a string.`);
        attribute.stringValue = entry['StringValue'];
      }
      if (entry['BinaryValue'] !== undefined && entry['BinaryValue'] !== null) {
        const encoded = entry['BinaryValue'];
        if (typeof encoded !== 'string' || !base64Pattern.test(encoded)) {
          throw invalidParameter(`Message attribute '${key}' BinaryValue must be base64.`);
        }
        attribute.binaryValue = Buffer.from(encoded, 'base64');
      }
      out[key] = attribute;
    }
    return out;
  }

  /** Entries of a batch request, each readable the same way. */
  entries(name: string): ActionInput[] {
    const value = this.raw[name];
    if (value === undefined || value === null || value === '') return [];
    if (!Array.isArray(value)) throw invalidParameter(`Value for parameter ${name} must be a list.`);
    return value.map((item) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw invalidParameter(`Each of ${name} must be a structure.`);
      }
      return new ActionInput(item as Record<string, unknown>);
    });
  }

  /**
   * The queue a request addresses, from QueueUrl (or the request path, for Query clients that post to the
   * queue URL). Queues of another account are not visible until cross-account policies exist.
   */
  queue(caller: Caller): QueueAddress {
    const url = this.optionalString('QueueUrl') ?? (this.path !== '/' ? this.path : undefined);
    if (url === undefined) throw missingParameter('QueueUrl');
    const address = parseQueueUrl(url);
    if (!address) throw new PciqError('InvalidAddress', 'The address is not a valid queue URL for this endpoint.');
    if (address.accountId !== caller.accountId)
      throw new PciqError('QueueDoesNotExist', 'The specified queue does not exist.');
    return address;
  }
}
