import { PciqError } from '../core/index.ts';

/**
 * What a queue does with card data in the messages sent to it (PCI DSS 3.3, 3.5): the guard's policy,
 * set as a queue attribute or, for tooling that manages tags, as a tag (the attribute wins):
 *
 * | attribute | tag | values |
 * |---|---|---|
 * | `PciqDataPolicy` | `pciq:data-policy` | `tokenize` (default): each PAN replaced by a token; `reject`: the message is refused; `mask`: each PAN replaced by its first six and last four digits |
 * | `PciqTokenFormat` | `pciq:token-format` | `opaque` (default), `format-preserving`, `format-preserving-bin6`, `format-preserving-bin8` |
 * | `PciqTokenScope` | `pciq:token-scope` | a scope name: the same PAN gets the same token in this scope (convergent); unset, tokens are random |
 * | `PciqAllowedFields` | `pciq:allowed-fields` | JSON fields never taken for card numbers (order ids that pass Luhn): `order.id`, `*.sku`, or a bare name for any field of that name, separated by commas or spaces |
 *
 * Sensitive authentication data is refused whatever the policy says.
 */
export const dataActions = ['tokenize', 'reject', 'mask'] as const;
export type DataAction = (typeof dataActions)[number];

/** The token formats of the vault, named here because queues do not depend on it (the guard checks they agree). */
export const queueTokenFormats = [
  'opaque',
  'format-preserving',
  'format-preserving-bin6',
  'format-preserving-bin8',
] as const;
export type QueueTokenFormat = (typeof queueTokenFormats)[number];

export interface QueueDataPolicy {
  action: DataAction;
  tokenFormat: QueueTokenFormat;
  tokenScope: string | undefined;
  allowedFields: readonly string[];
}

/** Queue attribute and tag names of each setting. */
export const dataPolicySettings = {
  action: { attribute: 'PciqDataPolicy', tag: 'pciq:data-policy' },
  tokenFormat: { attribute: 'PciqTokenFormat', tag: 'pciq:token-format' },
  tokenScope: { attribute: 'PciqTokenScope', tag: 'pciq:token-scope' },
  allowedFields: { attribute: 'PciqAllowedFields', tag: 'pciq:allowed-fields' },
} as const;

type Setting = keyof typeof dataPolicySettings;

export const dataPolicyAttributeNames: ReadonlySet<string> = new Set(
  Object.values(dataPolicySettings).map((names) => names.attribute),
);

const fieldPattern = /^[A-Za-z0-9_$*@-]+(\.[A-Za-z0-9_$*@-]+)*$/;
const scopePattern = /^[A-Za-z0-9_.:/=+@-]{1,128}$/;

function settingOf(name: string): Setting | undefined {
  for (const [setting, names] of Object.entries(dataPolicySettings))
    if (names.attribute === name || names.tag === name) return setting as Setting;
  return undefined;
}

function splitFields(value: string): string[] {
  return value.split(/[\s,]+/).filter((field) => field !== '');
}

/**
 * Why `value` is not valid for the data-policy attribute or tag `name`, or undefined when it is (or when
 * `name` is not one of them).
 */
export function dataPolicyProblem(name: string, value: string): string | undefined {
  switch (settingOf(name)) {
    case 'action':
      return (dataActions as readonly string[]).includes(value) ? undefined : 'must be tokenize, reject or mask.';
    case 'tokenFormat':
      return (queueTokenFormats as readonly string[]).includes(value)
        ? undefined
        : `must be one of ${queueTokenFormats.join(', ')}.`;
    case 'tokenScope':
      return scopePattern.test(value) ? undefined : 'must be 1 to 128 letters, digits or _ . : / = + @ -.';
    case 'allowedFields': {
      const fields = splitFields(value);
      if (fields.length > 50) return 'lists at most 50 fields.';
      const bad = fields.find((field) => !fieldPattern.test(field) || field.length > 256);
      return bad === undefined
        ? undefined
        : 'must be field paths such as order.id, *.sku or reference, separated by commas or spaces.';
    }
    default:
      return undefined;
  }
}

export function assertValidDataPolicy(name: string, value: string, kind: 'attribute' | 'tag'): void {
  const problem = dataPolicyProblem(name, value);
  if (problem === undefined) return;
  if (kind === 'attribute')
    throw new PciqError('InvalidAttributeValue', `Invalid value for the parameter ${name}: ${problem}`);
  throw new PciqError('InvalidParameterValue', `The value of tag '${name}' is invalid: it ${problem}`);
}

/** The queue's effective policy from its attributes and tags, with the defaults. */
export function dataPolicyOf(queue: { attributes: Record<string, string>; tags: Record<string, string> }) {
  const read = (setting: Setting): string | undefined => {
    const names = dataPolicySettings[setting];
    return queue.attributes[names.attribute] ?? queue.tags[names.tag];
  };
  const policy: QueueDataPolicy = {
    action: (read('action') as DataAction | undefined) ?? 'tokenize',
    tokenFormat: (read('tokenFormat') as QueueTokenFormat | undefined) ?? 'opaque',
    tokenScope: read('tokenScope'),
    allowedFields: splitFields(read('allowedFields') ?? ''),
  };
  return policy;
}
