import { PciqError } from '../../core/index.ts';
import type { DecodedRequest } from '../wire.ts';

/** Flattened list parameters of the Query protocol and the JSON member each becomes. */
const lists: Record<string, string> = {
  AttributeName: 'AttributeNames',
  MessageAttributeName: 'MessageAttributeNames',
  MessageSystemAttributeName: 'MessageSystemAttributeNames',
  TagKey: 'TagKeys',
  AWSAccountId: 'AWSAccountIds',
  ActionName: 'Actions',
  SendMessageBatchRequestEntry: 'Entries',
  DeleteMessageBatchRequestEntry: 'Entries',
  ChangeMessageVisibilityBatchRequestEntry: 'Entries',
};

/** Flattened map parameters: Query name → [JSON member, key element, value element]. */
const maps: Record<string, [string, string, string]> = {
  Attribute: ['Attributes', 'Name', 'Value'],
  Tag: ['Tags', 'Key', 'Value'],
  MessageAttribute: ['MessageAttributes', 'Name', 'Value'],
  MessageSystemAttribute: ['MessageSystemAttributes', 'Name', 'Value'],
};

type Tree = { [key: string]: Tree | string };

const maxParameters = 2_000;

/**
 * Folds Query parameters (`Attribute.1.Name=…`, `SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue=…`)
 * into the JSON protocol's input shape, so that every action reads one shape.
 */
export function foldQueryParameters(parameters: URLSearchParams): Record<string, unknown> {
  const tree: Tree = {};
  let count = 0;
  for (const [key, value] of parameters) {
    if (++count > maxParameters) throw new PciqError('MalformedRequest', 'Too many request parameters.');
    const path = key.split('.').filter((segment) => segment !== 'member');
    let node = tree;
    for (let i = 0; i < path.length - 1; i++) {
      const segment = path[i]!;
      const next = node[segment];
      if (typeof next === 'string')
        throw new PciqError('MalformedRequest', `Parameter ${key} conflicts with another parameter.`);
      if (next === undefined) {
        const child: Tree = {};
        node[segment] = child;
        node = child;
      } else node = next;
    }
    const last = path[path.length - 1]!;
    if (typeof node[last] === 'object')
      throw new PciqError('MalformedRequest', `Parameter ${key} conflicts with another parameter.`);
    node[last] = value;
  }
  return convert(tree);
}

function indexed(tree: Tree): Array<Tree | string> {
  const keys = Object.keys(tree);
  if (!keys.every((key) => /^\d+$/.test(key))) {
    throw new PciqError('MalformedRequest', 'A list parameter has a member that is not numbered.');
  }
  return keys.sort((a, b) => Number(a) - Number(b)).map((key) => tree[key]!);
}

function convert(tree: Tree): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tree)) {
    const map = maps[key];
    const list = lists[key];
    if (map && typeof value === 'object') {
      const [member, keyName, valueName] = map;
      const folded: Record<string, unknown> = {};
      for (const entry of indexed(value)) {
        if (typeof entry !== 'object' || typeof entry[keyName] !== 'string') {
          throw new PciqError('MalformedRequest', `Each ${key} needs a ${keyName}.`);
        }
        const item = entry[valueName];
        folded[entry[keyName]] = typeof item === 'object' ? convert(item) : (item ?? '');
      }
      out[member] = folded;
    } else if (list && typeof value === 'object') {
      out[list] = indexed(value).map((item) => (typeof item === 'object' ? convert(item) : item));
    } else {
      out[key] = typeof value === 'object' ? convert(value) : value;
    }
  }
  return out;
}

/** Parameters that belong to the envelope or to SigV4's presigned form, not to the action. */
const envelope = new Set(['Action', 'Version']);

/**
 * A Query protocol request (SQS, IAM, STS): form parameters from the query string and the body, the action
 * named by `Action`, the rest folded into the JSON protocol's input shape.
 */
export function decodeQueryRequest({ body, query }: { body: Buffer; query: string }): DecodedRequest {
  const parameters = new URLSearchParams(query);
  if (body.length > 0)
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) parameters.append(key, value);
  const action = parameters.get('Action') ?? '';
  for (const key of [...parameters.keys()]) {
    if (envelope.has(key) || key.startsWith('X-Amz-')) parameters.delete(key);
  }
  if (!action) throw new PciqError('MissingParameter', 'The request must contain the parameter Action.');
  return { action, input: foldQueryParameters(parameters) };
}
