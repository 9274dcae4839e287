import type { ContextKeys, ContextValue } from './context.ts';
import { ipInRange, parseIp, parseIpRange } from './ip.ts';
import {
  alternation,
  parseTemplate,
  type ResolvedPiece,
  regexSource,
  resolveTemplate,
  type Template,
} from './template.ts';

/**
 * The Condition element (reference_policies_elements_condition_operators,
 * reference_policies_condition-single-vs-multi-valued-context-keys):
 * - several operators in a block, and several keys under one operator, are ANDed; several values for one
 *   key are ORed; a negated operator (StringNotEquals, NotIpAddress…) is true when the value matches none.
 * - a key missing from the request makes a condition false, except for negated operators (true), the
 *   `...IfExists` suffix (true) and Null (which tests exactly that).
 * - `ForAllValues:` is true when every request value matches (and when the key is missing or empty);
 *   `ForAnyValue:` when at least one does (false when the key is missing or empty).
 * - policy variables are replaced in String and Arn operators' values only; a variable without a value makes
 *   the condition, and so the statement, not apply.
 */

type Family = 'string' | 'ignoreCase' | 'like' | 'numeric' | 'date' | 'bool' | 'binary' | 'ip' | 'arn' | 'null';
type Comparison = 'eq' | 'lt' | 'le' | 'gt' | 'ge';

interface OperatorSpec {
  family: Family;
  negated: boolean;
  comparison: Comparison;
}

function spec(family: Family, negated = false, comparison: Comparison = 'eq'): OperatorSpec {
  return { family, negated, comparison };
}

const operators: Record<string, OperatorSpec> = {
  StringEquals: spec('string'),
  StringNotEquals: spec('string', true),
  StringEqualsIgnoreCase: spec('ignoreCase'),
  StringNotEqualsIgnoreCase: spec('ignoreCase', true),
  StringLike: spec('like'),
  StringNotLike: spec('like', true),
  NumericEquals: spec('numeric'),
  NumericNotEquals: spec('numeric', true),
  NumericLessThan: spec('numeric', false, 'lt'),
  NumericLessThanEquals: spec('numeric', false, 'le'),
  NumericGreaterThan: spec('numeric', false, 'gt'),
  NumericGreaterThanEquals: spec('numeric', false, 'ge'),
  DateEquals: spec('date'),
  DateNotEquals: spec('date', true),
  DateLessThan: spec('date', false, 'lt'),
  DateLessThanEquals: spec('date', false, 'le'),
  DateGreaterThan: spec('date', false, 'gt'),
  DateGreaterThanEquals: spec('date', false, 'ge'),
  Bool: spec('bool'),
  BinaryEquals: spec('binary'),
  IpAddress: spec('ip'),
  NotIpAddress: spec('ip', true),
  ArnEquals: spec('arn'),
  ArnLike: spec('arn'),
  ArnNotEquals: spec('arn', true),
  ArnNotLike: spec('arn', true),
  Null: spec('null'),
};

/** One operator–key pair of a Condition block, as written. */
export interface ConditionEntry {
  /** As written, e.g. `ForAnyValue:StringLikeIfExists`. */
  operator: string;
  key: string;
  values: string[];
}

/** Validates a Condition element; `fail` reports what is wrong in AWS's words. */
export function parseConditions(value: unknown, fail: (message: string) => never): ConditionEntry[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('Syntax errors in policy: Condition must be an object of operators.');
  }
  const entries: ConditionEntry[] = [];
  for (const [operator, block] of Object.entries(value)) {
    const parsed = splitOperator(operator);
    if (!parsed) fail(`Invalid Condition type : ${operator}`);
    if (typeof block !== 'object' || block === null || Array.isArray(block) || Object.keys(block).length === 0) {
      fail(`Syntax errors in policy: condition ${operator} must map condition keys to values.`);
    }
    for (const [key, raw] of Object.entries(block)) {
      if (!/^[A-Za-z0-9-]+:\S/.test(key)) fail(`Conditions must be prefaced by a vendor, e.g., aws, sqs, kms: ${key}`);
      const list: unknown[] = Array.isArray(raw) ? raw : [raw];
      if (list.length === 0) fail(`Syntax errors in policy: condition ${operator} on ${key} has no values.`);
      const values = list.map((item) => {
        if (typeof item === 'string') return item;
        if (typeof item === 'number' || typeof item === 'boolean') return String(item);
        return fail(
          `Syntax errors in policy: condition ${operator} on ${key} has a value that is not a string, number or boolean.`,
        );
      });
      for (const item of values) {
        const problem = valueProblem(parsed.spec.family, item);
        if (problem) fail(`Invalid value for ${operator} on ${key}: ${JSON.stringify(item)} is not ${problem}.`);
      }
      entries.push({ operator, key, values });
    }
  }
  return entries;
}

function splitOperator(
  operator: string,
): { spec: OperatorSpec; set: 'all' | 'any' | undefined; ifExists: boolean } | undefined {
  let name = operator;
  let set: 'all' | 'any' | undefined;
  if (name.startsWith('ForAllValues:')) set = 'all';
  else if (name.startsWith('ForAnyValue:')) set = 'any';
  if (set) name = name.slice(name.indexOf(':') + 1);
  const ifExists = name.endsWith('IfExists');
  if (ifExists) name = name.slice(0, -'IfExists'.length);
  const found = Object.hasOwn(operators, name) ? operators[name] : undefined;
  if (!found || (ifExists && found.family === 'null')) return undefined;
  return { spec: found, set, ifExists };
}

/** What a policy value of this family must be, or undefined when it is one. */
function valueProblem(family: Family, value: string): string | undefined {
  switch (family) {
    case 'numeric':
      return Number.isFinite(toNumber(value)) ? undefined : 'a number';
    case 'date':
      return Number.isFinite(toEpochMs(value)) ? undefined : 'an ISO 8601 date or epoch time';
    case 'bool':
    case 'null':
      return /^(true|false)$/i.test(value) ? undefined : '"true" or "false"';
    case 'ip':
      return parseIpRange(value) ? undefined : 'an IPv4 or IPv6 address or CIDR range';
    case 'binary':
      return /^[A-Za-z0-9+/]*={0,2}$/.test(value) ? undefined : 'base-64';
    default:
      return undefined;
  }
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value.trim() === '') return Number.NaN;
  return Number(value);
}

/** The W3C profile of ISO 8601 that AWS documents for dates: YYYY-MM[-DD[Thh:mm[:ss[.s]]]] and a zone. */
const isoDate = /^(\d{4})-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * ISO 8601 text, or epoch seconds (as aws:EpochTime and policy values may be written). A time without a
 * zone is UTC, as on AWS: `Date.parse` would read it in the server's local time zone, and so would the
 * other formats it accepts, which are refused.
 */
function toEpochMs(value: unknown): number {
  if (typeof value === 'number') return value * 1000;
  if (typeof value !== 'string') return Number.NaN;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const match = isoDate.exec(value);
  if (!match) return Number.NaN;
  const [, year, month, day = '01', hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  return Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}${fraction.slice(0, 4)}${zone}`);
}

function toText(value: string | number | boolean): string {
  return typeof value === 'string' ? value : String(value);
}

/** A condition entry compiled for per-request evaluation. */
export interface CompiledCondition {
  readonly entry: ConditionEntry;
  /** Whether the request satisfies it. */
  test(keys: ContextKeys): boolean;
}

type Positive = (value: string | number | boolean) => boolean;

/** Compiles an entry; `variables` is whether the policy's Version supports policy variables. */
export function compileCondition(entry: ConditionEntry, variables: boolean): CompiledCondition {
  const parsed = splitOperator(entry.operator)!;
  const key = entry.key.toLowerCase();
  const { family, negated } = parsed.spec;
  if (family === 'null') {
    const wantsAbsent = entry.values.map((value) => value.toLowerCase() === 'true');
    return {
      entry,
      test: (keys) => {
        const absent = isAbsent(keys.get(key));
        return wantsAbsent.some((want) => want === absent);
      },
    };
  }
  const positiveFor = compilePositive(family, parsed.spec.comparison, entry.values, variables);
  const { set, ifExists } = parsed;
  return {
    entry,
    test: (keys) => {
      const positive = positiveFor(keys);
      if (!positive) return false;
      const raw = keys.get(key);
      if (isAbsent(raw)) {
        if (set === 'all' || ifExists) return true;
        if (set === 'any') return false;
        return negated;
      }
      const matches = (value: string | number | boolean) => positive(value) !== negated;
      if (typeof raw !== 'object') return matches(raw as string | number | boolean);
      const values = raw as readonly string[];
      if (set === 'all') return values.every(matches);
      if (set === 'any') return values.some(matches);
      // A plain operator on a multivalued key: a match on any value, negated as a whole.
      return values.some(positive) !== negated;
    },
  };
}

function isAbsent(value: ContextValue): boolean {
  return value === undefined || (typeof value === 'object' && value.length === 0);
}

/**
 * Builds the "does a request value match any policy value" test. Returns a function of the request's keys
 * because String and Arn values may hold variables; it answers undefined when a variable cannot be resolved.
 */
function compilePositive(
  family: Exclude<Family, 'null'>,
  comparison: Comparison,
  values: readonly string[],
  variables: boolean,
): (keys: ContextKeys) => Positive | undefined {
  switch (family) {
    case 'string':
    case 'ignoreCase': {
      const fold = family === 'ignoreCase';
      return templated(values, { wildcards: false, variables }, (resolved) => {
        const set = new Set(resolved.map((pieces) => (fold ? pieces.join('').toLowerCase() : pieces.join(''))));
        return fold ? (value) => set.has(toText(value).toLowerCase()) : (value) => set.has(toText(value));
      });
    }
    case 'like':
    case 'arn': {
      const mode = family === 'like' ? 'plain' : 'arn';
      return templated(values, { wildcards: true, variables }, (resolved) => {
        const pattern = alternation(resolved.map((pieces) => regexSource(pieces, mode)));
        return (value) => pattern.test(toText(value));
      });
    }
    case 'numeric': {
      const numbers = values.map(toNumber);
      return constant((value) => compareAny(toNumber(value), numbers, comparison));
    }
    case 'date': {
      const times = values.map(toEpochMs);
      return constant((value) => compareAny(toEpochMs(value), times, comparison));
    }
    case 'bool': {
      const accepted = new Set(values.map((value) => value.toLowerCase()));
      return constant((value) => accepted.has(toText(value).toLowerCase()));
    }
    case 'binary': {
      const accepted = new Set(values);
      return constant((value) => accepted.has(toText(value)));
    }
    case 'ip': {
      const ranges = values.map((value) => parseIpRange(value)!);
      return constant((value) => {
        const address = typeof value === 'string' ? parseIp(value) : undefined;
        return address !== undefined && ranges.some((range) => ipInRange(address, range));
      });
    }
  }
}

function constant(positive: Positive): () => Positive {
  return () => positive;
}

function compareAny(value: number, against: readonly number[], comparison: Comparison): boolean {
  if (Number.isNaN(value)) return false;
  for (const bound of against) {
    if (
      comparison === 'eq'
        ? value === bound
        : comparison === 'lt'
          ? value < bound
          : comparison === 'le'
            ? value <= bound
            : comparison === 'gt'
              ? value > bound
              : value >= bound
    )
      return true;
  }
  return false;
}

/** Values with variables are resolved per request; the test built from them is kept for the last few
 * distinct resolutions (a handful of users share one policy). */
function templated(
  values: readonly string[],
  options: { wildcards: boolean; variables: boolean },
  build: (resolved: ResolvedPiece[][]) => Positive,
): (keys: ContextKeys) => Positive | undefined {
  const templates: Template[] = values.map((value) => parseTemplate(value, options));
  if (!templates.some((template) => template.hasVariables)) {
    return constant(build(templates.map((template) => template.pieces as ResolvedPiece[])));
  }
  const cache = new Map<string, Positive>();
  return (keys) => {
    const resolved: ResolvedPiece[][] = [];
    for (const template of templates) {
      const pieces = resolveTemplate(template, keys.resolve);
      if (!pieces) return undefined;
      resolved.push(pieces);
    }
    const cacheKey = JSON.stringify(resolved);
    let positive = cache.get(cacheKey);
    if (!positive) {
      if (cache.size >= 64) cache.clear();
      positive = build(resolved);
      cache.set(cacheKey, positive);
    }
    return positive;
  };
}
