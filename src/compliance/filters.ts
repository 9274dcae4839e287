/**
 * Cloud Custodian's value filters over a resource's description: `{ "key": "a.b", "op": "eq", "value": 1 }`,
 * combined with `{ "and": [...] }`, `{ "or": [...] }` and `{ "not": [...] }`. A list of filters means all
 * of them. A resource the filters match is one the policy is about (a violation). Evaluation is pure and
 * returns what it compared, which becomes the finding's evidence.
 */
export const valueOps = [
  'eq',
  'ne',
  'gt',
  'ge',
  'lt',
  'le',
  'in',
  'not-in',
  'contains',
  'not-contains',
  'regex',
  'absent',
  'present',
  'empty',
  'not-empty',
] as const;
export type ValueOp = (typeof valueOps)[number];

/** `age`: the value is an instant (epoch ms or ISO 8601) and is compared as days since it; `size`: a length. */
export type ValueType = 'age' | 'size';

export interface ValueFilter {
  key: string;
  op: ValueOp;
  value?: unknown;
  valueType?: ValueType;
}

export type Filter = ValueFilter | { and: Filter[] } | { or: Filter[] } | { not: Filter[] };

/** One comparison as evaluated: what the policy expected and what the resource had. */
export interface Comparison {
  key: string;
  op: ValueOp;
  expected: unknown;
  actual: unknown;
  isMatch: boolean;
}

export interface FilterResult {
  isMatch: boolean;
  /** The comparisons that decided the result. */
  evidence: Comparison[];
}

const dayMs = 86_400_000;

/** A problem in a filter as written; the message names the place. */
export class FilterError extends Error {}

/** Checks a filter as written in a policy document, at load time. */
export function parseFilter(raw: unknown, place: string): Filter {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new FilterError(`${place}: a filter is an object ({key, op, value} or and/or/not)`);
  }
  const object = raw as Record<string, unknown>;
  for (const combinator of ['and', 'or', 'not'] as const) {
    if (combinator in object) {
      const list = object[combinator];
      if (!Array.isArray(list) || list.length === 0 || Object.keys(object).length !== 1) {
        throw new FilterError(`${place}: '${combinator}' takes a non-empty list of filters and nothing beside it`);
      }
      return { [combinator]: list.map((item, i) => parseFilter(item, `${place}.${combinator}[${i}]`)) } as Filter;
    }
  }
  const unknown = Object.keys(object).filter((name) => !['type', 'key', 'op', 'value', 'valueType'].includes(name));
  if (unknown.length > 0) throw new FilterError(`${place}: unknown filter fields ${unknown.join(', ')}`);
  if (object.type !== undefined && object.type !== 'value') {
    throw new FilterError(`${place}: only value filters are supported (type 'value')`);
  }
  if (typeof object.key !== 'string' || !/^[A-Za-z0-9_$:-]+(\.[A-Za-z0-9_$:-]+)*$/.test(object.key)) {
    throw new FilterError(`${place}: key must be a dotted path such as attributes.KmsMasterKeyId`);
  }
  const op = (object.op ?? 'eq') as ValueOp;
  if (!(valueOps as readonly string[]).includes(op)) {
    throw new FilterError(`${place}: op must be one of ${valueOps.join(', ')}`);
  }
  const needsValue = !['absent', 'present', 'empty', 'not-empty'].includes(op);
  if (needsValue && !('value' in object)) throw new FilterError(`${place}: op ${op} needs a value`);
  if ((op === 'in' || op === 'not-in') && !Array.isArray(object.value)) {
    throw new FilterError(`${place}: op ${op} needs a list as its value`);
  }
  if (op === 'regex') {
    try {
      new RegExp(String(object.value));
    } catch {
      throw new FilterError(`${place}: value is not a valid regular expression`);
    }
  }
  if (object.valueType !== undefined && object.valueType !== 'age' && object.valueType !== 'size') {
    throw new FilterError(`${place}: valueType must be age or size`);
  }
  const filter: ValueFilter = { key: object.key, op };
  if ('value' in object) filter.value = object.value;
  if (object.valueType !== undefined) filter.valueType = object.valueType as ValueType;
  return filter;
}

/** The value at a dotted path; undefined when any step is missing. */
export function valueAt(data: unknown, path: string): unknown {
  let current: unknown = data;
  for (const step of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

function converted(actual: unknown, valueType: ValueType | undefined, nowMs: number): unknown {
  if (valueType === 'size') {
    if (Array.isArray(actual) || typeof actual === 'string') return actual.length;
    if (typeof actual === 'object' && actual !== null) return Object.keys(actual).length;
    return actual === undefined || actual === null ? 0 : actual;
  }
  if (valueType === 'age') {
    const instant = typeof actual === 'number' ? actual : typeof actual === 'string' ? Date.parse(actual) : Number.NaN;
    // Whole days toward zero: the days since a past instant, or minus the whole days until a future one, so
    // `gt -30` ("expires within 30 days") fires with 29.5 days left; rounding down made that -30, a day late.
    return Number.isFinite(instant) ? Math.trunc((nowMs - instant) / dayMs) : undefined;
  }
  return actual;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

function equals(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && a !== null && JSON.stringify(a) === JSON.stringify(b));
}

function compare(op: ValueOp, actual: unknown, expected: unknown): boolean {
  switch (op) {
    case 'eq':
      return equals(actual, expected);
    case 'ne':
      return !equals(actual, expected);
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le': {
      if (typeof actual !== 'number' || typeof expected !== 'number') return false;
      if (op === 'gt') return actual > expected;
      if (op === 'ge') return actual >= expected;
      if (op === 'lt') return actual < expected;
      return actual <= expected;
    }
    case 'in':
      return (expected as unknown[]).some((item) => equals(actual, item));
    case 'not-in':
      return !(expected as unknown[]).some((item) => equals(actual, item));
    case 'contains':
    case 'not-contains': {
      const has = Array.isArray(actual)
        ? actual.some((item) => equals(item, expected))
        : typeof actual === 'string' && typeof expected === 'string' && actual.includes(expected);
      return op === 'contains' ? has : !has;
    }
    case 'regex':
      return typeof actual === 'string' && new RegExp(String(expected)).test(actual);
    case 'absent':
      return actual === undefined || actual === null;
    case 'present':
      return actual !== undefined && actual !== null;
    case 'empty':
      return isEmpty(actual);
    case 'not-empty':
      return !isEmpty(actual);
  }
}

/** Evaluates filters (all of them) on a resource's description at `nowMs`. */
export function evaluateFilters(filters: readonly Filter[], data: unknown, nowMs: number): FilterResult {
  return all(filters, data, nowMs);
}

function all(filters: readonly Filter[], data: unknown, nowMs: number): FilterResult {
  const evidence: Comparison[] = [];
  for (const filter of filters) {
    const result = evaluateOne(filter, data, nowMs);
    evidence.push(...result.evidence);
    if (!result.isMatch) return { isMatch: false, evidence: result.evidence };
  }
  return { isMatch: true, evidence };
}

function evaluateOne(filter: Filter, data: unknown, nowMs: number): FilterResult {
  if ('and' in filter) return all(filter.and, data, nowMs);
  if ('or' in filter) {
    const evidence: Comparison[] = [];
    for (const item of filter.or) {
      const result = evaluateOne(item, data, nowMs);
      if (result.isMatch) return result;
      evidence.push(...result.evidence);
    }
    return { isMatch: false, evidence };
  }
  if ('not' in filter) {
    const inner = all(filter.not, data, nowMs);
    return { isMatch: !inner.isMatch, evidence: inner.evidence };
  }
  const actual = converted(valueAt(data, filter.key), filter.valueType, nowMs);
  const isMatch = compare(filter.op, actual, filter.value);
  return {
    isMatch,
    evidence: [{ key: filter.key, op: filter.op, expected: filter.value ?? null, actual: actual ?? null, isMatch }],
  };
}
